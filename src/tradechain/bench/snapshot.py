"""The committed gas snapshot (gas-snapshot.json, like `forge snapshot`): write it, and check a run against it.

A figure above its snapshot fails the check; a figure below it passes, and the snapshot should then be
lowered in a commit of its own (`tradechain bench gas --snapshot`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FILENAME = "gas-snapshot.json"
UPDATE_HINT = "run `tradechain bench gas --snapshot` and commit gas-snapshot.json on its own"


def path(root: Path | None = None) -> Path:
    if root is None:
        from tradechain.project import project_root

        root = project_root()
    return Path(root) / FILENAME


def load(file: Path | None = None) -> dict[str, int]:
    file = file or path()
    return json.loads(file.read_text()) if file.exists() else {}


def save(figures: dict[str, int], file: Path | None = None) -> Path:
    file = file or path()
    file.write_text(json.dumps(dict(sorted(figures.items())), indent=2) + "\n")
    return file


@dataclass
class Diff:
    rose: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (snapshot, measured)
    fell: dict[str, tuple[int, int]] = field(default_factory=dict)
    new: dict[str, int] = field(default_factory=dict)  # measured, not in the snapshot
    gone: dict[str, int] = field(default_factory=dict)  # in the snapshot, no longer measured

    @property
    def failed(self) -> bool:
        return bool(self.rose or self.new)

    def lines(self) -> list[str]:
        out = []
        for name, (old, now) in self.rose.items():
            out.append(f"ROSE  {name}: {old:,} -> {now:,} (+{now - old:,}, +{(now - old) / old:.2%})")
        for name, now in self.new.items():
            out.append(f"NEW   {name}: {now:,} (not in {FILENAME})")
        for name, (old, now) in self.fell.items():
            out.append(f"fell  {name}: {old:,} -> {now:,} ({now - old:,}, {(now - old) / old:.2%})")
        for name, old in self.gone.items():
            out.append(f"gone  {name}: {old:,} (no longer measured)")
        return out


def compare(measured: dict[str, int], stored: dict[str, int]) -> Diff:
    diff = Diff()
    for name, now in measured.items():
        if name not in stored:
            diff.new[name] = now
        elif now > stored[name]:
            diff.rose[name] = (stored[name], now)
        elif now < stored[name]:
            diff.fell[name] = (stored[name], now)
    diff.gone = {n: g for n, g in stored.items() if n not in measured}
    return diff
