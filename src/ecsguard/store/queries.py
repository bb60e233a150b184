"""Queries for history and the dashboard: findings with filters, scope reports, alerts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, select

from ecsguard.store import schema as s
from ecsguard.store.reads import data_time, fetch_blobs
from ecsguard.store.records import StoredScope


def latest_scan_run(conn: Connection) -> int | None:
    query = select(s.findings.c.run_id).order_by(s.findings.c.run_id.desc()).limit(1)
    found = conn.scalar(query)
    return None if found is None else int(found)


def query_findings(
    conn: Connection,
    run_id: int | None,
    status: str | None,
    severity: str | Iterable[str] | None,
    check_id: str | None,
    resource: str | None,
    limit: int | None,
    offset: int,
) -> list[dict[str, Any]]:
    run_id = run_id if run_id is not None else latest_scan_run(conn)
    if run_id is None:
        return []
    f = s.findings.c
    query = select(f.body).where(f.run_id == run_id)
    if status:
        query = query.where(f.status == status)
    if severity:
        wanted = [severity] if isinstance(severity, str) else list(severity)
        query = query.where(f.severity.in_(wanted))
    if check_id:
        query = query.where(f.check_id == check_id)
    if resource:
        query = query.where(f.resource_id == resource)
    query = query.order_by(f.check_id, f.resource_id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    keys = list(conn.scalars(query))
    bodies = fetch_blobs(conn, keys)
    return [dict(bodies[k]) for k in keys if k in bodies]


def finding_rows(conn: Connection, run_ids: Iterable[int] | None) -> list[dict[str, Any]]:
    f = s.findings.c
    query = select(
        f.run_id, f.finding_id, f.check_id, f.severity, f.status, f.resource_type, f.resource_id
    )
    if run_ids is not None:
        query = query.where(f.run_id.in_(list(run_ids)))
    return [dict(row._mapping) for row in conn.execute(query.order_by(f.run_id, f.finding_id))]


def latest_scope(conn: Connection, before: float | None) -> StoredScope | None:
    """The newest scope report; with ``before``, the newest whose run's data predates it."""
    query = (
        select(s.scope_reports, s.runs.c.collected_at)
        .join(s.runs, s.runs.c.id == s.scope_reports.c.run_id)
        .order_by(s.scope_reports.c.created_at, s.scope_reports.c.run_id)
    )
    rows = list(conn.execute(query))
    if before is not None:
        rows = [r for r in rows if data_time(r.collected_at, r.created_at) < before]
    if not rows:
        return None
    row = rows[-1]
    doc = fetch_blobs(conn, [row.doc]).get(row.doc, {})
    return StoredScope(run_id=int(row.run_id), created_at=float(row.created_at), doc=doc)


def query_alerts(
    conn: Connection, since: float | None, severity: str | None, rule_id: str | None, limit: int
) -> list[dict[str, Any]]:
    a = s.alerts.c
    query = select(a.body)
    if since is not None:
        query = query.where(a.received_at >= since)
    if severity:
        query = query.where(a.severity == severity)
    if rule_id:
        query = query.where(a.rule_id == rule_id)
    query = query.order_by(a.received_at.desc(), a.time.desc()).limit(limit)
    return [orjson.loads(body) for body in conn.scalars(query)]
