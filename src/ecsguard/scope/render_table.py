"""Terminal table: components by category with their first reason, then events and unknowns."""

from __future__ import annotations

from typing import Any

from ecsguard.scope.text import plain

ORDER = ("cde", "connected-to", "security-impacting", "undetermined", "out-of-scope")
HIDDEN_KINDS = frozenset({"task"})


def render_table(report: dict[str, Any], width: int = 160) -> str:
    lines: list[str] = []
    summary = report.get("summary", {})
    lines.append("PCI DSS scope: " + ", ".join(f"{k} {summary.get(k, 0)}" for k in ORDER))
    by_cat: dict[str, list[dict[str, Any]]] = {k: [] for k in ORDER}
    for comp in report["components"]:
        if comp["kind"] not in HIDDEN_KINDS:
            by_cat.setdefault(comp["category"], []).append(comp)
    for cat in ORDER:
        comps = by_cat.get(cat, [])
        if not comps:
            continue
        lines.append("")
        lines.append(f"{cat.upper()} ({len(comps)})")
        for comp in sorted(comps, key=lambda c: (c["kind"], c["name"])):
            reason = comp["reasons"][0] if comp["reasons"] else {"rule": "", "code": "", "text": ""}
            flags = f" [{', '.join(comp['flags'])}]" if comp["flags"] else ""
            row = f"  {plain(comp['kind']):<18} {plain(comp['name'])[:40]:<40} {reason['rule']:<4} {plain(reason['code'])}: {plain(reason['text'])}{flags}"
            lines.append(row[:width])
    if report.get("events"):
        lines.append("")
        lines.append(f"EVENTS ({len(report['events'])})")
        for ev in report["events"]:
            lines.append(f"  {ev['type']:<26} {plain(ev['text'])}"[:width])
    if report.get("unknowns"):
        lines.append("")
        lines.append(f"UNKNOWNS ({len(report['unknowns'])})")
        for u in report["unknowns"][:50]:
            lines.append(f"  {plain(u['component'])[:60]}: {plain(u['what'])}"[:width])
        if len(report["unknowns"]) > 50:
            lines.append(f"  ... {len(report['unknowns']) - 50} more (see --format json)")
    return "\n".join(lines) + "\n"
