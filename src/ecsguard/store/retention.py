"""Retention: delete old runs and alerts, then the blobs no remaining run refers to."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, select

from ecsguard.store import schema as s
from ecsguard.store.codec import unpack
from ecsguard.store.records import PruneResult

CHUNK = 500


def delete_runs(conn: Connection, run_ids: Iterable[int]) -> int:
    ids = list(run_ids)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for table in (s.run_sections, s.findings, s.scope_reports):
            conn.execute(delete(table).where(table.c.run_id.in_(part)))
        conn.execute(delete(s.runs).where(s.runs.c.id.in_(part)))
    return len(ids)


def live_blobs(conn: Connection) -> set[str]:
    """Every blob a remaining run refers to: manifests, the resources in them, findings, scopes."""
    manifests = set(conn.scalars(select(s.run_sections.c.manifest).distinct()))
    keep = set(manifests)
    for key in manifests:
        data = conn.scalar(select(s.blobs.c.data).where(s.blobs.c.hash == key))
        if data is not None:
            keep.update(entry[1] for entry in unpack(data))
    keep.update(conn.scalars(select(s.findings.c.body).distinct()))
    keep.update(conn.scalars(select(s.scope_reports.c.doc).distinct()))
    return keep


def prune(conn: Connection, cutoff: float) -> PruneResult:
    old = list(conn.scalars(select(s.runs.c.id).where(s.runs.c.started_at < cutoff)))
    runs = delete_runs(conn, old)
    alerts = conn.execute(delete(s.alerts).where(s.alerts.c.received_at < cutoff)).rowcount
    keep = live_blobs(conn)
    dead = [h for h in conn.scalars(select(s.blobs.c.hash)) if h not in keep]
    for start in range(0, len(dead), CHUNK):
        conn.execute(delete(s.blobs).where(s.blobs.c.hash.in_(dead[start : start + CHUNK])))
    return PruneResult(runs=runs, blobs=len(dead), alerts=int(alerts or 0))
