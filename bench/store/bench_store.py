"""Store benchmark: record a 10,000-task-definition snapshot on SQLite, then again unchanged,
then with 1% of the families at a new revision.

Prints wall and CPU seconds per run (CPU time is what a loaded machine distorts least) and
how many bytes each run added to the database (after a WAL
checkpoint), with the first run as the baseline the others are compared with:

    .venv/bin/python bench/store/bench_store.py [--count 10000] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from estate import snapshot

from ecsguard.collect.snapshot import load_snapshot
from ecsguard.model import Inventory, InventoryBuilder
from ecsguard.store import Store, open_store
from ecsguard.store.testing import pg_schema_url


def inventory(count: int, changed: int = 0) -> Inventory:
    builder = InventoryBuilder()
    load_snapshot(snapshot(count, changed), f"bench-{changed}.json", builder)
    return builder.build()


def size(store: Store) -> int:
    """Bytes the database uses: live SQLite pages, or PostgreSQL relations of our tables."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            query = (
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
            return int(conn.execute(text(query)).scalar_one() or 0)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
        free = conn.execute(text("PRAGMA freelist_count")).scalar_one()
        page = conn.execute(text("PRAGMA page_size")).scalar_one()
    return int((pages - free) * page)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL server (a fresh schema is used)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = str(Path(tmp) / "bench.db")
        if args.pg:
            url = stack.enter_context(pg_schema_url(args.pg))
        store = open_store(url)
        before = size(store)
        rows = []
        for label, changed in (("first", 0), ("unchanged", 0), ("1% changed", args.count // 100)):
            inv = inventory(args.count, changed)
            start, cpu = time.perf_counter(), time.process_time()
            store.record_run(inv, source=label, kind="collect")
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            if args.pg:
                with store.engine.connect() as conn:  # settle sizes before measuring
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
            after = size(store)
            rows.append((label, seconds, cpu, after - before))
            before = after
        store.close()
    base_seconds, base_bytes = rows[0][1], rows[0][3]
    engine = "PostgreSQL" if args.pg else "SQLite"
    print(f"store.record_run, {args.count} task definitions, {engine}")
    print(
        f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; CPU s is this process)"
    )
    for label, seconds, cpu, added in rows:
        print(
            f"  {label:<11} {seconds:6.2f} s wall {cpu:6.2f} s CPU"
            f" ({seconds / base_seconds:4.2f}x first)"
            f"  +{added / 1024:9.1f} KiB ({added / base_bytes:7.2%} of first)"
        )


if __name__ == "__main__":
    main()
