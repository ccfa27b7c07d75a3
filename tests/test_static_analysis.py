"""Slither on our own contracts, offline, from the solc-js build: no medium-or-higher finding; ERC conformance.

Slither lives in its own venv (.venv-slither, see Makefile: it needs web3<8). crytic-compile reads our
build/build-info/<key>.json as a Hardhat build; a stub hardhat.config.js in a temp dir makes it look there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tradechain.compiler import compile_contracts

REPO = Path(__file__).resolve().parents[1]
SLITHER_BIN = Path(os.environ.get("SLITHER_BIN_DIR", REPO / ".venv-slither" / "bin"))
FAIL_IMPACTS = {"Medium", "High"}
# A negative control: a known medium finding in a test-only contract proves the detectors really ran.
CONTROL = ("erc20-interface", "contracts/test/OddTokens.sol")
# ERC-20 approve() front-running is inherent to the standard (OpenZeppelin keeps it); wallets use permit.
ACCEPTED_ERC_NOTES = {"lack_of_erc20_race_condition_protection"}


def _tool(name: str) -> str:
    path = SLITHER_BIN / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make setup` (it installs Slither into .venv-slither)")
    return str(path)


@pytest.fixture(scope="module")
def hardhat_dir(tmp_path_factory) -> Path:
    """A Hardhat-shaped view of the repo: config stub, contracts/, node_modules/, artifacts/build-info/."""
    compile_contracts(REPO)  # make sure build-info matches the sources
    infos = sorted((REPO / "build" / "build-info").glob("*.json"))
    assert len(infos) == 1, f"expected one build-info file, found {infos}"
    root = tmp_path_factory.mktemp("slither")
    (root / "hardhat.config.js").write_text("module.exports = {};\n")
    (root / "contracts").symlink_to(REPO / "contracts")
    (root / "node_modules").symlink_to(REPO / "node_modules")
    (root / "artifacts").mkdir()
    (root / "artifacts" / "build-info").symlink_to(REPO / "build" / "build-info")
    return root


ERC_CHECKS = [
    ("InvoiceToken", "erc721", True),
    ("DemoStablecoin", "erc20", True),
    ("NoReturnToken", "erc20", False),  # control: USDT-style returns must be caught
]


def _start(hardhat_dir: Path, name: str, tool: str, *args: str) -> tuple[subprocess.Popen, Path]:
    """Start a Slither tool; its JSON report goes to report-<name>.json (Slither will not overwrite one): with
    `--json -` the log (which holds the analysed-contracts count) is silenced."""
    out = hardhat_dir / f"report-{name}.json"
    proc = subprocess.Popen(
        [tool, ".", *args, "--hardhat-ignore-compile", "--npx-disable", "--json", str(out)],
        cwd=hardhat_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return proc, out


def _finish(tool: str, proc: subprocess.Popen, out: Path) -> tuple[dict, str]:
    """(the JSON report, the log) of a started tool."""
    try:
        _, log = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{tool} did not finish within 240 s")
    try:
        return json.loads(out.read_text()), log
    except (OSError, ValueError):
        pytest.fail(f"{tool} gave no JSON (exit {proc.returncode}): {log[-2000:]}")


@pytest.fixture(scope="module")
def reports(hardhat_dir) -> dict:
    """Slither and the three ERC checks, run side by side (each parses the whole build: ~20 s apiece)."""
    started = {"slither": ("slither", _start(hardhat_dir, "slither", _tool("slither"), "--exclude-informational",
                                              "--exclude-low", "--exclude-optimization"))}
    for contract, erc, _ in ERC_CHECKS:
        started[contract] = ("slither-check-erc", _start(hardhat_dir, contract, _tool("slither-check-erc"),
                                                         contract, "--erc", erc))
    return {key: _finish(tool, *run) for key, (tool, run) in started.items()}


def _ours(path: str) -> bool:
    return path.startswith("contracts/") and not path.startswith("contracts/test/")


def test_slither_finds_nothing_medium_or_higher_in_our_contracts(reports):
    report, log = reports["slither"]
    assert report["success"], report.get("error")
    analysed = re.search(r"analyzed \((\d+) contracts", log)
    assert analysed and int(analysed.group(1)) > 0, f"Slither analysed no contracts:\n{log[-2000:]}"

    findings = report["results"].get("detectors", [])
    where = lambda f: f["elements"][0]["source_mapping"]["filename_relative"] if f["elements"] else ""  # noqa: E731
    control = [f for f in findings if (f["check"], where(f)) == CONTROL]
    assert control, "the control finding (NoReturnToken's ERC-20 interface) is missing: did Slither run its detectors?"

    ours = [f for f in findings if f["impact"] in FAIL_IMPACTS and _ours(where(f))]
    assert not ours, "Slither findings in our contracts (fix, or suppress inline with a reason):\n" + "\n".join(
        f"[{f['impact']}] {f['check']}: {f['description'].strip()}" for f in ours
    )


@pytest.mark.parametrize("contract, erc, compliant", ERC_CHECKS)
def test_erc_conformance(reports, contract, erc, compliant):
    report, log = reports[contract]
    assert report["success"], report.get("error") or log[-2000:]
    problems = {k: v for k, v in report["results"].get("erc-conformance", {}).items() if k not in ACCEPTED_ERC_NOTES}
    if compliant:
        assert not problems, f"{contract} is not {erc.upper()} compliant: " + "; ".join(
            e["description"].strip() for v in problems.values() for e in v
        )
    else:
        assert problems, f"slither-check-erc passed {contract}, which is known not to conform"
