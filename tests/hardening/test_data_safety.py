"""Data safety of the store under abuse: a writer killed with SIGKILL in the middle of a large
run (10,000 task definitions) at several points, and large concurrent writers with a reader,
on SQLite and (when configured) PostgreSQL. Small-run versions of both live in
tests/store/test_safety.py; the NATS monitor crash test lives in tests/agent and tests/sources
(kill -9 loses no event)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ecsguard.store import Store, open_store
from ecsguard.store.testing import pg_schema_url, pg_url, sample_snapshot, snapshot_inventory
from ecsguard.testing import require_services

WRITER = """
import sys
from ecsguard.store import open_store
from ecsguard.store.testing import sample_snapshot, snapshot_inventory
url, tag, runs, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = open_store(url)
for n in range(runs):
    # every run differs (env carries the run number), so each writes `size` new bodies
    inv = snapshot_inventory(sample_snapshot(revisions=size, env={"RUN": f"{tag}-{n}"}))
    print("writing", n, flush=True)
    run = store.record_run(inv, source=f"{tag}-{n}", kind="collect")
    print("done", n, run, flush=True)
store.close()
"""

READER = """
import sys, time
from ecsguard.store import open_store
url, seconds = sys.argv[1], float(sys.argv[2])
store = open_store(url)
end = time.monotonic() + seconds
reads = 0
while time.monotonic() < end:
    for run in store.runs():
        assert store.run(run.id) is not None
    reads += 1
print("reads", reads, flush=True)
"""


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "ecsguard.db")
        return
    base = pg_url()
    if base is None:
        if require_services():
            pytest.fail("ECSGUARD_TEST_PG_URL is not set")
        pytest.skip("ECSGUARD_TEST_PG_URL is not set (no PostgreSQL server)")
    with pg_schema_url(base) as url:  # a schema of its own: no clash with other tests
        yield url


def _consistent(store: Store) -> list[int]:
    """Integrity holds and every listed run has all its rows (its inventory rebuilds whole)."""
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    ids = []
    for run in store.runs():
        counts = store.inventory_at(run.id).counts()
        assert sum(counts.values()) == run.resource_count, run
        ids.append(run.id)
    return ids


def _writer(url: str, tag: str, runs: int, size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, url, tag, str(runs), str(size)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("delay", [0.0, 0.4, 1.5])
def test_kill_9_during_a_large_run(tmp_path: Path, delay: float) -> None:
    url = str(tmp_path / "killed.db")
    open_store(url).close()
    proc = _writer(url, "k", 2, 10_000)
    assert proc.stdout is not None and proc.stderr is not None
    lines = []
    while not any(line.startswith("writing 1") for line in lines):
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        lines.append(line)
    time.sleep(delay)  # somewhere inside the second run's transaction (or just after it)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    done = sum(line.startswith("done") for line in lines)
    with open_store(url) as store:
        ids = _consistent(store)
        assert done <= len(ids) <= done + 1, (lines, ids)
        assert all(run.resource_count > 10_000 for run in store.runs())
        small = snapshot_inventory(sample_snapshot(env={"AFTER": "kill"}))
        again = store.record_run(small, source="after", kind="collect")
        assert again > ids[-1] and store.inventory_at(again).counts()["task_definitions"] == 1


def test_large_concurrent_writers_and_a_reader(db_url: str) -> None:
    open_store(db_url).close()
    writers = [_writer(db_url, tag, 2, 1_500) for tag in ("a", "b")]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, db_url, "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for proc in writers:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
        assert out.count("done") == 2
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    assert int(out.split()[-1]) > 0
    with open_store(db_url) as store:
        ids = _consistent(store)
        assert len(ids) == 4
        assert sorted(r.source for r in store.runs()) == ["a-0", "a-1", "b-0", "b-1"]


def test_kill_9_during_monitor_db(tmp_path: Path) -> None:
    """`ecsguard monitor --db` killed while it records alerts: the store opens clean, its
    alerts are whole, and the next `monitor --db` run records into it."""
    import orjson

    from ecsguard.runtime.examples import build_event

    lines = []
    for n in range(20_000):
        event = build_event(
            {
                "class_uid": 1007,
                "process": {
                    "name": "xmrig",
                    "cmd_line": f"xmrig -o stratum+tcp://198.51.100.{n % 250}:3333",
                },
                "actor": {"process": {"name": "sh"}},
            }
        )
        event["metadata"]["uid"] = f"evt-{n}"
        event["time"] = event["time"] + n * 1000
        lines.append(orjson.dumps(event))
    src = tmp_path / "events.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    db = str(tmp_path / "alerts.db")
    open_store(db).close()
    ecsguard = str(Path(sys.executable).parent / "ecsguard")
    args = [ecsguard, "monitor", "--source", f"file:{src}", "--db", db, "--window", "0",
            "--sink", "file:/dev/null"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # inside the run (a complete run takes several seconds)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    with open_store(db) as store:
        _consistent(store)
        before = store.alerts(limit=100_000)
        assert all(a.get("id") and a.get("rule_id") for a in before)
    done = subprocess.run(args, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_store(db) as store:
        _consistent(store)
        after = store.alerts(limit=100_000)
        assert len(after) >= len(before) and after
