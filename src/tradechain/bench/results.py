"""Benchmark output as timestamped JSON under results/, so runs can be compared over time."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS_ENV = "TRADECHAIN_RESULTS"


def results_dir(override: str | Path | None = None) -> Path:
    """--results-dir, else $TRADECHAIN_RESULTS, else <project>/results."""
    if override:
        return Path(override)
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV])
    from tradechain.project import project_root

    return project_root() / "results"


def stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def environment() -> dict[str, str]:
    return {"python": sys.version.split()[0], "platform": platform.platform(), "machine": platform.machine()}


def write(kind: str, data: dict[str, Any], directory: str | Path | None = None) -> Path:
    """Write one run as results/<timestamp>-<kind>.json and return its path."""
    folder = results_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    when = stamp()
    path = folder / f"{when}-{kind}.json"
    payload = {"kind": kind, "recordedAt": when, "environment": environment(), **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def latest(kind: str, directory: str | Path | None = None) -> dict[str, Any] | None:
    """The most recent run of `kind`, or None."""
    folder = results_dir(directory)
    runs = sorted(folder.glob(f"*-{kind}.json")) if folder.is_dir() else []
    return json.loads(runs[-1].read_text()) if runs else None
