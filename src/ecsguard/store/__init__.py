"""History store: SQLite file by default, PostgreSQL by URL; schema migrated on open.

Public API (everything else in this package is internal)::

    from ecsguard.store import open_store

    store = open_store()                      # $ECSGUARD_DB or ~/.local/share/ecsguard/ecsguard.db
    store = open_store("postgresql+psycopg://user:pw@host/db")   # or a file path, sqlite:///...

    run_id = store.record_run(inventory, source="snapshot.json", kind="scan")  # collect|scan|scope
    run_id = store.record_snapshot(snapshot_dict, source="snap.json")   # what `collect` builds
    store.record_findings(run_id, scan_result)   # ScanResult, its --format json dict, or Findings
    store.record_scope(run_id, scope_doc)        # DESIGN §3.4 document
    store.record_alerts(alerts)                  # list of DESIGN §3.5 alert dicts (deduplicated by id)
    store.save_baseline("payment-api", doc); store.load_baseline("payment-api") -> dict | None

    store.runs(kind=None, before=None, limit=None) -> list[RunInfo]   # oldest first
    store.run(run_id) -> RunInfo | None
    store.inventory_at(run_id) -> Inventory      # rebuilt through InventoryBuilder
    store.latest_scope(before=None) -> StoredScope | None   # .run_id, .created_at, .doc
    store.findings(run_id=None, status=, severity=, check_id=, resource=, limit=, offset=)
    store.finding_rows(run_ids=None)             # compact rows for history views
    store.resource_versions(ref) -> list[ResourceVersion]   # every run's version of a resource
    store.run_resources(run_id) ; store.resource_body(hash)
    store.alerts(since=None, severity=None, rule_id=None, limit=100)
    store.prune(keep_days) -> PruneResult ; store.counts() ; store.close()

Every write is one transaction (a killed process leaves no partial run), retried on lock or
serialization conflicts; SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` for writers.
Resources, findings, scope documents and alerts pass through ``ecsguard.redact`` before they
are hashed or stored: the database never holds a secret value the redactor recognises.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ecsguard.store.engine import ENV_VAR, StoreError, default_path, make_engine, resolve_url
from ecsguard.store.migrate import upgrade
from ecsguard.store.records import PruneResult, ResourceVersion, RunInfo, StoredScope
from ecsguard.store.schema import HEAD
from ecsguard.store.store import Store

__all__ = [
    "ENV_VAR",
    "PruneResult",
    "ResourceVersion",
    "RunInfo",
    "Store",
    "StoreError",
    "StoredScope",
    "default_path",
    "open_store",
    "resolve_url",
]


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating and migrating to the current schema) the store at ``url``.

    ``url`` may be a file path, ``sqlite:///path`` or ``postgresql+psycopg://...``; None means
    ``$ECSGUARD_DB`` or the default file.
    """
    resolved = resolve_url(url)
    try:
        engine = make_engine(resolved)
        if migrate:
            upgrade(engine, known_head=HEAD)
    except (SQLAlchemyError, OSError) as exc:
        shown = make_url(resolved).render_as_string(hide_password=True)
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(
            f"cannot open database {shown}: {str(reason).strip().splitlines()[0]}"
        ) from None
    return Store(engine, resolved)
