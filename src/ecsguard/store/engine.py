"""Database URLs and engines: a SQLite file by default, PostgreSQL by URL.

SQLite is opened in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE`` so two writers queue for the lock instead of failing half-way through.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from ecsguard.errors import EcsguardError, UsageError

ENV_VAR = "ECSGUARD_DB"
WRITE_OPTION = "ecsguard_write"
BUSY_TIMEOUT_MS = 30_000
T = TypeVar("T")


class StoreError(EcsguardError):
    """The database cannot be opened or used (reported as one line, exit code 2)."""


def default_path() -> Path:
    """``$XDG_DATA_HOME/ecsguard/ecsguard.db``, i.e. ``~/.local/share/ecsguard/ecsguard.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ecsguard" / "ecsguard.db"


def resolve_url(url: str | None = None) -> str:
    """The SQLAlchemy URL for ``url``, ``$ECSGUARD_DB`` or the default file.

    A plain path (no ``://``) means a SQLite file; ``postgresql://`` is given the psycopg 3
    driver, which is the one we ship.
    """
    value = url or os.environ.get(ENV_VAR) or str(default_path())
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if value.startswith(("postgresql+psycopg://", "sqlite://")):
        return value
    if "://" in value:
        raise UsageError(
            f"unsupported database URL {value.split('://', 1)[0]}:// (use a file path, sqlite:/// or postgresql+psycopg://)"
        )
    return f"sqlite:///{Path(value).expanduser()}"


def make_engine(url: str) -> Engine:
    """An engine for a resolved URL, with SQLite tuned for concurrent writers."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)


def _sqlite_engine(url: str) -> Engine:
    path = url.split("sqlite:///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None leaves transaction control to us (pysqlite's own BEGIN is deferred).
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"isolation_level": None, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A writer takes the lock up front: no deadlock between two upgrading readers.
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_RETRY_CODES = ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available


def transient(exc: BaseException) -> bool:
    """True for errors that a retry of the whole transaction can cure."""
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None)
        return code in _RETRY_CODES
    return False


def with_retries(work: Callable[[], T], attempts: int = 8) -> T:
    """Run a whole transaction again after a transient lock or serialization error."""
    for attempt in range(attempts):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts - 1 or not transient(exc):
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")
