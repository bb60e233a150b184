"""Schema migrations, run on open: Alembic scripts shipped inside the package.

Two processes opening an empty database at once are serialised (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL advisory lock), and the second one finds the schema already at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from ecsguard.store.engine import WRITE_OPTION, is_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x6563_7367  # "ecsg": one advisory lock for schema changes


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def upgrade(engine: Engine, target: str = "head", *, known_head: str | None = None) -> None:
    """Bring the schema to ``target``; a no-op read when it is already at ``known_head``."""
    if known_head is not None:
        with engine.connect() as conn:
            if current_revision(conn) == known_head:
                return
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if not is_sqlite(engine):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            command.upgrade(alembic_config(conn), target)
