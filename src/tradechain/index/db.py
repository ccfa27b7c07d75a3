"""Opening an index: a SQLite file per network by default, or a PostgreSQL server by URL; migrated on open.

The URL comes from `--db`, else $TRADECHAIN_INDEX_DB, else `index_db` of the network in tradechain.toml, else
`.state/index/<chain id>-<escrow address>.sqlite` under the project (a redeployed suite gets its own). `postgresql://…` URLs are driven by psycopg 3.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from tradechain.errors import UsageError

if TYPE_CHECKING:  # SQLAlchemy is imported when an index is opened: finding there is none never loads it (0.4 s)
    from sqlalchemy.engine import Connection, Engine

DB_ENV = "TRADECHAIN_INDEX_DB"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_path(root: Path, chain_id: int, escrow: str) -> Path:
    return root / ".state" / "index" / f"{chain_id}-{escrow.lower()[:10]}.sqlite"


def resolve_url(url: str | None, root: Path, chain_id: int, escrow: str) -> str:
    """The index URL to use for a suite: explicit, environment, or the default SQLite file."""
    url = url or os.environ.get(DB_ENV) or None
    if url is None:
        return "sqlite:///" + str(default_path(root, chain_id, escrow))
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+psycopg:")):
        return url
    if "://" not in url:  # a plain file path
        return "sqlite:///" + str(Path(url).expanduser().resolve())
    raise UsageError(f"--db {url!r}: give a postgresql://user@host:port/db URL, a sqlite:///path URL or a file path")


def sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def engine_for(url: str, *, create: bool = True) -> Engine:
    """An engine on the index; the SQLite file (and its folder) is created when `create`."""
    from sqlalchemy import create_engine, event

    path = sqlite_file(url)
    if path is not None:
        if not create and not path.exists():
            raise UsageError(f"no index at {path}; build one with `tradechain index`")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL: explorer processes read while the indexer writes; NORMAL sync is durable at each commit
            # in WAL mode against a process kill (only an OS crash may lose the last commit).
            dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only transaction control
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # a writer (see `writing`) takes the write lock at BEGIN, so two writers queue instead of failing
            # half-way; readers begin deferred and never wait for one another
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write_lock") else "BEGIN")

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # a bad URL: one line
        raise UsageError(f"cannot open the index at {url}: {exc}") from None


HEAD = "0004_accept_by"  # the newest migration in migrations/versions: an index at HEAD needs no alembic run


def _revision(engine: Engine) -> str | None:
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no table yet (a new index), or no database at all: alembic says which below
        return None


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the index's write lock from its start (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    the caller locks the meta rows FOR UPDATE)."""
    with engine.connect() as conn:
        conn.execution_options(write_lock=True)
        with conn.begin():
            yield conn


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic), in one transaction."""
    if _revision(engine) == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except UsageError:
        raise
    except Exception as exc:
        if "OperationalError" in type(exc).__name__ or "connect" in str(exc).lower():
            raise UsageError(f"cannot reach the index database ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0]})") from None
        raise


def read_meta(conn) -> dict[str, str]:
    from sqlalchemy import select

    from tradechain.index.schema import meta

    return {k: v for k, v in conn.execute(select(meta.c.key, meta.c.value))}


def write_meta(conn, values: dict[str, str]) -> None:
    from tradechain.index.schema import meta

    for key, value in values.items():
        updated = conn.execute(meta.update().where(meta.c.key == key).values(value=str(value))).rowcount
        if not updated:
            conn.execute(meta.insert().values(key=key, value=str(value)))
