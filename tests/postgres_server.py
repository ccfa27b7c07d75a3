"""A real PostgreSQL server for tests: Debian's postgresql (installed by `make test-deps`), initialised in a
temporary folder and started as the postgres user on a free port; stopped and removed afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

from anvil import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, "PostgreSQL is missing: `make test-deps` installs Debian's postgresql"
    return found[-1]


def _as_postgres(cmd: str) -> None:
    if os.geteuid() == 0:
        subprocess.run(["su", "postgres", "-c", cmd], check=True, capture_output=True)
    else:  # already an unprivileged user: run the server as ourselves
        subprocess.run(["sh", "-c", cmd], check=True, capture_output=True)


@contextmanager
def postgres() -> Iterator[str]:
    """Yield a postgresql:// URL of a fresh database; the server stops when the block ends."""
    folder = tempfile.mkdtemp(prefix="tc-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    data = f"{folder}/data"
    _as_postgres(f"{_bin('initdb')} -D {data} -A trust -U tc >/dev/null")
    _as_postgres(f"{_bin('pg_ctl')} -D {data} -o '-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                 f"-c fsync=off' -l {folder}/log -w start")
    try:
        url = f"postgresql://tc@127.0.0.1:{port}/postgres"
        for _ in range(50):
            import psycopg

            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=tc dbname=postgres").close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        yield url
    finally:
        _as_postgres(f"{_bin('pg_ctl')} -D {data} -m immediate stop")
        shutil.rmtree(folder, ignore_errors=True)
