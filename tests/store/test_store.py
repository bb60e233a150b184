"""Store round trips, content addressing, findings, scope, alerts, baselines, retention."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from sqlalchemy import update

from ecsguard.posture.result import Finding, ResourceRef, ScanResult, finding_id
from ecsguard.store import Store, open_store
from ecsguard.store import schema as s
from ecsguard.store.testing import sample_snapshot, snapshot_inventory


def _shape(record: Any) -> dict[str, Any]:
    body = msgspec.to_builtins(record)
    body.pop("__origin", None)
    return body


def test_inventory_round_trips(store: Store) -> None:
    inv = snapshot_inventory(sample_snapshot(revisions=2), "snap-a.json")
    run_id = store.record_run(inv, source="snap-a.json", kind="collect")
    back = store.inventory_at(run_id)
    assert back.account_id == inv.account_id and back.collected_at == inv.collected_at
    assert [(i.path, i.kind) for i in back.inputs] == [("snap-a.json", "snapshot")]
    assert back.errors == inv.errors
    assert back.counts() == inv.counts()
    for attr in ("task_definitions", "services", "security_groups", "clusters"):
        assert [_shape(r) for r in getattr(back, attr)] == [_shape(r) for r in getattr(inv, attr)]
    td = back.task_definition("payment-api:2")
    assert td is not None and td.origin is not None and td.origin.file == "snap-a.json"
    assert [r.peer for r in back.security_groups[0].rules] == ["10.0.0.0/16", "0.0.0.0/0"]
    info = store.run(run_id)
    assert info is not None and info.kind == "collect" and info.resource_count == 5
    assert info.error_count == 1 and info.errors[0]["operation"] == "DescribeRepositories"


def test_unchanged_run_adds_no_blobs_and_a_change_adds_one(store: Store) -> None:
    store.record_run(
        snapshot_inventory(sample_snapshot(), "a.json"), source="a.json", kind="collect"
    )
    before = store.counts()
    store.record_run(
        snapshot_inventory(sample_snapshot(), "b.json"), source="b.json", kind="collect"
    )
    after = store.counts()
    assert after["blobs"] == before["blobs"]
    assert after["runs"] == before["runs"] + 1
    changed = sample_snapshot(ingress=[(8443, "10.0.0.0/16"), (22, "0.0.0.0/0")])
    store.record_run(snapshot_inventory(changed, "c.json"), source="c.json", kind="collect")
    # one new security-group body and the one manifest holding it
    assert store.counts()["blobs"] == after["blobs"] + 2
    versions = store.resource_versions("sg-0payment")
    assert [v.run_id for v in versions] == [1, 2, 3]
    assert versions[0].hash == versions[1].hash != versions[2].hash


def _finding(check: str, resource: str, status: str, severity: str = "high") -> Finding:
    return Finding(
        id=finding_id(check, resource),
        check_id=check,
        title=check,
        severity=severity,
        status=status,
        resource=ResourceRef(type="AWS::ECS::TaskDefinition", id=resource, name="x"),
    )


def test_findings_recorded_and_filtered(store: Store) -> None:
    run_id = store.record_run(snapshot_inventory(sample_snapshot()), source="s", kind="scan")
    result = ScanResult(
        tool_version="0.1.0",
        inputs=["s"],
        results=[
            _finding("ecs.a", "arn:td/1", "fail", "critical"),
            _finding("ecs.b", "arn:td/1", "pass"),
            _finding("ecs.a", "arn:td/2", "fail", "low"),
        ],
    )
    assert store.record_findings(run_id, result) == 3
    assert len(store.findings(run_id)) == 3
    assert {f["severity"] for f in store.findings(status="fail")} == {"critical", "low"}
    assert [f["resource"]["id"] for f in store.findings(check_id="ecs.a", severity=["low"])] == [
        "arn:td/2"
    ]
    assert store.findings(run_id, resource="arn:td/1", status="pass")[0]["check_id"] == "ecs.b"
    # the --format json document is accepted too, and duplicates are ignored
    assert store.record_findings(run_id, result.to_dict()) == 3
    assert len(store.finding_rows([run_id])) == 3


def test_scope_alerts_and_baselines(store: Store) -> None:
    first = store.record_run(snapshot_inventory(sample_snapshot()), source="s", kind="scope")
    store.record_scope(first, {"ecsguard_scope": 1, "components": [{"id": "a", "category": "cde"}]})
    latest = store.latest_scope()
    assert latest is not None and latest.run_id == first
    assert latest.doc["components"][0]["category"] == "cde"
    assert store.latest_scope(before=0) is None
    alert = {
        "id": "al-1",
        "time": "2026-11-29T06:00:00Z",
        "rule_id": "reverse_shell",
        "severity": "high",
        "resource": {"cluster": "prod", "task_arn": "arn:task/1"},
    }
    store.record_alerts([alert, alert, {**alert, "id": "al-2", "severity": "low"}])
    assert sorted(a["id"] for a in store.alerts()) == ["al-1", "al-2"]
    assert [a["id"] for a in store.alerts(severity="low")] == ["al-2"]
    assert store.load_baseline("payment-api") is None
    store.save_baseline("payment-api", {"processes": ["java"]})
    store.save_baseline("payment-api", {"processes": ["java", "sh"]})
    assert store.load_baseline("payment-api") == {"processes": ["java", "sh"]}


def test_prune_drops_old_runs_and_unreferenced_blobs(store: Store) -> None:
    old = store.record_run(
        snapshot_inventory(sample_snapshot(user="root")), source="old", kind="collect"
    )
    keep = store.record_run(snapshot_inventory(sample_snapshot()), source="new", kind="collect")
    store.record_findings(old, [_finding("ecs.a", "arn:td/1", "fail")])
    with store.engine.begin() as conn:
        conn.execute(update(s.runs).where(s.runs.c.id == old).values(started_at=1.0))
    before = store.counts()
    result = store.prune(keep_days=30)
    assert result.runs == 1 and result.blobs >= 3  # old TD body, its manifest, the finding
    after = store.counts()
    assert after["runs"] == 1 and after["findings"] == 0
    assert after["blobs"] == before["blobs"] - result.blobs
    assert [r.id for r in store.runs()] == [keep]
    assert store.inventory_at(keep).counts() == snapshot_inventory(sample_snapshot()).counts()


def test_runs_listing_and_unknown_run(store: Store) -> None:
    ids = [
        store.record_run(snapshot_inventory(sample_snapshot()), source=str(n), kind=kind)
        for n, kind in enumerate(["collect", "scan", "scan"])
    ]
    assert [r.id for r in store.runs()] == ids
    assert [r.id for r in store.runs(kind="scan")] == ids[1:]
    assert [r.id for r in store.runs(limit=1)] == ids[-1:]
    with pytest.raises(KeyError):
        store.inventory_at(999)


def test_reopen_is_idempotent(db_url: str) -> None:
    with open_store(db_url) as first:
        run_id = first.record_run(snapshot_inventory(sample_snapshot()), source="s", kind="collect")
    with open_store(db_url) as second:
        assert second.run(run_id) is not None


def test_before_means_the_time_of_the_data(store: Store) -> None:
    ids = []
    for day in ("2026-11-29", "2026-11-30", "2026-12-01"):
        doc = sample_snapshot(collected_at=f"{day}T06:00:00Z")
        run_id = store.record_run(snapshot_inventory(doc), source=day, kind="scope")
        store.record_scope(run_id, {"ecsguard_scope": 1, "day": day})
        ids.append(run_id)
    found = store.latest_scope(before="2026-11-30T12:00:00Z")
    assert found is not None and found.run_id == ids[1] and found.doc["day"] == "2026-11-30"
    assert store.latest_scope(before="2026-11-29T00:00:00+00:00") is None
    latest = store.latest_scope()
    assert latest is not None and latest.run_id == ids[2]
    assert [r.id for r in store.runs(before="2026-12-01T00:00:00Z")] == ids[:2]
    with pytest.raises(ValueError):
        store.runs(before="last tuesday")


def test_record_snapshot_takes_what_collect_builds(store: Store) -> None:
    from datetime import UTC, datetime

    doc = sample_snapshot()
    service = doc["regions"]["us-east-1"]["ecs"]["services"][0]
    service["createdAt"] = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # as boto3 returns it
    run_id = store.record_snapshot(doc, source="live")
    inv = store.inventory_at(run_id)
    assert inv.services[0].created_at == "2026-11-01T12:00:00+00:00"
    assert store.run(run_id).kind == "collect"  # type: ignore[union-attr]
