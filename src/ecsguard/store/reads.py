"""Read paths: runs, inventories rebuilt from manifests, resource versions, findings, alerts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, Row, select

from ecsguard.model import (
    SECTIONS,
    CollectionError,
    InputInfo,
    Inventory,
    InventoryBuilder,
    Origin,
    Resource,
)
from ecsguard.model.inventory import RULE_SECTION
from ecsguard.store import schema as s
from ecsguard.store.codec import unpack
from ecsguard.store.records import ResourceVersion, RunInfo, to_epoch

CHUNK = 500
SECTION_OF: dict[str, tuple[str, str]] = {attr: key for key, (attr, _) in SECTIONS.items()}


def run_info(row: Row[Any]) -> RunInfo:
    m = row._mapping
    return RunInfo(
        id=int(m["id"]),
        started_at=float(m["started_at"]),
        source=str(m["source"]),
        kind=str(m["kind"]),
        collected_at=str(m["collected_at"] or ""),
        account_id=str(m["account_id"] or ""),
        tool_version=str(m["tool_version"] or ""),
        inputs=orjson.loads(m["inputs"] or "[]"),
        errors=orjson.loads(m["errors"] or "[]"),
        resource_count=int(m["resource_count"] or 0),
        error_count=int(m["error_count"] or 0),
    )


def data_time(collected_at: str, started_at: float) -> float:
    """When a run's data was true: the snapshot's collection time, else when it was stored."""
    if collected_at:
        try:
            return to_epoch(collected_at) or started_at
        except ValueError:
            pass
    return started_at


def list_runs(
    conn: Connection,
    *,
    kind: str | None = None,
    before: float | None = None,
    limit: int | None = None,
) -> list[RunInfo]:
    """Runs oldest first; ``before`` compares the data time; ``limit`` keeps the newest."""
    query = select(s.runs)
    if kind is not None:
        query = query.where(s.runs.c.kind == kind)
    runs = [run_info(row) for row in conn.execute(query.order_by(s.runs.c.id))]
    if before is not None:
        runs = [r for r in runs if data_time(r.collected_at, r.started_at) < before]
    return runs[-limit:] if limit is not None and limit > 0 else [] if limit == 0 else runs


def fetch_blobs(conn: Connection, keys: Iterable[str]) -> dict[str, Any]:
    wanted = list(dict.fromkeys(keys))
    out: dict[str, Any] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        query = select(s.blobs.c.hash, s.blobs.c.data).where(s.blobs.c.hash.in_(part))
        for key, data in conn.execute(query):
            out[key] = unpack(data)
    return out


def sections(conn: Connection, run_ids: Iterable[int], attr: str | None = None) -> list[Row[Any]]:
    query = select(s.run_sections).where(s.run_sections.c.run_id.in_(list(run_ids)))
    if attr is not None:
        query = query.where(s.run_sections.c.attr == attr)
    return list(conn.execute(query.order_by(s.run_sections.c.run_id, s.run_sections.c.attr)))


class ManifestCache:
    """Manifests never change (they are named by their content), so keep them once read."""

    def __init__(self, size: int = 2048) -> None:
        self._items: dict[str, list[list[Any]]] = {}
        self._size = size

    def get(self, conn: Connection, keys: Iterable[str]) -> dict[str, list[list[Any]]]:
        keys = list(keys)
        # Safe to share between threads (a dashboard): reads never index after a check.
        found: dict[str, list[list[Any]]] = {}
        for key in keys:
            value = self._items.get(key)
            if value is not None:
                found[key] = value
        missing = [k for k in keys if k not in found]
        if missing:
            fetched = fetch_blobs(conn, missing)
            if len(self._items) + len(fetched) > self._size:
                self._items = {}
            self._items.update(fetched)
            found.update(fetched)
        return found


def inventory_at(conn: Connection, run: RunInfo, cache: ManifestCache) -> Inventory:
    """Rebuild a run's Inventory through InventoryBuilder, as the original loaders did."""
    builder = InventoryBuilder()
    builder.inputs.extend(InputInfo(path=i["path"], kind=i["kind"]) for i in run.inputs)
    builder.account_id, builder.collected_at = run.account_id, run.collected_at
    builder.errors.extend(CollectionError(**e) for e in run.errors)
    rows = sections(conn, [run.id])
    manifests = cache.get(conn, [r.manifest for r in rows])
    bodies = fetch_blobs(conn, (e[1] for r in rows for e in manifests.get(r.manifest, [])))
    source = f"run:{run.id}"
    for row in rows:
        for rid, digest, origin in manifests.get(row.manifest, []):
            origin_value = _origin(origin, builder.inputs)
            add_body(builder, row.attr, rid, bodies[digest], row.region, origin_value, source)
    return builder.build()


