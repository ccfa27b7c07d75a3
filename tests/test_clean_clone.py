"""A fresh clone stays clean after the README's two commands: the committed package-lock.json is exactly what
npm writes for package.json here, and running the demo or the tests writes nothing that git tracks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from tradechain.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _tracked_changes() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def test_the_lock_file_is_what_npm_writes(tmp_path):
    npm = shutil.which("npm")
    assert npm, "npm is needed (make setup installs the toolchain with it)"
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    # the Makefile's own command (make demo / make test run it in a fresh clone)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=300)
    assert (tmp_path / "package-lock.json").read_text() == (ROOT / "package-lock.json").read_text(), (
        "npm rewrites package-lock.json: run `npm install` and commit the lock as it writes it")


def test_the_demo_leaves_the_checkout_as_it_was():
    before = _tracked_changes()
    result = CliRunner().invoke(cli, ["demo", "--json"], env={"TRADECHAIN_NETWORK": "", "TRADECHAIN_RPC": ""})
    assert result.exit_code == 0, result.output
    assert _tracked_changes() == before
