"""The documents ``ecsguard history`` prints (JSON) and their text rendering."""

from __future__ import annotations

from typing import Any

import msgspec

from ecsguard.errors import InputError
from ecsguard.lifecycle.diff import Change, ResourceKey
from ecsguard.lifecycle.history import estate_history, resource_history
from ecsguard.lifecycle.render import label, line, safe_lines
from ecsguard.lifecycle.stored import drift_findings, families_at
from ecsguard.model import ATTRIBUTES, SECTIONS
from ecsguard.store import Store


def resource_doc(store: Store, ref: str) -> dict[str, Any]:
    events = resource_history(store, ref)
    if not events:
        raise InputError(ref, None, "no stored resource matches (give an ARN, id or family:REV)")
    return {"ecsguard_history": 1, "resource": ref, "events": msgspec.to_builtins(events)}


def resource_text(doc: dict[str, Any]) -> str:
    lines = [f"history of {doc['resource']}"]
    for event in doc["events"]:
        head = f"run {event['run_id']:<5} {event['time']:<21} {event['event']:<11}"
        by = f" by {event['by']}" if event.get("by") else ""
        lines.append(f"{head} {_label(event['resource'])}{by}  ({event['source']})")
        for change in event["changes"]:
            lines.append("    " + line(msgspec.convert(change, Change)).strip())
    return safe_lines(lines)


def _label(resource: dict[str, Any]) -> str:
    return label(msgspec.convert(resource, ResourceKey))


def resource_at_doc(store: Store, ref: str, at: str) -> dict[str, Any]:
    """The stored configuration of the resources ``ref`` names, as of the last run before
    ``at`` (an ISO-8601 time): what it ran with then."""
    try:
        runs = store.runs(before=at)
    except ValueError:
        raise InputError(at, None, "not an ISO-8601 date or time") from None
    if not runs:
        raise InputError(at, None, "the store holds no run before that time")
    run = runs[-1]
    found = {v.id: v for v in store.resource_versions(ref) if v.run_id == run.id}
    inv = store.inventory_at(run.id) if not found else None
    if inv is not None:
        for attr in ATTRIBUTES:
            record = inv.find(attr, ref)
            if record is not None:
                found[record.id] = next(
                    v for v in store.run_resources(run.id, attr) if v.id == record.id
                )
    if not found:
        raise InputError(ref, None, f"not in run {run.id} ({run.time})")
    resources = [
        {"type": attr_type(v.attr), "id": v.id, "configuration": store.resource_body(v.hash)}
        for v in found.values()
    ]
    return {
        "ecsguard_history": 1,
        "resource": ref,
        "at": at,
        "run": msgspec.to_builtins(run),
        "resources": resources,
    }


def attr_type(attr: str) -> str:
    return next(cls.TYPE for a, cls in SECTIONS.values() if a == attr)


def estate_doc(
    store: Store, run_id: int | None, fail_on: str, grace_seconds: float = 3600.0
) -> dict[str, Any]:
    runs = store.runs()
    doc: dict[str, Any] = {"ecsguard_history": 1, "runs": msgspec.to_builtins(runs)}
    history = estate_history(store)
    doc["scans"] = msgspec.to_builtins(history.runs)
    doc["findings"] = msgspec.to_builtins(history.findings)
    target = run_id if run_id is not None else (runs[-1].id if runs else None)
    if target is not None and store.run(target) is None:
        raise InputError(f"run:{target}", None, "no such run in the store")
    doc["as_of_run"] = target
    doc["families"] = msgspec.to_builtins(families_at(store, target)) if target else []
    drift = drift_findings(store, target, fail_on, grace_seconds) if target else []
    doc["drift"] = msgspec.to_builtins(drift)
    return doc


def estate_text(doc: dict[str, Any]) -> str:
    lines = ["runs:"]
    for run in doc["runs"]:
        when = run.get("collected_at") or ""
        lines.append(
            f"  run {run['id']:<5} {run['kind']:<8} {when:<21} {run['resource_count']:>6} resources"
            f" {run['error_count']:>3} errors  {run['source']}"
        )
    lines.append("findings per scan (opened / resolved / regressed, failing):")
    for scan in doc["scans"]:
        lines.append(
            f"  run {scan['run_id']:<5} +{len(scan['opened'])} -{len(scan['resolved'])}"
            f" !{len(scan['regressed'])}  failing {scan['failing']}"
        )
    open_spans = [s for s in doc["findings"] if s["open"]]
    lines.append(f"open findings ({len(open_spans)}), first seen -> last seen:")
    for span in open_spans[:50]:
        f = span["finding"]
        lines.append(
            f"  {f['severity']:<8} {f['check_id']} {f['resource_id']}"
            f"  run {span['first_run']} ({span['first_seen']}) -> run {span['last_run']}"
        )
    lines.append(f"task-definition families (as of run {doc['as_of_run']}):")
    for fam in doc["families"]:
        revs = ", ".join(f"{r['revision']}:{r['phase']}" for r in fam["revisions"])
        where = f" template {','.join(fam['templates'])}" if fam["templates"] else ""
        lines.append(f"  {fam['family']:<30} {fam['phase']:<13} [{revs}]{where}")
    failing = [f for f in doc["drift"] if f["status"] == "fail"]
    lines.append(f"drift ({len(failing)} failing):")
    for finding in failing:
        lines.append(f"  {finding['severity']:<8} {finding['check_id']}  {finding['detail']}")
    return safe_lines(lines)
