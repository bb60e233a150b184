"""Pair the resources of two inventories and diff each pair (DESIGN §3.6 documents).

Pairs are found by id; when one side is a template (CloudFormation or Terraform) and the
other live, by the ``aws:cloudformation:logical-id`` tag or the resource's natural name
(task-definition family, service name, group name), so IaC drift is a diff like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from ecsguard.lifecycle.diff import Change, DiffOptions, diff_records
from ecsguard.model import ATTRIBUTES, Inventory, Resource, ecs, tag_map

IAC_KINDS = frozenset({"cloudformation", "terraform"})
CFN_LOGICAL_ID = "aws:cloudformation:logical-id"


def is_template(record: Resource) -> bool:
    return record.origin is not None and record.origin.kind in IAC_KINDS


def natural_key(record: Resource) -> str:
    """What a template and the live resource it defines have in common."""
    if isinstance(record, ecs.TaskDefinition):
        return record.family
    name = getattr(record, "NAME_FIELD", "") and getattr(record, record.NAME_FIELD, "")
    return str(name or "")


def logical_id(record: Resource) -> str:
    if is_template(record):
        origin = record.origin
        return (origin.address if origin else "") or record.id
    return tag_map(getattr(record, "tags", None)).get(CFN_LOGICAL_ID, "")


def _latest(records: list[Resource]) -> Resource:
    """The live revision a template is compared with: the newest ACTIVE one."""
    tds = [r for r in records if isinstance(r, ecs.TaskDefinition)]
    if tds:
        active = [t for t in tds if t.status in (None, "ACTIVE")] or tds
        return max(active, key=lambda t: t.revision or 0)
    return records[0]


def pair(
    old: Iterable[Resource], new: Iterable[Resource]
) -> list[tuple[Resource | None, Resource | None, bool]]:
    """(old, new, cross) pairs; ``cross`` marks template-vs-live pairs."""
    olds, news = list(old), list(new)
    by_id = {r.id: r for r in news}
    out: list[tuple[Resource | None, Resource | None, bool]] = []
    used: set[int] = set()
    rest_old: list[Resource] = []
    for record in olds:
        match = by_id.get(record.id)
        if match is not None and id(match) not in used:
            used.add(id(match))
            out.append((record, match, False))
        else:
            rest_old.append(record)
    rest_new = [r for r in news if id(r) not in used]
    for record in rest_old:
        match = _cross_match(record, rest_new)
        if match is None:
            out.append((record, None, False))
            continue
        rest_new = [r for r in rest_new if r is not match and natural_key(r) != natural_key(match)]
        out.append((record, match, True))
    out += [(None, r, False) for r in rest_new]
    return out


def _cross_match(record: Resource, candidates: list[Resource]) -> Resource | None:
    """A live record for a template record (or the reverse), by logical id, then name."""
    template = is_template(record)
    others = [c for c in candidates if is_template(c) != template]
    if not others:
        return None
    wanted = logical_id(record)
    found = [c for c in others if wanted and logical_id(c) == wanted]
    key = natural_key(record)
    found = found or [c for c in others if key and natural_key(c) == key]
    return _latest(found) if found else None


def only_templates(inv: Inventory) -> bool:
    return any(True for _ in inv.resources()) and all(is_template(r) for r in inv.resources())


def diff_inventories(old: Inventory, new: Inventory) -> list[Change]:
    """Changes from ``old`` to ``new``; template against live reports drift, not the live
    resources the template does not define."""
    drift_mode = only_templates(old) != only_templates(new)
    changes: list[Change] = []
    for attr in ATTRIBUTES:
        for a, b, cross in pair(getattr(old, attr), getattr(new, attr)):
            record = a if a is not None else b
            if drift_mode and not cross and record is not None and not is_template(record):
                continue  # live-only: outside what the template claims to define
            side = None
            if cross and a is not None:
                side = "old" if is_template(a) else "new"
            options = DiffOptions(ignore_identity=cross, template_side=side)
            changes += diff_records(a, b, options)
    return order(changes)


def order(changes: list[Change]) -> list[Change]:
    """Security-relevant first, then by resource and path."""
    return sorted(
        changes,
        key=lambda c: (not c.security_relevant, c.resource.type, c.resource.id, c.path),
    )


def diff_document(old_label: str, new_label: str, changes: list[Change]) -> dict[str, Any]:
    """The ``ecsguard diff --format json`` document (DESIGN §3.6)."""
    return {
        "ecsguard_diff": 1,
        "old": old_label,
        "new": new_label,
        "changes": msgspec.to_builtins(changes),
    }
