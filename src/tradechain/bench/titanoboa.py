"""titanoboa on the same trade, the same py-evm and the same bytecode, beside TradeClient on the embedded chain.

titanoboa runs in a venv of its own (.venv-boa, pinned by constraints-boa.txt; made here on first use, by
`bench speed` and by the test that needs it), so its pins can never move ours. Its py-evm and eth-* pins equal
constraints.txt's. It runs bench/boa_flow.py: the Solidity build deployed as bytecode (boa.loads_abi +
deploy_code; boa-solidity 0.1.1 wants titanoboa < 0.2), wired as deploy_suite does, then one trade per request.
Both sides are timed by their own process's CPU time, trade by trade in turn (speed.alternating).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tradechain.errors import TitanoboaUnavailable as Unavailable  # exceptions live in errors.py

VENV = ".venv-boa"
CONSTRAINTS = "constraints-boa.txt"
PACKAGE = "titanoboa"
# keccak-256 in C, as our side has (tradechain/__init__.py picks eth-hash's pysha3 backend through ETH_HASH_BACKEND,
# which boa's process inherits): both sides then hash trie nodes and storage keys with the same code.
EXTRAS = ("safe-pysha3",)
INSTALL_TIMEOUT = 900  # seconds: about 80 s on this 2-core VM under load


def python(root: Path) -> Path:
    """The boa venv's Python, installed from the pinned constraints when missing or when the pins changed."""
    constraints = root / CONSTRAINTS
    venv = root / VENV
    exe = venv / "bin" / "python"
    stamp = venv / ".installed"
    want = hashlib.sha256(constraints.read_bytes()).hexdigest()
    if exe.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return exe
    from tradechain import progress

    pins = [next((line.strip() for line in constraints.read_text().splitlines()
                  if line.lower().startswith(name + "==")), name) for name in (PACKAGE, *EXTRAS)]
    pin = " ".join(pins)
    progress.step(f"bench: installing {pin} into {VENV} (pinned by {CONSTRAINTS}; once)")
    for cmd in ([sys.executable, "-m", "venv", "--clear", str(venv)],
                [str(exe), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(constraints), *pins]):
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"`{' '.join(cmd[-3:])}` did not finish within {INSTALL_TIMEOUT} s") from None
        if done.returncode != 0:
            said = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()
                    and not line.startswith("WARNING")]
            raise Unavailable(f"installing {pin} failed (`{' '.join(cmd[:3])} ...`): "
                              f"{said[-1] if said else 'exit ' + str(done.returncode)}")
    stamp.write_text(want + "\n")
    return exe


def spec(artifacts: dict) -> dict:
    """What boa_flow.py needs: the build's ABI and bytecode, role ids, and the trade's values (as speed.py's)."""
    from tradechain.bench.speed import PRICE
    from tradechain.deployment import DEFAULT_DISPUTE_PERIOD, DEFAULT_FEE_BPS
    from tradechain.vocabulary import KINDS, STATES, hash_bytes, location_code, role_id

    return {"artifacts": {n: {"abi": artifacts[n]["abi"], "bytecode": artifacts[n]["bytecode"]}
                          for n in ("Provenance", "InvoiceToken", "BillOfLading", "PaymentSchedules", "FxRates",
                                    "TradeEscrow")},
            "roles": {r: role_id(r).hex() for r in ("ESCROW", "CARRIER", "SCHEDULE", "TITLE")},
            "feeBps": DEFAULT_FEE_BPS, "disputePeriod": DEFAULT_DISPUTE_PERIOD, "price": PRICE,
            "delivered": KINDS.index("Delivered"), "released": STATES.index("Released"),
            "location": location_code("DEHAM").hex(), "bol": hash_bytes(b"bol").hex(),
            "terms": hash_bytes(b"pod").hex()}


class BoaTrades:
    """titanoboa running the trade in its own process: calling the object runs one trade there and returns the
    CPU seconds it took (that process's own clock)."""

    def __init__(self, exe: Path, artifacts: dict):
        self._spec = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(spec(artifacts), self._spec)
        self._spec.close()
        script = Path(__file__).with_name("boa_flow.py")
        self.proc = subprocess.Popen([str(exe), str(script), self._spec.name], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        if first[:1] != ["ready"]:
            self.close()
            raise Unavailable(f"titanoboa could not deploy the suite: {self._stderr()}")
        self.vm = first[1] if len(first) > 1 else "?"
        self.keccak = first[2] if len(first) > 2 else "?"  # eth-hash's backend in boa's process

    def _stderr(self) -> str:
        lines = [line for line in (self.proc.stderr.read() or "").splitlines() if line.strip()]
        return lines[-1] if lines else f"exit {self.proc.poll()}"

    def __call__(self) -> float:
        self.proc.stdin.write("trade\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise Unavailable(f"titanoboa stopped during a trade: {self._stderr()}")
        return float(answer)

    def close(self) -> None:
        """End the run; raises Unavailable when boa's own end-of-run check failed."""
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=60)
            if self.proc.returncode not in (0, None):
                raise Unavailable(f"titanoboa's run failed its final check: {self._stderr()}")
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            Path(self._spec.name).unlink(missing_ok=True)

    def __enter__(self) -> BoaTrades:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def measure(artifacts: dict, trades: int, rounds: int, target: float) -> dict:
    """titanoboa (baseline) and TradeClient on the embedded chain (candidate), trade by trade in turn, each by its
    own CPU time. Returns the paired result, or {"unavailable": why} when titanoboa cannot run here."""
    from tradechain.bench.gas import setup
    from tradechain.bench.speed import alternating, client_trade
    from tradechain.project import project_root

    try:
        exe = python(project_root())
        with BoaTrades(exe, artifacts) as boa:
            result = alternating(boa, client_trade(setup(artifacts)), trades, rounds, target, by_cpu=True)
            result["boaVm"], result["boaKeccak"] = boa.vm, boa.keccak
    except Unavailable as exc:
        return {"unavailable": str(exc)}
    return result
