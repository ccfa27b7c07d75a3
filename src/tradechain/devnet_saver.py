"""Keeps the devnet's state file current, and idle when the chain is.

anvil's own `--state-interval 1` serialises and rewrites the whole state every second whether anything
happened or not: 80 MB and a fifth of a core at 5,000 orders while nothing happens. This process asks for
the latest block's hash a few times a second (a request anvil answers in microseconds) and saves the
state (`anvil_dumpState`, written beside the file and renamed over it, so a reader never sees half a
file) only when the chain moved: within SAVE_WITHIN seconds of a change, never while idle. It exits when
anvil does; `Devnet.stop` stops it before anvil, whose own save on SIGTERM is then the last word.

Run as `python -m tradechain.devnet_saver URL STATE_FILE ANVIL_PID`.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
from pathlib import Path

POLL = 0.2  # seconds between looks at the latest block
SAVE_WITHIN = 0.8  # a change is on disk this long after it is seen, at the latest (plus the dump's own time)


def latest_hash(url: str) -> str | None:
    from tradechain.devnet import rpc_request

    try:
        return rpc_request(url, "eth_getBlockByNumber", ["latest", False], timeout=2)["hash"]
    except Exception:  # noqa: BLE001 - a node busy or going away: look again next time
        return None


def save(url: str, state_file: Path) -> None:
    """anvil's state (gzip JSON over RPC) as the JSON file `--state` loads."""
    from tradechain.devnet import rpc_request

    dump = rpc_request(url, "anvil_dumpState", timeout=60)
    tmp = state_file.with_name(state_file.name + ".saving")
    tmp.write_bytes(gzip.decompress(bytes.fromhex(dump.removeprefix("0x"))))
    os.replace(tmp, state_file)


def run(url: str, state_file: Path, anvil_pid: int) -> None:
    from tradechain.devnet import pid_alive

    # Nothing is taken as saved yet: blocks may have been mined between anvil's start and this process's
    # (a loaded machine can take seconds to start Python), so the first look saves once.
    saved, saved_at = None, 0.0
    while pid_alive(anvil_pid):
        time.sleep(POLL)
        current = latest_hash(url)
        if current is None or current == saved:
            continue
        wait = SAVE_WITHIN - POLL - (time.monotonic() - saved_at)  # busy chain: one dump per SAVE_WITHIN
        if wait > 0:
            time.sleep(wait)
        try:
            current = latest_hash(url) or current
            save(url, state_file)
        except Exception as exc:  # noqa: BLE001 - anvil gone mid-dump (killed): its own log tells the loss
            print(f"devnet saver: could not save: {exc}", file=sys.stderr, flush=True)
            continue
        saved, saved_at = current, time.monotonic()


if __name__ == "__main__":
    run(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
