"""History over the store: a resource's changes run by run, the estate's findings over time.

Runs are compared within a lineage: runs of the same account (template-only runs, which have
no account, form their own), so scanning a template between two collections of the live
account does not make every live resource "disappear" and come back.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from ecsguard.lifecycle.diff import Change, DiffOptions, ResourceKey, diff_records, key_of
from ecsguard.model import ATTRIBUTES, Resource, ecs
from ecsguard.store import ResourceVersion, RunInfo, Store


class ResourceEvent(msgspec.Struct, kw_only=True):
    run_id: int
    time: str
    source: str
    event: str  # appeared | changed | disappeared
    resource: ResourceKey
    changes: list[Change] = []
    by: str | None = None  # who, when the input says (a revision's registeredBy)


def lineage(run: RunInfo) -> str:
    return run.account_id or "templates"


def resource_history(store: Store, ref: str) -> list[ResourceEvent]:
    """Every appearance, change and disappearance of the resources ``ref`` names."""
    runs = {r.id: r for r in store.runs()}
    seen = store.sections_seen()
    groups: dict[tuple[str, str], list[ResourceVersion]] = defaultdict(list)
    found = {(v.run_id, v.attr, v.id): v for v in store.resource_versions(ref)}
    found.update({(v.run_id, v.attr, v.id): v for v in _by_name(store, ref, list(runs))})
    for version in sorted(found.values(), key=lambda v: v.run_id):
        groups[(version.attr, version.id)].append(version)
    events: list[ResourceEvent] = []
    for versions in groups.values():
        events += _timeline(store, versions, runs, seen)
    return sorted(events, key=lambda e: (e.run_id, e.resource.id))


def _by_name(store: Store, ref: str, run_ids: list[int]) -> list[ResourceVersion]:
    """Versions of the resources the newest run knows by ``ref`` as a name (or family)."""
    if not run_ids or ref.startswith("arn:"):
        return []  # an ARN names one resource; the id match covers it
    inv = store.inventory_at(max(run_ids))
    out: list[ResourceVersion] = []
    ids = {(attr, found.id) for attr in ATTRIBUTES if (found := inv.find(attr, ref)) is not None}
    ids |= {("task_definitions", td.id) for td in inv.task_definitions if td.family == ref}
    for attr, rid in sorted(ids):
        out += store.resource_versions(rid, attr=attr)
    return sorted(out, key=lambda v: v.run_id)


def _timeline(
    store: Store,
    versions: list[ResourceVersion],
    runs: dict[int, RunInfo],
    seen: dict[int, set[tuple[str, str]]],
) -> list[ResourceEvent]:
    first = versions[0]
    home = lineage(runs[first.run_id])
    by_run = {v.run_id: v for v in versions}
    section = (first.attr, first.region)
    events: list[ResourceEvent] = []
    previous: ResourceVersion | None = None
    for run_id in sorted(runs):
        run = runs[run_id]
        if run_id < first.run_id or lineage(run) != home or section not in seen.get(run_id, set()):
            continue
        current = by_run.get(run_id)
        event = _event(store, previous, current, run)
        if event is not None:
            events.append(event)
        previous = current
    return events


def _who(record: Resource | None) -> str | None:
    if isinstance(record, ecs.TaskDefinition):
        return record.registered_by
    if isinstance(record, ecs.Service):
        return record.created_by
    return None


def _event(
    store: Store, previous: ResourceVersion | None, current: ResourceVersion | None, run: RunInfo
) -> ResourceEvent | None:
    if previous is None and current is None:
        return None
    if previous is not None and current is not None and previous.hash == current.hash:
        return None
    old = store.resource_record(previous) if previous else None
    new = store.resource_record(current) if current else None
    ref = new if new is not None else old
    assert ref is not None
    by = _who(new)
    if old is None or new is None:
        kind = "appeared" if old is None else "disappeared"
        return ResourceEvent(
            run_id=run.id,
            time=run.time,
            source=run.source,
            event=kind,
            resource=key_of(ref),
            by=by if kind == "appeared" else None,
        )
    changes = diff_records(old, new, DiffOptions())
    if not changes:
        return None  # only volatile fields moved
    return ResourceEvent(
        run_id=run.id,
        time=run.time,
        source=run.source,
        event="changed",
        resource=key_of(new),
        changes=changes,
    )


class FindingRef(msgspec.Struct, frozen=True, kw_only=True):
    finding_id: str
    check_id: str
    severity: str
    resource_type: str
    resource_id: str


class RunDelta(msgspec.Struct, kw_only=True):
    run_id: int
    time: str
    source: str
    lineage: str
    failing: int
    opened: list[FindingRef] = []
    resolved: list[FindingRef] = []
    regressed: list[FindingRef] = []


class FindingSpan(msgspec.Struct, kw_only=True):
    finding: FindingRef
    first_seen: str
    first_run: int
    last_seen: str
    last_run: int
    open: bool


class EstateHistory(msgspec.Struct, kw_only=True):
    runs: list[RunDelta]
    findings: list[FindingSpan]


def _ref(row: dict[str, Any]) -> FindingRef:
    return FindingRef(
        finding_id=row["finding_id"],
        check_id=row["check_id"],
        severity=row["severity"],
        resource_type=row["resource_type"],
        resource_id=row["resource_id"],
    )


def estate_history(store: Store) -> EstateHistory:
    """Findings opened, resolved and regressed per scan run; first and last seen of each."""
    runs = {r.id: r for r in store.runs()}
    failing: dict[int, dict[str, FindingRef]] = defaultdict(dict)
    scanned: set[int] = set()
    for row in store.finding_rows():
        scanned.add(row["run_id"])
        if row["status"] == "fail":
            failing[row["run_id"]][row["finding_id"]] = _ref(row)
    deltas: list[RunDelta] = []
    spans: dict[tuple[str, str], FindingSpan] = {}
    state: dict[str, tuple[dict[str, FindingRef], set[str]]] = {}
    for run_id in sorted(scanned):
        run = runs[run_id]
        line = lineage(run)
        prev, ever = state.get(line, ({}, set()))
        now = failing.get(run_id, {})
        new_ids = [f for f in now if f not in prev]
        deltas.append(
            RunDelta(
                run_id=run_id,
                time=run.time,
                source=run.source,
                lineage=line,
                failing=len(now),
                opened=[now[f] for f in new_ids if f not in ever],
                regressed=[now[f] for f in new_ids if f in ever],
                resolved=[prev[f] for f in prev if f not in now],
            )
        )
        for fid, ref in now.items():
            span = spans.get((line, fid))
            if span is None:
                span = FindingSpan(
                    finding=ref,
                    first_seen=run.time,
                    first_run=run_id,
                    last_seen=run.time,
                    last_run=run_id,
                    open=True,
                )
                spans[(line, fid)] = span
            span.last_seen, span.last_run = run.time, run_id
        for (span_line, fid), span in spans.items():
            if span_line == line:
                span.open = fid in now
        state[line] = (now, ever | set(now))
    ordered = sorted(spans.values(), key=lambda s: (not s.open, s.first_run, s.finding.check_id))
    return EstateHistory(runs=deltas, findings=ordered)
