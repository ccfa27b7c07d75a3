"""Where the tradechain checkout is: the folder holding contracts/ (sources), build/, deploy/ and node_modules/."""

from __future__ import annotations

import os
from pathlib import Path

from tradechain.errors import TradechainError

ROOT_ENV = "TRADECHAIN_ROOT"


def project_root() -> Path:
    """The folder holding contracts/: $TRADECHAIN_ROOT, else found above this file or the cwd."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "contracts").is_dir():
                return folder
    raise TradechainError(f"cannot find the project root (a folder with contracts/); set {ROOT_ENV}")


def load_artifacts() -> dict[str, dict]:
    """The build of this checkout's contracts (compiled only when build/ is stale)."""
    from tradechain.compiler import compile_contracts

    return compile_contracts(project_root())
