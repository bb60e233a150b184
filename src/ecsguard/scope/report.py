"""The scope report as DESIGN §3.4 fixes it, built from the classified graph."""

from __future__ import annotations

from typing import Any

from ecsguard.scope.components import ScopeGraph
from ecsguard.scope.reasons import Reason, ordered

HIDDEN_EDGE_ATTRS = frozenset({"_ps"})


MAX_PER_CODE = 10


def _capped(reasons: list[Reason]) -> list[dict[str, Any]]:
    """At most MAX_PER_CODE reasons of one code; the rest are counted (the edges list them)."""
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for r in reasons:
        key = (r.rule, r.code)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= MAX_PER_CODE:
            out.append(r.as_json())
    for (rule, code), count in seen.items():
        if count > MAX_PER_CODE:
            out.append(
                {
                    "rule": rule,
                    "code": code,
                    "text": f"and {count - MAX_PER_CODE} more of this kind (see edges)",
                    "path": [],
                    "evidence": [],
                }
            )
    return out


def build_report(
    sg: ScopeGraph,
    reasons: dict[str, list[Reason]],
    categories: dict[str, str],
    events: list[dict[str, Any]],
    unknowns: list[dict[str, Any]],
) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for cid in sorted(sg.components):
        comp = sg.components[cid]
        item: dict[str, Any] = {
            "id": cid,
            "kind": comp.kind,
            "name": comp.name,
            "category": categories[cid],
            "reasons": _capped(ordered(reasons.get(cid, []))),
            "flags": sorted(comp.flags),
        }
        if comp.region:
            item["region"] = comp.region
        if comp.declaration is not None:
            item["declaration"] = comp.declaration.as_json()
        components.append(item)
        for what in comp.unknown:
            unknowns.append({"component": cid, "what": what})
    edges: list[dict[str, Any]] = []
    for a, b, key, data in sg.g.edges(keys=True, data=True):
        edge: dict[str, Any] = {
            "from": a,
            "to": b,
            "type": key,
            "ports": data.get("ports", ""),
            "evidence": list(data.get("evidence", [])),
        }
        for extra in ("elements", "card", "mode"):
            if extra in data and data[extra] not in (None, "local"):
                edge[extra] = data[extra]
        edges.append(edge)
    edges.sort(key=lambda e: (e["type"], e["from"], e["to"]))
    seen: set[tuple[str, str]] = set()
    uniq = []
    for u in unknowns:
        key = (u["component"], u["what"])
        if key not in seen:
            seen.add(key)
            uniq.append(u)
    counts: dict[str, int] = {}
    for item in components:
        counts[item["category"]] = counts.get(item["category"], 0) + 1
    return {
        "ecsguard_scope": 1,
        "summary": counts,
        "components": components,
        "edges": edges,
        "events": events,
        "unknowns": uniq,
    }
