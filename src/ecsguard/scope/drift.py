"""Scope drift (PCI DSS 12.5.2 "upon significant change"): events between a baseline scope
report and the current one (PCI_SCOPING §2.7)."""

from __future__ import annotations

import re
from typing import Any

from ecsguard.scope.reasons import RANK

WORKLOAD_KINDS = frozenset({"service", "task_group", "task_definition", "instance"})
IN_SCOPE = frozenset({"cde", "connected-to", "security-impacting"})
# components that can open or receive connections (segmentation is about these)
CONNECTING_KINDS = frozenset({"service", "task_group", "task_definition", "instance", "container_instance",
                              "load_balancer", "data_store", "file_system", "vpc_endpoint"})  # fmt: skip
SUPPORT_EDGES = frozenset(
    {
        "task_role",
        "execution_role",
        "reads_secret",
        "logs_to",
        "pulls_image",
        "registered_in",
        "mounts",
        "uses_key",
        "in_cluster",
    }
)


def _event(etype: str, component: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"type": etype, "component": component, "text": text, **extra}


def drift_events(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Events that take ``old`` (baseline) to ``new``; both are scope reports (DESIGN §3.4)."""
    old = _align(old, new)
    before = {c["id"]: c for c in old.get("components", [])}
    after = {c["id"]: c for c in new.get("components", [])}
    events = _categories(before, after)
    events += _declarations(before, after)
    events += _paths(old, new, after)
    events += _support(old, new, after)
    return events


def _align(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Rename baseline ids that the current report lacks to the current id of the component
    with the same kind and name (ids differ between IaC and live inputs, and a stored report
    may have had ids masked by redaction)."""
    current = {c["id"] for c in new.get("components", [])}
    by_name: dict[tuple[str, str], list[str]] = {}
    for c in new.get("components", []):
        by_name.setdefault((c["kind"], c["name"]), []).append(c["id"])
    taken = {c["id"] for c in old.get("components", [])}
    rename: dict[str, str] = {}
    for c in old.get("components", []):
        if c["id"] in current:
            continue
        ids = by_name.get((c["kind"], c["name"]), []) or _masked_match(c, new)
        if len(ids) == 1 and ids[0] not in taken:
            rename[c["id"]] = ids[0]
    if not rename:
        return old
    comps = [{**c, "id": rename.get(c["id"], c["id"])} for c in old.get("components", [])]
    edges = [
        {**e, "from": rename.get(e["from"], e["from"]), "to": rename.get(e["to"], e["to"])}
        for e in old.get("edges", [])
    ]
    return {**old, "components": comps, "edges": edges}


def _masked_match(comp: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Current ids whose id matches a baseline id that redaction masked with ``***``."""
    if "***" not in comp["id"]:
        return []
    pattern = re.compile(".*".join(re.escape(part) for part in comp["id"].split("***")) + "$")
    return [
        c["id"]
        for c in new.get("components", [])
        if c["kind"] == comp["kind"] and pattern.match(c["id"])
    ]


INHERITED = frozenset({"task-of", "task-definition-of", "listener-of"})


def _categories(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for cid, comp in after.items():
        prev = before.get(cid)
        events += _appeared(cid, comp) if prev is None else _moved(cid, prev, comp)
    for cid, prev in before.items():
        inherited = bool(prev.get("reasons")) and prev["reasons"][0]["code"] in INHERITED
        if (
            cid not in after
            and prev["category"] in IN_SCOPE
            and prev["kind"] != "task"
            and not inherited
        ):
            text = f"{prev['kind']} {prev['name']} ({prev['category']}) no longer exists"
            events.append(_event("SCOPE_REDUCED", cid, text, old=prev["category"], new=None))
    return events


def _first(comp: dict[str, Any]) -> str:
    return str(comp["reasons"][0]["text"]) if comp.get("reasons") else ""


def _appeared(cid: str, comp: dict[str, Any]) -> list[dict[str, Any]]:
    cat, kind = comp["category"], comp["kind"]
    inherited = bool(comp.get("reasons")) and comp["reasons"][0]["code"] in INHERITED
    if cat not in IN_SCOPE or kind == "task" or inherited:
        return []  # a new revision or task of a workload is that workload, not a new one
    text = f"new {kind} {comp['name']} is {cat}: {_first(comp)}"
    if kind in WORKLOAD_KINDS:
        return [_event("NEW_WORKLOAD_IN_SCOPE", cid, text, new=cat)]
    return [_event("SCOPE_EXPANDED", cid, text, old=None, new=cat)]


def _moved(cid: str, prev: dict[str, Any], comp: dict[str, Any]) -> list[dict[str, Any]]:
    was, cat = prev["category"], comp["category"]
    text = f"{comp['kind']} {comp['name']}: {was} -> {cat}: {_first(comp)}"
    if RANK[cat] < RANK[was]:
        return [_event("SCOPE_REDUCED", cid, text, old=was, new=cat)]
    wide = (
        cat == was == "cde"
        and "vpc-wide-ingress" in comp["flags"]
        and "vpc-wide-ingress" not in prev["flags"]
    )
    if wide:
        text = f"CDE component {comp['name']} now admits a CIDR that spans its whole VPC"
        return [_event("SEGMENTATION_BROKEN", cid, text)]
    if RANK[cat] == RANK[was]:
        return []
    events = [_event("SCOPE_EXPANDED", cid, text, old=was, new=cat)]
    inherited = bool(comp.get("reasons")) and comp["reasons"][0]["code"] in INHERITED
    if (
        was == "out-of-scope"
        and cat in IN_SCOPE
        and not inherited
        and comp["kind"] in CONNECTING_KINDS
    ):
        text = f"{comp['kind']} {comp['name']} was out of scope and now {cat}: {_first(comp)}"
        events.append(_event("SEGMENTATION_BROKEN", cid, text, old=was, new=cat))
    return events


def _declarations(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for cid, comp in after.items():
        prev = before.get(cid)
        if prev is None or comp["kind"] == "task":
            continue
        old_d, new_d = _decl(prev), _decl(comp)
        if old_d != new_d:
            events.append(
                _event(
                    "CHD_DECLARATION_CHANGED",
                    cid,
                    f"{comp['kind']} {comp['name']}: declaration {old_d or 'none'} -> {new_d or 'none'}",
                    old=old_d,
                    new=new_d,
                )
            )
    return events


def _decl(comp: dict[str, Any]) -> dict[str, Any] | None:
    decl = comp.get("declaration")
    if not decl:
        return None
    return {
        k: v for k, v in decl.items() if k in ("chd", "sad", "classification", "forwards")
    } or None


def _edges(
    report: dict[str, Any], types: frozenset[str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (e["from"], e["to"], e["type"]): e for e in report.get("edges", []) if e["type"] in types
    }


def _paths(old: dict[str, Any], new: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cde = {cid for cid, c in after.items() if c["category"] == "cde"}
    # a component that just entered the CDE brings its paths along: SCOPE_EXPANDED says so,
    # and the baseline never listed its paths (only paths touching the CDE are listed)
    stable = cde & {c["id"] for c in old.get("components", []) if c["category"] == "cde"}
    before = _edges(old, frozenset({"can_reach", "public_entry"}))
    for key, edge in _edges(new, frozenset({"can_reach", "public_entry"})).items():
        a, b, etype = key
        prev = before.get(key)
        if prev is not None and prev.get("ports") == edge.get("ports"):
            continue
        change = f" (was {prev['ports']})" if prev else ""
        names = (after[a]["name"] if a in after else a, after[b]["name"] if b in after else b)
        if etype == "public_entry" and b in cde:
            events.append(
                _event(
                    "SEGMENTATION_BROKEN",
                    b,
                    f"CDE component {names[1]} now admits 0.0.0.0/0 or ::/0 on {edge['ports']}{change}",
                    evidence=edge.get("evidence", []),
                )
            )
        elif etype == "can_reach" and b in stable and a not in cde:
            events.append(
                _event(
                    "NEW_CDE_INGRESS_PATH",
                    b,
                    f"{names[0]} can now connect to CDE component {names[1]} on {edge['ports']}{change}",
                    path=[a, b],
                    evidence=edge.get("evidence", []),
                )
            )
        elif etype == "can_reach" and a in stable and b not in cde:
            events.append(
                _event(
                    "NEW_CDE_EGRESS_PATH",
                    a,
                    f"CDE component {names[0]} can now connect to {names[1]} on {edge['ports']}{change}",
                    path=[a, b],
                    evidence=edge.get("evidence", []),
                )
            )
    return events


def _support(
    old: dict[str, Any], new: dict[str, Any], after: dict[str, Any]
) -> list[dict[str, Any]]:
    cde = {cid for cid, c in after.items() if c["category"] == "cde"}
    before = {k for k in _edges(old, SUPPORT_EDGES) if k[0] in cde}
    now = {k for k in _edges(new, SUPPORT_EDGES) if k[0] in cde}
    events: list[dict[str, Any]] = []
    for a, b, etype in sorted(now - before):
        events.append(
            _event(
                "SUPPORTING_INFRA_CHANGED",
                a,
                f"CDE component {after[a]['name']} now has {etype.replace('_', ' ')} {after[b]['name'] if b in after else b}",
                path=[a, b],
            )
        )
    for a, b, etype in sorted(before - now):
        events.append(
            _event(
                "SUPPORTING_INFRA_CHANGED",
                a,
                f"CDE component {after[a]['name']} no longer has {etype.replace('_', ' ')} {b}",
                path=[a, b],
            )
        )
    return events
