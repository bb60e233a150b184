"""Lifecycle views and drift findings for a stored run, using the runs before it."""

from __future__ import annotations

from collections import defaultdict

from ecsguard.lifecycle import drift
from ecsguard.lifecycle.diff import DiffOptions, diff_records
from ecsguard.lifecycle.history import lineage
from ecsguard.lifecycle.match import is_template
from ecsguard.lifecycle.phases import Family, lifecycle_view
from ecsguard.model import Inventory
from ecsguard.posture.result import SEVERITY_RANK, Finding
from ecsguard.store import RunInfo, Store

TD_TYPE = "AWS::ECS::TaskDefinition"


def scan_gate(store: Store, up_to: int | None = None) -> dict[str, str | None]:
    """Per task-definition id: the worst failing severity in the first scan that saw it."""
    first: dict[str, int] = {}
    worst: dict[tuple[str, int], str | None] = {}
    for row in store.finding_rows():
        if row["resource_type"] != TD_TYPE or (up_to is not None and row["run_id"] > up_to):
            continue
        rid, run_id = row["resource_id"], row["run_id"]
        first[rid] = min(first.get(rid, run_id), run_id)
        key = (rid, run_id)
        current = worst.get(key)
        if row["status"] == "fail" and (
            current is None or SEVERITY_RANK[row["severity"]] > SEVERITY_RANK[current]
        ):
            worst[key] = row["severity"]
        else:
            worst.setdefault(key, current)
    return {rid: worst.get((rid, run_id)) for rid, run_id in first.items()}


def gone_families(store: Store, run: RunInfo, inv: Inventory) -> set[tuple[str, str]]:
    """Families earlier runs of the lineage held and this run does not: deleted."""
    present = {(td.region, td.family) for td in inv.task_definitions}
    gone: set[tuple[str, str]] = set()
    for earlier in store.runs():
        if earlier.id >= run.id or lineage(earlier) != lineage(run):
            continue
        for version in store.run_resources(earlier.id, "task_definitions"):
            family = version.id.rsplit("/", 1)[-1].split(":", 1)[0]
            if (version.region, family) not in present:
                gone.add((version.region, family))
    return gone


def families_at(store: Store, run_id: int) -> list[Family]:
    run = store.run(run_id)
    if run is None:
        raise KeyError(f"no run {run_id}")
    inv = store.inventory_at(run_id)
    return lifecycle_view(inv, gone_families(store, run, inv))


def cde_findings(store: Store, run_id: int, inv: Inventory) -> list[Finding]:
    """CDE services (per the latest scope report) changed since that report's run."""
    scope = store.latest_scope()
    if scope is None or scope.run_id >= run_id:
        return []
    cde = {
        str(c.get("id"))
        for c in scope.doc.get("components", [])
        if c.get("category") == "cde" and c.get("kind") in (None, "service")
    }
    then = {v.id: v for v in store.run_resources(scope.run_id, "services")}
    changed: dict[str, list[str]] = defaultdict(list)
    for svc in inv.services:
        if is_template(svc) or (svc.id not in cde and svc.name not in cde):
            continue
        before = then.get(svc.id)
        old = store.resource_record(before) if before else None
        if old is None:
            changed[svc.id].append("(not present at scope time)")
            continue
        changed[svc.id] += [c.path for c in diff_records(old, svc, DiffOptions())]
    scope_run = store.run(scope.run_id)
    when = scope_run.time if scope_run else str(scope.run_id)
    return drift.cde_changed(inv, cde, dict(changed), when)


def drift_findings(
    store: Store, run_id: int, fail_on: str = "high", grace_seconds: float = 3600.0
) -> list[Finding]:
    """All drift findings for a stored run (``grace_seconds``: a deployment's allowed life)."""
    inv = store.inventory_at(run_id)
    found = drift.stale_tasks(inv, grace_seconds) + drift.iac_drift(inv)
    found += drift.deployed_unscanned(inv, scan_gate(store, run_id), fail_on)
    found += cde_findings(store, run_id, inv)
    return found
