"""The project's local devnet: one anvil in the background, its chain state saved under .state/devnet/.

anvil loads state.json on start and saves it on a clean stop (SIGTERM); while it runs, a small saver
process (tradechain.devnet_saver) rewrites the file within a second of every new block and never while the
chain is idle (anvil's own --state-interval rewrote the whole state every second regardless). So chain id
31337, the contract addresses and every order survive a stop/start, and the manifest (deploy/31337.json)
stays valid. A SIGKILL can lose the last second: on the next start the blocks mined before the kill (from
anvil's log) are compared with the restored chain and a loss is reported.

anvil does not save its clock: a restarted anvil mines at the wall clock, so after `tradechain time advance`
the next block would be earlier than the last one and deadlines that had passed would be open again. So a
clean stop records how far chain time ran ahead of the wall clock (`timeOffset` in devnet.json), and every
start sets the clock (anvil_setTime) to the later of the wall clock plus that offset and the last block's
time. After a SIGKILL there is no recorded offset: the chain resumes at its last block's time.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tradechain.errors import ChainUnavailable, UsageError

DEFAULT_PORT = 8545
HOST = "127.0.0.1"
CHAIN_ID = 31337  # anvil's default: the same on every start, so the manifest keeps matching
STATE_DIR_ENV = "TRADECHAIN_STATE_DIR"  # default <project>/.state
START_MARK = "=== tradechain devnet start"
_BLOCK_LINE = re.compile(r"^\s*Block Number: (\d+)\s*$", re.M)


@dataclass
class Started:
    url: str
    pid: int
    block: int
    already_running: bool = False
    restored: bool = False  # state was loaded from a previous run
    crashed: bool = False  # the previous run did not stop cleanly
    lost_blocks: int = 0  # blocks mined before the crash that the restored state lacks
    clock_ahead: int = 0  # seconds chain time was set ahead of the wall clock at start (0: wall clock)


def anvil_binary(root: Path) -> Path:
    """The native anvil binary. node_modules/.bin/anvil is a node wrapper that spawns it: a signal sent
    to the wrapper (SIGKILL above all) would not reach the node, so run the binary itself when we can."""
    native = sorted((root / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"))
    if native:
        return native[0]
    wrapper = root / "node_modules" / ".bin" / "anvil"
    if wrapper.exists():
        return wrapper
    raise UsageError("anvil is not installed in node_modules: run `make setup`")


def rpc_request(url: str, method: str, params: list | None = None, timeout: float = 2.0):
    """One JSON-RPC call with the standard library (no web3 import on the devnet's fast paths)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        answer = json.loads(resp.read())
    if "error" in answer:
        raise ChainUnavailable(f"{url} refused {method}: {answer['error'].get('message')}")
    return answer["result"]


def pid_alive(pid: int) -> bool:
    """True while process `pid` runs (a zombie child of ours counts as dead, and is reaped)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


class Devnet:
    def __init__(self, root: Path | None = None, state_dir: Path | None = None):
        if root is None:
            from tradechain.project import project_root

            root = project_root()
        self.root = root
        base = state_dir or Path(os.environ.get(STATE_DIR_ENV) or root / ".state")
        self.dir = Path(base).expanduser() / "devnet"
        self.state_file = self.dir / "state.json"
        self.pid_file = self.dir / "anvil.pid"
        self.log_file = self.dir / "anvil.log"
        self.meta_file = self.dir / "devnet.json"
        self.saver_pid_file = self.dir / "saver.pid"

    # ---- what is recorded ----
    def meta(self) -> dict:
        try:
            return json.loads(self.meta_file.read_text())
        except (OSError, ValueError):
            return {}

    def url(self, port: int | None = None) -> str:
        return f"http://{HOST}:{port or self.meta().get('port') or DEFAULT_PORT}"

    def pid(self) -> int | None:
        """The pid of this project's running anvil, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not pid_alive(pid):
            return None
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and b"anvil" not in cmdline.read_bytes():
            return None  # the pid was reused by something else
        return pid

    def running(self) -> bool:
        return self.pid() is not None

    # ---- life cycle ----
    def start(self, port: int = DEFAULT_PORT, timeout: float = 15.0) -> Started:
        """Start anvil in the background (or find it running) and wait until it answers."""
        pid = self.pid()
        if pid is not None:
            url = self.url()
            return Started(url, pid, int(rpc_request(url, "eth_blockNumber"), 16), already_running=True)
        _check_port_free(port)
        self.dir.mkdir(parents=True, exist_ok=True)
        crashed = self.pid_file.exists()  # a pid file without its process: the last run was killed
        last_logged = self._last_logged_block() if crashed else None
        restored = self.state_file.exists() and self.state_file.stat().st_size > 0
        offset = int(self.meta().get("timeOffset", 0)) if not crashed else 0
        url = self.url(port)
        cmd = [str(anvil_binary(self.root)), "--hardfork", "prague", "--host", HOST, "--port", str(port),
               "--chain-id", str(CHAIN_ID), "--state", str(self.state_file)]
        with open(self.log_file, "a") as log:
            log.write(f"\n{START_MARK} {_now()} port {port} ===\n")
            log.flush()
            # own session: the devnet outlives this command and ignores the terminal's Ctrl-C
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        block = self._wait_ready(proc, url, timeout)
        ahead = self._resume_clock(url, offset)
        self.pid_file.write_text(f"{proc.pid}\n")
        self._start_saver(url, proc.pid)
        self.meta_file.write_text(json.dumps({"port": port, "url": url, "pid": proc.pid, "chainId": CHAIN_ID,
                                              "startedAt": _now()}, indent=2) + "\n")
        lost = max(0, last_logged - block) if last_logged is not None else 0
        return Started(url, proc.pid, block, restored=restored, crashed=crashed, lost_blocks=lost,
                       clock_ahead=ahead)

    @staticmethod
    def _resume_clock(url: str, offset: int) -> int:
        """Never let chain time run backwards across a restart: set anvil's clock to the later of the wall
        clock + `offset` (recorded by a clean stop) and the last block's time. Returns the seconds set ahead."""
        last = int(rpc_request(url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        wall = int(time.time())
        target = max(wall + offset, last)
        if target <= wall:
            return 0
        rpc_request(url, "anvil_setTime", [target])
        return target - wall

    def _record_clock(self, url: str) -> None:
        """Before a clean stop: how far chain time runs ahead of the wall clock (the pending block carries the
        node's "now", offset included), so the next start resumes the same clock."""
        try:
            pending = rpc_request(url, "eth_getBlockByNumber", ["pending", False])
            offset = int(pending["timestamp"], 16) - int(time.time())
        except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError, ChainUnavailable):
            return  # the node does not answer: the next start falls back to the last block's time
        meta = self.meta()
        meta["timeOffset"] = max(0, offset)
        self.meta_file.write_text(json.dumps(meta, indent=2) + "\n")

    def _wait_ready(self, proc: subprocess.Popen, url: str, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ChainUnavailable(
                    f"anvil exited at start (code {proc.returncode}): {self._log_tail()}; "
                    f"see {self.log_file}, or `tradechain devnet reset` if the saved state is damaged")
            try:
                return int(rpc_request(url, "eth_blockNumber", timeout=1), 16)
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.05)
        proc.terminate()
        raise ChainUnavailable(f"anvil did not answer at {url} within {timeout:.0f} s; see {self.log_file}")

    def _start_saver(self, url: str, anvil_pid: int) -> None:
        """The process that keeps state.json current while anvil runs (see tradechain.devnet_saver)."""
        with open(self.log_file, "a") as log:
            saver = subprocess.Popen([sys.executable, "-m", "tradechain.devnet_saver", url, str(self.state_file),
                                      str(anvil_pid)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.saver_pid_file.write_text(f"{saver.pid}\n")

    def _stop_saver(self, timeout: float = 5.0) -> None:
        """Stop the saver before anvil, so anvil's own save at SIGTERM is the last write of the file."""
        try:
            pid = int(self.saver_pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        cmdline = Path(f"/proc/{pid}/cmdline")
        if pid_alive(pid) and (not cmdline.exists() or b"devnet_saver" in cmdline.read_bytes()):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.saver_pid_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop anvil with SIGTERM, so it saves its state; False if it was not running."""
        self._stop_saver()
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self._record_clock(self.url())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid):
            if time.monotonic() > deadline:
                raise ChainUnavailable(f"anvil (pid {pid}) did not stop within {timeout:.0f} s")
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        return True

    def reset(self, deploy_root: Path | None = None) -> list[Path]:
        """Stop the devnet and delete its chain state, log and manifest. Returns what was removed."""
        from tradechain.deployment import manifest_path

        self.stop()
        removed = []
        for path in (self.state_file, self.meta_file, self.log_file, self.pid_file, self.saver_pid_file,
                     manifest_path(deploy_root or self.root, CHAIN_ID)):
            if path.exists():
                path.unlink()
                removed.append(path)
        return removed

    # ---- the log ----
    def _last_logged_block(self) -> int | None:
        """The highest block anvil reported mining in its last run (from the log), if any."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return None
        last_run = text.rsplit(START_MARK, 1)[-1]
        numbers = [int(n) for n in _BLOCK_LINE.findall(last_run)]
        return max(numbers) if numbers else None

    def _log_tail(self) -> str:
        try:
            lines = [ln.strip() for ln in self.log_file.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return "no log"
        return lines[-1][:200] if lines else "no output"


def _check_port_free(port: int, patience: float = 3.0) -> None:
    """Bind as anvil does (SO_REUSEADDR). A node killed a moment ago can hold its port for a little while
    (its sockets are torn down after the process is gone), so retry briefly before calling it taken."""
    deadline = time.monotonic() + patience
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
                return
            except OSError:
                if time.monotonic() >= deadline:
                    raise UsageError(f"port {port} on {HOST} is already in use; pick another with --port") from None
        time.sleep(0.1)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
