"""The Store: one object over one database, every write one retried transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, func, select

from ecsguard.model import Inventory, Resource
from ecsguard.posture.result import Finding, ScanResult
from ecsguard.store import queries, reads, retention, writes
from ecsguard.store import schema as s
from ecsguard.store.engine import WRITE_OPTION, with_retries
from ecsguard.store.records import PruneResult, ResourceVersion, RunInfo, StoredScope, to_epoch

T = TypeVar("T")
When = float | str | datetime | None


class Store:
    """History of runs, resources, findings, scope reports, alerts and baselines."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._manifests = reads.ManifestCache()

    # -- plumbing ----------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    return work(conn)

        return with_retries(attempt)

    def _read(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn, conn.begin():
            return work(conn)

    # -- writes ------------------------------------------------------------------------------
    def record_run(self, inventory: Inventory, *, source: str, kind: str) -> int:
        """Store a run and its resources (redacted, content-addressed); return the run id."""
        prepared = writes.prepare_run(inventory, source=source, kind=kind)
        return self._write(lambda conn: writes.write_run(conn, prepared))

    def record_snapshot(
        self, snapshot: dict[str, Any], *, source: str, kind: str = "collect"
    ) -> int:
        """Store a snapshot document (DESIGN §3.2, as ``collect`` builds it) as a run."""
        from ecsguard.collect.snapshot import load_snapshot
        from ecsguard.model import InventoryBuilder

        # datetimes from boto3 become the ISO strings a snapshot file holds
        doc = orjson.loads(orjson.dumps(snapshot))
        builder = InventoryBuilder()
        load_snapshot(doc, source, builder)
        return self.record_run(builder.build(), source=source, kind=kind)

    def record_findings(
        self, run_id: int, scan_result: ScanResult | dict[str, Any] | Iterable[Finding]
    ) -> int:
        """Store a scan's results (ScanResult, its ``--format json`` doc, or Findings)."""
        rows, blobs = writes.prepare_findings(run_id, writes.finding_list(scan_result))

        def work(conn: Connection) -> int:
            writes.put_blobs(conn, blobs)
            writes.insert_ignore(conn, s.findings, rows)
            return len(rows)

        return self._write(work)

    def record_scope(self, run_id: int, scope_doc: dict[str, Any]) -> None:
        """Store the scope report (DESIGN §3.4 document) computed in run ``run_id``."""
        self._write(lambda conn: writes.write_scope(conn, run_id, scope_doc))

    def record_alerts(self, alerts: Iterable[dict[str, Any]]) -> int:
        """Store runtime alerts (DESIGN §3.5), once per alert id; return how many were given."""
        rows = writes.alert_rows(alerts)
        self._write(lambda conn: writes.insert_ignore(conn, s.alerts, rows))
        return len(rows)

    def save_baseline(self, workload: str, doc: dict[str, Any]) -> None:
        self._write(lambda conn: writes.write_baseline(conn, workload, doc))

    def prune(self, keep_days: float) -> PruneResult:
        """Delete runs and alerts older than ``keep_days`` and blobs nothing refers to."""
        cutoff = time.time() - keep_days * 86400
        return self._write(lambda conn: retention.prune(conn, cutoff))

    # -- reads -------------------------------------------------------------------------------
    def load_baseline(self, workload: str) -> dict[str, Any] | None:
        query = select(s.baselines.c.doc).where(s.baselines.c.workload == workload)
        doc = self._read(lambda conn: conn.scalar(query))
        return None if doc is None else dict(orjson.loads(doc))

    def runs(
        self, *, kind: str | None = None, before: When = None, limit: int | None = None
    ) -> list[RunInfo]:
        """Runs oldest first. ``before`` (epoch, ISO-8601 or datetime) keeps runs whose data
        (snapshot collection time, else storage time) predates it; ``limit`` the newest N."""
        epoch = to_epoch(before)
        return self._read(lambda conn: reads.list_runs(conn, kind=kind, before=epoch, limit=limit))

    def run(self, run_id: int) -> RunInfo | None:
        query = select(s.runs).where(s.runs.c.id == run_id)
        row = self._read(lambda conn: conn.execute(query).first())
        return None if row is None else reads.run_info(row)

    def inventory_at(self, run_id: int) -> Inventory:
        """The Inventory a run stored, rebuilt through InventoryBuilder (secrets masked)."""
        info = self.run(run_id)
        if info is None:
            raise KeyError(f"no run {run_id}")
        return self._read(lambda conn: reads.inventory_at(conn, info, self._manifests))

    def resource_versions(self, ref: str, *, attr: str | None = None) -> list[ResourceVersion]:
        """Every run's version of the resources ``ref`` names (id, ARN, or last ARN part)."""
        return self._read(lambda conn: reads.versions(conn, ref, self._manifests, attr=attr))

    def run_resources(self, run_id: int, attr: str | None = None) -> list[ResourceVersion]:
        """Every resource a run stored (optionally one Inventory attribute), as versions."""

        def work(conn: Connection) -> list[ResourceVersion]:
            rows = reads.sections(conn, [run_id], attr)
            manifests = self._manifests.get(conn, [r.manifest for r in rows])
            return [
                ResourceVersion(run_id=run_id, attr=r.attr, id=e[0], hash=e[1], region=r.region)
                for r in rows
                for e in manifests.get(r.manifest, [])
            ]

        return self._read(work)

    def resource_record(self, version: ResourceVersion) -> Resource | None:
        """The typed record of a stored version (secrets masked)."""
        body = self.resource_body(version.hash)
        if body is None:
            return None
        return reads.decode_record(version.attr, version.id, body, version.region)

    def sections_seen(self) -> dict[int, set[tuple[str, str]]]:
        """Per run, the (Inventory attribute, region) sections it stored anything in."""
        query = select(s.run_sections.c.run_id, s.run_sections.c.attr, s.run_sections.c.region)

        def work(conn: Connection) -> dict[int, set[tuple[str, str]]]:
            out: dict[int, set[tuple[str, str]]] = {}
            for run_id, attr, region in conn.execute(query):
                out.setdefault(int(run_id), set()).add((attr, region))
            return out

        return self._read(work)

    def resource_body(self, digest: str) -> dict[str, Any] | None:
        """A stored resource body (API spelling, secrets masked) by its hash."""
        found = self._read(lambda conn: reads.fetch_blobs(conn, [digest]))
        body = found.get(digest)
        return dict(body) if isinstance(body, dict) else None

    def findings(
        self,
        run_id: int | None = None,
        *,
        status: str | None = None,
        severity: str | Iterable[str] | None = None,
        check_id: str | None = None,
        resource: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Findings (DESIGN §3.3 result objects) of a run (default: the latest scan)."""
        return self._read(
            lambda conn: queries.query_findings(
                conn, run_id, status, severity, check_id, resource, limit, offset
            )
        )

    def finding_rows(self, run_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Compact rows (run_id, finding_id, check_id, severity, status, resource) for history."""
        return self._read(lambda conn: queries.finding_rows(conn, run_ids))

    def latest_scope(self, before: When = None) -> StoredScope | None:
        """The newest stored scope report; with ``before``, the newest about data before it."""
        epoch = to_epoch(before)
        return self._read(lambda conn: queries.latest_scope(conn, epoch))

    def alerts(
        self,
        *,
        since: When = None,
        severity: str | None = None,
        rule_id: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Stored alerts, newest first."""
        epoch = to_epoch(since)
        return self._read(lambda conn: queries.query_alerts(conn, epoch, severity, rule_id, limit))

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests, benchmarks and ``history --stats``)."""
        tables = (
            s.runs,
            s.blobs,
            s.run_sections,
            s.findings,
            s.scope_reports,
            s.alerts,
            s.baselines,
        )

        def work(conn: Connection) -> dict[str, int]:
            return {
                t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables
            }

        return self._read(work)

    def delete_run(self, run_id: int) -> None:
        self._write(lambda conn: retention.delete_runs(conn, [run_id]))
