"""Migrations: from empty to head, and from the previous schema (0001) with data in it."""

from __future__ import annotations

import time

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from ecsguard.store import HEAD, open_store
from ecsguard.store.engine import make_engine, resolve_url
from ecsguard.store.migrate import alembic_config, current_revision, head_revision, upgrade
from ecsguard.store.schema import metadata
from ecsguard.store.testing import sample_snapshot, snapshot_inventory


def test_head_constant_matches_the_scripts() -> None:
    assert head_revision() == HEAD
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    assert [r.revision for r in reversed(revisions)] == ["0001", "0002"]


def test_migrated_schema_equals_the_models(db_url: str) -> None:
    engine = make_engine(resolve_url(db_url))
    upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        insp = inspect(conn)
        for table in metadata.sorted_tables:
            columns = {c["name"] for c in insp.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
            indexes = {i["name"] for i in insp.get_indexes(table.name)}
            assert {i.name for i in table.indexes} <= indexes, table.name
    engine.dispose()


def test_upgrade_from_previous_schema_keeps_data(db_url: str) -> None:
    engine = make_engine(resolve_url(db_url))
    upgrade(engine, "0001")
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        conn.execute(
            text(
                "INSERT INTO runs (started_at, source, kind, collected_at, inputs, errors,"
                " resource_count, error_count) VALUES (:t, 'old.json', 'scan', '', '[]', '[]', 0, 0)"
            ),
            {"t": time.time()},
        )
        conn.execute(
            text(
                "INSERT INTO findings VALUES (1, 'f1', 'ecs.a', 'high', 'fail',"
                " 'AWS::ECS::TaskDefinition', 'arn:td/1', 'missing-body')"
            )
        )
    engine.dispose()
    with open_store(db_url) as store:  # migrates 0001 -> 0002 on open
        runs = store.runs()
        assert [(r.id, r.source, r.account_id) for r in runs] == [(1, "old.json", "")]
        assert store.finding_rows()[0]["check_id"] == "ecs.a"
        new = store.record_run(snapshot_inventory(sample_snapshot()), source="new", kind="scan")
        assert store.run(new) is not None and store.run(new).account_id == "111122223333"  # type: ignore[union-attr]
        store.save_baseline("w", {"a": 1})  # a table 0002 added
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    engine = make_engine(resolve_url(db_url))
    upgrade(engine)
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
        assert not inspect(conn).has_table("alerts")
    upgrade(engine)
    with engine.connect() as conn:
        assert inspect(conn).has_table("alerts")
    engine.dispose()


@pytest.mark.parametrize("value", ["mysql://x/y", "oracle://z"])
def test_unsupported_urls_are_usage_errors(value: str) -> None:
    from ecsguard.errors import UsageError

    with pytest.raises(UsageError):
        resolve_url(value)
