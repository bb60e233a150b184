"""Write paths, each a function over one open transaction: runs, findings, scope, alerts."""

from __future__ import annotations

import gc
import os
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import orjson
from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ecsguard import __version__
from ecsguard.model import ATTRIBUTES, Inventory
from ecsguard.posture.result import Finding, ScanResult
from ecsguard.store import schema as s
from ecsguard.store.codec import encode, origin_ref, pack, resource_body
from ecsguard.store.redaction import fast_scrub

BUCKETS_FROM = 256  # sections bigger than this are split so one change rewrites 1/64th
BUCKETS = 64
CHUNK = 500
PARALLEL_FROM = 512


def bucket_of(resource_id: str, size: int) -> int:
    return zlib.crc32(resource_id.encode()) % BUCKETS if size > BUCKETS_FROM else 0


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose primary key exists (another writer may have won)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), CHUNK):
        stmt = dialect.insert(table).on_conflict_do_nothing()
        conn.execute(stmt, list(rows[start : start + CHUNK]))


def upsert(conn: Connection, table: Table, row: dict[str, Any]) -> None:
    """Insert a row or overwrite the one with its primary key, atomically on both engines."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    keys = [c.name for c in table.primary_key.columns]
    stmt = dialect.insert(table).values(row)
    updates = {k: v for k, v in row.items() if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates))


def pack_all(items: list[bytes]) -> list[bytes]:
    """Compress on every core: zlib releases the GIL, so threads run in parallel."""
    if len(items) < PARALLEL_FROM:
        return [pack(item) for item in items]
    workers = min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(pack, items, chunksize=256))


def put_blobs(conn: Connection, blobs: dict[str, tuple[str, bytes]]) -> int:
    """Store the blobs (canonical JSON by key) not yet present; return how many were new."""
    keys = list(blobs)
    have: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        have.update(conn.scalars(select(s.blobs.c.hash).where(s.blobs.c.hash.in_(part))))
    # compressing only what is new keeps an unchanged run cheap
    # in key order, so two writers storing the same new blobs never wait on each other in a cycle
    new = sorted((h, kind, data) for h, (kind, data) in blobs.items() if h not in have)
    packed = pack_all([data for _, _, data in new])
    rows = [
        {"hash": h, "kind": kind, "data": blob}
        for (h, kind, _), blob in zip(new, packed, strict=True)
    ]
    insert_ignore(conn, s.blobs, rows)
    return len(rows)


class PreparedRun(msgspec.Struct, kw_only=True):
    """A run encoded outside the transaction: only the inserts happen under the write lock."""

    row: dict[str, Any]
    blobs: dict[str, tuple[str, bytes]]
    sections: list[dict[str, Any]]


def prepare_run(inventory: Inventory, *, source: str, kind: str) -> PreparedRun:
    # Nothing built here forms cycles; pausing the cyclic collector saves a fifth of the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _prepare_run(inventory, source=source, kind=kind)
    finally:
        if enabled:
            gc.enable()


def _prepare_run(inventory: Inventory, *, source: str, kind: str) -> PreparedRun:
    blobs: dict[str, tuple[str, bytes]] = {}
    grouped: dict[tuple[str, str, int], list[list[Any]]] = defaultdict(list)
    count = 0
    for attr in ATTRIBUTES:
        records = getattr(inventory, attr)
        for record in records:
            key, data = encode(resource_body(record))
            blobs[key] = ("resource", data)
            entry = [record.id, key, origin_ref(record, inventory.inputs)]
            grouped[(attr, record.region, bucket_of(record.id, len(records)))].append(entry)
            count += 1
    sections = []
    for (attr, region, bucket), entries in sorted(grouped.items()):
        entries.sort(key=lambda e: (e[0], e[1]))
        key, data = encode(entries)
        blobs[key] = ("manifest", data)
        sections.append(
            {
                "attr": attr,
                "region": region,
                "bucket": bucket,
                "manifest": key,
                "count": len(entries),
            }
        )
    errors = fast_scrub(msgspec.to_builtins(inventory.errors))
    row = {
        "started_at": time.time(),
        "source": source,
        "kind": kind,
        "collected_at": inventory.collected_at,
        "account_id": inventory.account_id,
        "tool_version": __version__,
        "inputs": orjson.dumps(msgspec.to_builtins(inventory.inputs)).decode(),
        "errors": orjson.dumps(errors).decode(),
        "resource_count": count,
        "error_count": len(inventory.errors),
    }
    return PreparedRun(row=row, blobs=blobs, sections=sections)


def write_run(conn: Connection, prepared: PreparedRun) -> int:
    run_id = int(conn.execute(insert(s.runs).returning(s.runs.c.id), prepared.row).scalar_one())
    put_blobs(conn, prepared.blobs)
    if prepared.sections:
        conn.execute(
            insert(s.run_sections), [{**sec, "run_id": run_id} for sec in prepared.sections]
        )
    return run_id


def finding_list(result: ScanResult | dict[str, Any] | Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as redacted builtins, from a ScanResult, its JSON document or a list."""
    if isinstance(result, ScanResult):
        items: Any = msgspec.to_builtins(result.results)
    elif isinstance(result, dict):
        items = result.get("results", [])
    else:
        items = msgspec.to_builtins(list(result))
    out: list[dict[str, Any]] = fast_scrub(items)
    return out


def prepare_findings(
    run_id: int, findings: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, tuple[str, bytes]]]:
    rows: list[dict[str, Any]] = []
    blobs: dict[str, tuple[str, bytes]] = {}
    for item in findings:
        key, data = encode(item)
        blobs[key] = ("finding", data)
        resource = item.get("resource") or {}
        rows.append(
            {
                "run_id": run_id,
                "finding_id": str(item.get("id", "")),
                "check_id": str(item.get("check_id", "")),
                "severity": str(item.get("severity", "")),
                "status": str(item.get("status", "")),
                "resource_type": str(resource.get("type", "")),
                "resource_id": str(resource.get("id", "")),
                "body": key,
            }
        )
    return rows, blobs


def write_scope(conn: Connection, run_id: int, doc: dict[str, Any]) -> None:
    key, data = encode(fast_scrub(doc))
    put_blobs(conn, {key: ("scope", data)})
    upsert(conn, s.scope_reports, {"run_id": run_id, "created_at": time.time(), "doc": key})


def alert_rows(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    now = time.time()
    rows = []
    for alert in alerts:
        clean = fast_scrub(alert)
        resource = clean.get("resource") or {}
        rows.append(
            {
                "id": str(clean.get("id") or encode(clean)[0]),
                "time": str(clean.get("time") or ""),
                "received_at": now,
                "rule_id": str(clean.get("rule_id") or ""),
                "severity": str(clean.get("severity") or ""),
                "finding_type": str(clean.get("finding_type") or ""),
                "cluster": str(resource.get("cluster") or ""),
                "task_arn": str(resource.get("task_arn") or ""),
                "body": orjson.dumps(clean).decode(),
            }
        )
    return rows


def write_baseline(conn: Connection, workload: str, doc: dict[str, Any]) -> None:
    body = orjson.dumps(fast_scrub(doc)).decode()
    upsert(conn, s.baselines, {"workload": workload, "updated_at": time.time(), "doc": body})
