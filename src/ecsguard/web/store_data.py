"""DashboardData read from the store: the latest scan's findings, the latest scope report,
alerts, per-run summaries for trends, and resource configuration and history on demand."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ecsguard.store import Store, open_store
from ecsguard.web.data import DashboardData


def from_store(url: str | None) -> DashboardData:
    store = open_store(url)
    data = DashboardData()
    scans = store.runs(kind="scan")
    for run in scans:
        counts = Counter(f.get("status") for f in store.findings(run.id))
        data.runs.append(
            {
                "id": run.id,
                "time": run.collected_at or str(run.started_at),
                "source": run.source,
                "summary": {k: counts.get(k, 0) for k in ("fail", "pass", "error")},
            }
        )
    if scans:
        latest = scans[-1]
        data.scan = {"inputs": [latest.source], "results": store.findings(latest.id)}
        for version in store.run_resources(latest.id):
            body = store.resource_body(version.hash)
            if body is not None:
                data.configurations[version.id] = body
    scope = store.latest_scope()
    data.scope = scope.doc if scope else None
    data.alerts = store.alerts(limit=100_000)
    data.history_loader = lambda ref: _history(store, ref)
    return data


def _history(store: Store, ref: str) -> list[dict[str, Any]]:
    from ecsguard.lifecycle.history import resource_history

    rows: list[dict[str, Any]] = []
    for event in resource_history(store, ref):
        if not event.changes:
            rows.append(
                {
                    "run": event.run_id,
                    "time": event.time,
                    "change": event.event,
                    "path": "",
                    "old": "",
                    "new": "",
                    "security_relevant": False,
                }
            )
        for change in event.changes:
            doc = change if isinstance(change, dict) else _as_dict(change)
            rows.append(
                {
                    "run": event.run_id,
                    "time": event.time,
                    "change": doc.get("change", event.event),
                    "path": doc.get("path", ""),
                    "old": doc.get("old"),
                    "new": doc.get("new"),
                    "security_relevant": bool(doc.get("security_relevant")),
                }
            )
    return rows


def _as_dict(value: Any) -> dict[str, Any]:
    import msgspec

    out = msgspec.to_builtins(value)
    return out if isinstance(out, dict) else {}
