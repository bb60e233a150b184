"""Loader for ecsguard snapshots (DESIGN §3.2): raw API items per region and service."""

from __future__ import annotations

from typing import Any

from ecsguard.errors import InputError
from ecsguard.model import CollectionError, InputInfo, InventoryBuilder, Origin
from ecsguard.model.inventory import MOUNT_TARGET_SECTION, RULE_SECTION, SECTIONS

KNOWN_KEYS = {*SECTIONS, RULE_SECTION, MOUNT_TARGET_SECTION}


def is_snapshot(doc: Any) -> bool:
    return isinstance(doc, dict) and "ecsguard_snapshot" in doc


def load_snapshot(
    doc: dict[str, Any], source: str, builder: InventoryBuilder, *, plain: bool = False
) -> None:
    """Add every item of a parsed snapshot document to ``builder``.

    ``plain``: ``doc`` was parsed from JSON (no ``Unknown`` markers can be in it)."""
    version = doc.get("ecsguard_snapshot")
    if version != 1:
        raise InputError(source, "ecsguard_snapshot", f"unsupported snapshot version {version!r}")
    regions = doc.get("regions", {})
    if not isinstance(regions, dict):
        raise InputError(source, "regions", "expected an object of regions")
    sections = frozenset(
        name
        for region, services in regions.items()
        if isinstance(services, dict)
        for service, lists in services.items()
        for name in (
            f"{region}/{service}",
            *(f"{region}/{service}/{key}" for key in (lists if isinstance(lists, dict) else ())),
        )
    )
    builder.inputs.append(InputInfo(path=source, kind="snapshot", sections=sections))
    builder.account_id = builder.account_id or str(doc.get("account_id") or "")
    builder.partition = str(doc.get("partition") or builder.partition)
    builder.collected_at = builder.collected_at or str(doc.get("collected_at") or "")
    origin = Origin(kind="snapshot", file=source)
    for region, sections in regions.items():
        if not isinstance(sections, dict):
            raise InputError(source, f"regions.{region}", "expected an object of services")
        for service, lists in sections.items():
            if not isinstance(lists, dict):
                raise InputError(source, f"regions.{region}.{service}", "expected an object")
            for key, items in lists.items():
                if (service, key) not in KNOWN_KEYS:
                    continue  # additions by newer collectors are ignored, not fatal
                place = f"regions.{region}.{service}.{key}"
                if not isinstance(items, list):
                    raise InputError(source, place, "expected a list")
                for index, item in enumerate(items):
                    builder.add(
                        service,
                        key,
                        item,
                        source=source,
                        place=f"{place}[{index}]",
                        region=region,
                        origin=origin,
                        plain=plain,
                    )
    errors = doc.get("errors") or []
    if not isinstance(errors, list):
        raise InputError(source, "errors", "expected a list")
    for index, err in enumerate(errors):
        if not isinstance(err, dict):
            raise InputError(source, f"errors[{index}]", "expected an object")
        builder.errors.append(
            CollectionError(**{k: str(err.get(k) or "") for k in CollectionError.__struct_fields__})
        )
