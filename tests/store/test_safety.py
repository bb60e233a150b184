"""Secrets never reach the database; concurrent writers and killed writers corrupt nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

from sqlalchemy import select, text

from ecsguard.posture.result import Evidence, Finding, ResourceRef, finding_id
from ecsguard.store import Store, open_store
from ecsguard.store import schema as s
from ecsguard.store.testing import sample_snapshot, snapshot_inventory

CANARIES = {
    "env": "Canary-Pw-7f3a9c1e",
    "url": "CanaryUrlPw99",
    "token": "ghp_" + "C4n4ryT0k3n" * 4,
    "cmd": "CanaryCmd123",
}


def _everything(store: Store) -> str:
    """Every value the database holds, with compressed blobs opened."""
    parts: list[str] = []
    with store.engine.connect() as conn:
        for table in s.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        parts.append(zlib.decompress(value).decode())
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_canary_secrets_never_stored(store: Store, db_url: str) -> None:
    env = {
        "DB_PASSWORD": CANARIES["env"],
        "UPSTREAM": f"https://svc:{CANARIES['url']}@db.internal:5432/app",
        "DEPLOY_HOOK": CANARIES["token"],
    }
    run_id = store.record_run(
        snapshot_inventory(sample_snapshot(env=env)), source="s.json", kind="scan"
    )
    finding = Finding(
        id=finding_id("ecs.x", "arn:td"),
        check_id="ecs.x",
        title="t",
        severity="high",
        status="fail",
        resource=ResourceRef(type="AWS::ECS::TaskDefinition", id="arn:td"),
        evidence=Evidence(path="containerDefinitions[0].environment", value=env),
    )
    store.record_findings(run_id, [finding])
    store.record_scope(run_id, {"ecsguard_scope": 1, "note": f"token {CANARIES['token']}"})
    cmdline = f"mysql --password={CANARIES['cmd']} -h db"
    store.record_alerts([{"id": "a1", "process": {"cmdline": cmdline}}])
    store.save_baseline("w", {"cmdlines": [cmdline]})
    held = _everything(store)
    assert "DB_PASSWORD" in held and "mysql --password=" in held  # names stay, values go
    for canary in CANARIES.values():
        assert canary not in held
    if not db_url.startswith("postgres"):
        store.close()
        for path in Path(db_url).parent.glob(Path(db_url).name + "*"):
            raw = path.read_bytes()
            assert not any(c.encode() in raw for c in CANARIES.values()), path


WRITER = """
import sys
from ecsguard.store import open_store
from ecsguard.store.testing import sample_snapshot, snapshot_inventory
url, tag, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = open_store(url)
for n in range(count):
    doc = sample_snapshot(revisions=size + n % 3, env={"WRITER": tag, "N": str(n)})
    print("begin", n, flush=True)
    run = store.record_run(snapshot_inventory(doc), source=f"{tag}-{n}", kind="collect")
    store.record_alerts([{"id": f"{tag}-{n}", "severity": "low"}])
    print("done", run, flush=True)
"""


def _check_consistent(store: Store) -> list[int]:
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    ids = []
    for run in store.runs():
        inv = store.inventory_at(run.id)  # every manifest and body it names is there
        assert sum(inv.counts().values()) == run.resource_count
        ids.append(run.id)
    return ids


def test_two_processes_writing_at_once(db_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, tag, "6", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.count("done") == 6
    with open_store(db_url) as store:
        assert len(_check_consistent(store)) == 12
        assert sorted({r.source[0] for r in store.runs()}) == ["a", "b"]
        assert len(store.alerts(limit=100)) == 12


def test_killed_writer_leaves_a_consistent_store(db_url: str) -> None:
    open_store(db_url).close()  # schema in place, so the kill lands inside record_run
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, "k", "1000", "150"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("begin")
    started = time.monotonic()
    assert proc.stdout.readline().startswith("done")
    one_run = time.monotonic() - started
    assert proc.stdout.readline().startswith("begin")
    time.sleep(one_run * 0.8)  # aim for the write at the end of the next run
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    with open_store(db_url) as store:
        ids = _check_consistent(store)
        assert ids and ids == list(range(ids[0], ids[0] + len(ids)))
        again = store.record_run(
            snapshot_inventory(sample_snapshot()), source="after", kind="collect"
        )
        assert store.inventory_at(again).counts()["task_definitions"] == 1
