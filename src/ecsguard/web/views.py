"""Shaping documents for pages: compliance rows, layouts, small SVG charts, process trees.

SVG is built from numbers only; every text a page shows goes through Jinja's autoescape.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import orjson

from ecsguard.redact import scrub
from ecsguard.web.data import DashboardData


def severity_class(value: object) -> str:
    text = str(value or "").lower()
    return text if text in {"critical", "high", "medium", "low", "info"} else "info"


def pretty(value: Any) -> str:
    return (
        orjson.dumps(scrub(value), option=orjson.OPT_INDENT_2).decode() if value is not None else ""
    )


def _frameworks() -> dict[str, Any]:
    try:
        from ecsguard.frameworks import load_frameworks
    except ImportError:
        return {}
    loaded = load_frameworks()
    if isinstance(loaded, dict):
        return loaded
    return {fw.id: fw for fw in loaded}


def framework_rows(data: DashboardData) -> list[dict[str, Any]]:
    """Per framework: requirements passing / failing / with errors / without automated evidence."""
    rows = []
    for fw_id, fw in sorted(_frameworks().items()):
        statuses = Counter(r["status"] for r in requirement_rows(data, fw_id, fw))
        total = sum(statuses.values())
        rows.append(
            {
                "id": fw_id,
                "name": getattr(fw, "name", fw_id),
                "total": total,
                "pass": statuses.get("pass", 0),
                "fail": statuses.get("fail", 0),
                "error": statuses.get("error", 0),
                "other": total
                - statuses.get("pass", 0)
                - statuses.get("fail", 0)
                - statuses.get("error", 0),
            }
        )
    return rows


def requirement_rows(data: DashboardData, fw_id: str, fw: Any = None) -> list[dict[str, Any]]:
    fw = fw or _frameworks().get(fw_id)
    if fw is None:
        return []
    per_req: dict[str, Counter[str]] = defaultdict(Counter)
    for finding in data.findings:
        for req in (finding.get("frameworks") or {}).get(fw_id, []):
            per_req[req][finding.get("status", "error")] += 1
    rows = []
    for req in fw.requirements:
        counts = per_req.get(req.id, Counter())
        if counts.get("fail"):
            status = "fail"
        elif counts.get("error"):
            status = "error"
        elif counts.get("pass"):
            status = "pass"
        elif req.manual:
            status = "manual"
        elif req.scope:
            status = "scope"
        else:
            status = "no evidence"
        rows.append(
            {
                "id": req.id,
                "title": req.title,
                "section": req.section,
                "ownership": req.ownership,
                "launch_types": dict(req.launch_types),
                "checks": list(req.check_ids),
                "status": status,
                "counts": dict(counts),
                "scope": req.scope,
                "manual": req.manual,
            }
        )
    return rows


def resource_doc(data: DashboardData, resource_id: str) -> dict[str, Any] | None:
    findings = [f for f in data.findings if (f.get("resource") or {}).get("id") == resource_id]
    component = data.component(resource_id)
    config = data.configurations.get(resource_id)
    if not findings and component is None and config is None:
        return None
    first = findings[0]["resource"] if findings else {}
    return {
        "id": resource_id,
        "type": first.get("type") or (component or {}).get("kind", ""),
        "name": first.get("name") or (component or {}).get("name", ""),
        "findings": findings,
        "scope": component,
        "configuration": config,
        "history": data.history(resource_id),
    }


def trend_svg(runs: list[dict[str, Any]], width: int = 320, height: int = 60) -> dict[str, Any]:
    """Polyline points of failing findings per run (numbers only)."""
    values = [int((r.get("summary") or {}).get("fail", 0)) for r in runs]
    if len(values) < 2:
        return {"points": "", "width": width, "height": height, "max": max(values, default=0)}
    top = max(values) or 1
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 4 - (v / top) * (height - 8):.1f}" for i, v in enumerate(values)
    )
    return {"points": points, "width": width, "height": height, "max": top}


def timeline_svg(alerts: list[dict[str, Any]], buckets: int = 48) -> dict[str, Any]:
    times = sorted(t for t in (_epoch(a.get("time")) for a in alerts) if t is not None)
    if not times:
        return {"bars": [], "start": "", "end": ""}
    lo, hi = times[0], times[-1]
    span = max(hi - lo, 1.0)
    counts = [0] * buckets
    for t in times:
        counts[min(int((t - lo) / span * buckets), buckets - 1)] += 1
    top = max(counts)
    bars = [
        {"x": i * 10, "h": round(c / top * 50, 1), "y": round(52 - c / top * 50, 1), "n": c}
        for i, c in enumerate(counts)
    ]
    return {"bars": bars, "start": alerts[-1].get("time", ""), "end": alerts[0].get("time", "")}


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value) / (1000.0 if value > 1e11 else 1.0)
    if isinstance(value, str):
        from datetime import datetime

        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def process_tree(alert: dict[str, Any]) -> list[dict[str, Any]]:
    """Root-first chain of the alert's process ancestry: ancestors, then the process itself."""
    proc = alert.get("process") or {}
    ancestors = [str(a) for a in proc.get("ancestors") or []]
    chain = [
        {"name": a, "cmdline": "", "pid": None, "depth": i}
        for i, a in enumerate(reversed(ancestors))
    ]
    chain.append(
        {
            "name": proc.get("name", "?"),
            "cmdline": proc.get("cmdline", ""),
            "pid": proc.get("pid"),
            "depth": len(chain),
        }
    )
    return chain


def scope_layout(scope: dict[str, Any], limit: int = 1500) -> dict[str, list[float]]:
    """Node positions in a unit square: categories in rings, CDE at the centre."""
    ring = {
        "cde": 0,
        "connected-to": 1,
        "security-impacting": 2,
        "undetermined": 3,
        "out-of-scope": 4,
    }
    groups: dict[int, list[str]] = defaultdict(list)
    for comp in scope.get("components", [])[:limit]:
        groups[ring.get(comp.get("category", ""), 3)].append(comp["id"])
    layout: dict[str, list[float]] = {}
    for level, ids in groups.items():
        radius = 0.08 + level * 0.1 if level else 0.1
        for i, cid in enumerate(sorted(ids)):
            angle = 2 * math.pi * i / max(len(ids), 1) + level * 0.4
            r = radius * (1 + (i % 3) * 0.12) if len(ids) > 24 else radius
            layout[cid] = [round(0.5 + r * math.cos(angle), 4), round(0.5 + r * math.sin(angle), 4)]
    return layout
