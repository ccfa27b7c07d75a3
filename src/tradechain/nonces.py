"""Nonces for the keys we sign with: one counter per (chain, sender), handed out under a lock, so concurrent senders
neither reuse a nonce (one transaction would replace the other) nor skip one (every later transaction would wait).

Threads of one process share a `threading.Lock` per sender; processes sharing a key share a lock file per sender
(`fcntl.flock` on <state dir>/nonces/<chain>-<address>, the chain named by its id and genesis hash, so a fresh
devnet never inherits an old count), which also records the next nonce handed out and when. The nonce used is
the highest of: that record while it is fresh (RECORD_TTL: it covers a node behind a load balancer whose pool
lags; after that a dropped transaction must not leave a gap forever), this process's counter, and the node's
pending transaction count. The lock is held only while the transaction is signed and handed to the node, never
while a receipt is awaited.

When the node still refuses a nonce ("nonce too low": mined meanwhile by another sender; "replacement
transaction underpriced" / "already known": another sender's transaction holds it in the pool), the counter is
resynchronised past it and the transaction is signed again with the next nonce. "already known" is not such a
conflict: it means the node holds this very transaction (a retried send that got through), see ALREADY_KNOWN.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")
STATE_DIR_ENV = "TRADECHAIN_STATE_DIR"
CONFLICTS = ("nonce too low", "replacement transaction underpriced", "nonce has already been used")
# The node already holds this very transaction (same hash): a retried send that got through the first time.
# Never a conflict: signing the next nonce would send the same payment twice.
ALREADY_KNOWN = ("already known", "known transaction", "transaction already imported", "already imported")
ATTEMPTS = 5
RECORD_TTL = 30.0  # seconds a recorded count is trusted above the node's own


def is_conflict(exc: BaseException) -> bool:
    """The node refused the nonce itself (someone else used it), not the transaction."""
    text = str(exc).lower()
    return any(marker in text for marker in CONFLICTS)


def is_already_known(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in ALREADY_KNOWN)


def default_dir() -> Path:
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV]).expanduser() / "nonces"
    from tradechain.project import project_root

    return project_root() / ".state" / "nonces"


class NonceManager:
    def __init__(self, pending_count: Callable[[str], int], chain_key: str, folder: Path | None = None):
        """`pending_count(address)`: the node's transaction count including its pool (eth_getTransactionCount
        at "pending"); `chain_key`: names the chain in lock file names (chain id and genesis hash)."""
        self._pending = pending_count
        self._chain_key = chain_key
        self._folder = folder
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, int] = {}

    def send(self, sender: str, send_with: Callable[[int], T]) -> T:
        """Call `send_with(nonce)` (sign and hand to the node) with the sender's next nonce; on a nonce conflict,
        resynchronise and try again with a fresh nonce. Returns what `send_with` returns."""
        for attempt in range(ATTEMPTS):
            with self._locked(sender) as record:
                nonce = max(record.read(), self._next.get(sender, 0), self._pending(sender))
                try:
                    result = send_with(nonce)
                except Exception as exc:
                    if not is_conflict(exc) or attempt == ATTEMPTS - 1:
                        raise
                    self._advance(sender, record, max(nonce + 1, self._pending(sender)))
                    continue
                self._advance(sender, record, nonce + 1)
                return result
        raise AssertionError("unreachable")  # the loop returns or raises

    def resync(self, sender: str) -> int:
        """Forget what we counted and start again from the node's pending count (after a dropped transaction)."""
        with self._locked(sender) as record:
            value = self._pending(sender)
            self._next[sender] = value
            record.write(value)
            return value

    def _advance(self, sender: str, record: _Record, value: int) -> None:
        self._next[sender] = value
        record.write(value)

    @contextmanager
    def _locked(self, sender: str) -> Iterator[_Record]:
        with self._guard:
            lock = self._locks.setdefault(sender, threading.Lock())
        with lock:
            if self._folder is None:
                yield _Record(None)
                return
            self._folder.mkdir(parents=True, exist_ok=True)
            path = self._folder / f"{self._chain_key}-{sender.lower()}"
            with open(path, "a+") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield _Record(handle)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)


class _Record:
    """The next nonce handed out, as recorded in the sender's lock file (0 when there is none or it is stale)."""

    def __init__(self, handle: Any):
        self._handle = handle

    def read(self) -> int:
        if self._handle is None:
            return 0
        self._handle.seek(0)
        try:
            data = json.loads(self._handle.read() or "{}")
            fresh = time.time() - float(data.get("at", 0)) < RECORD_TTL
            return int(data.get("next", 0)) if fresh else 0
        except (ValueError, TypeError, AttributeError):
            return 0  # a damaged record: the node's count decides

    def write(self, value: int) -> None:
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps({"next": value, "at": time.time()}) + "\n")
        self._handle.flush()