def add_body(
    builder: InventoryBuilder,
    attr: str,
    rid: str,
    stored: dict[str, Any],
    region: str,
    origin: Origin | None,
    source: str,
) -> None:
    """Feed one stored body back through the builder (with its security-group rule ids)."""
    section, key = SECTION_OF[attr]
    body = dict(stored)
    region = body.pop("__region", region)
    given = body.pop("__id", "")
    for rule in body.get("__rules", []) if attr == "security_groups" else []:
        if str(rule.get("rule_id", "")).startswith("sgr-"):
            builder.add(*RULE_SECTION, _rule_record(rule), source=source, place=rid)
    builder.add(
        section, key, body, source=source, place=rid, region=region, origin=origin, given_id=given
    )


def decode_record(attr: str, rid: str, stored: dict[str, Any], region: str = "") -> Resource:
    """One stored body as its typed record."""
    builder = InventoryBuilder()
    add_body(builder, attr, rid, stored, region, None, f"blob:{rid}")
    record: Resource = getattr(builder.build(), attr)[0]
    return record


def _rule_record(rule: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "SecurityGroupRuleId": rule["rule_id"],
        "GroupId": rule.get("group_id", ""),
        "IsEgress": rule.get("direction") == "egress",
        "IpProtocol": rule.get("protocol", "-1"),
        "FromPort": rule.get("from_port", -1),
        "ToPort": rule.get("to_port", -1),
    }
    kind, peer = rule.get("peer_kind"), rule.get("peer")
    field = {"cidr4": "CidrIpv4", "cidr6": "CidrIpv6", "prefix_list": "PrefixListId"}.get(str(kind))
    if field:
        item[field] = peer
    elif kind == "sg":
        item["ReferencedGroupInfo"] = {"GroupId": peer}
    return item


def _origin(ref: Any, inputs: list[InputInfo]) -> Origin | None:
    if ref is None:
        return None
    if isinstance(ref, int) and ref < len(inputs):
        return Origin(kind=inputs[ref].kind, file=inputs[ref].path)
    if isinstance(ref, list) and ref and ref[0] < len(inputs):
        info = inputs[ref[0]]
        return Origin(kind=info.kind, file=info.path, line=ref[1], address=ref[2] or "")
    if isinstance(ref, dict):
        return Origin(**ref)
    return None


def matches(resource_id: str, ref: str) -> bool:
    """``ref`` names this resource: its id, or the id's last ``/`` part (``web:3``, ``sg-1``)."""
    return resource_id == ref or resource_id.endswith("/" + ref)


def versions(
    conn: Connection,
    ref: str,
    cache: ManifestCache,
    *,
    attr: str | None = None,
    run_ids: list[int] | None = None,
) -> list[ResourceVersion]:
    """Every (run, resource) version matching ``ref``, oldest run first."""
    if run_ids is None:
        run_ids = list(conn.scalars(select(s.runs.c.id).order_by(s.runs.c.id)))
    out: list[ResourceVersion] = []
    for start in range(0, len(run_ids), CHUNK):
        rows = sections(conn, run_ids[start : start + CHUNK], attr)
        manifests = cache.get(conn, {r.manifest for r in rows})
        for row in rows:
            for rid, digest, _ in manifests.get(row.manifest, []):
                if matches(rid, ref):
                    out.append(
                        ResourceVersion(
                            run_id=row.run_id, attr=row.attr, id=rid, hash=digest, region=row.region
                        )
                    )
    return out
