"""Terraform plan values made ready for translation: values known only after apply become
``Unknown`` markers, and unknown ids that the configuration wires to another resource of the
plan (``aws_security_group.app.id``) become that resource's address.
"""

from __future__ import annotations

from typing import Any

from ecsguard.errors import InputError
from ecsguard.model import Unknown

MAX_DEPTH = 64
AFTER_APPLY = "known only after apply"
_IDENTITY_SUFFIXES = ("id", "arn", "name")
# Attributes the provider computes (ids, revision, DNS name...) or that Terraform leaves
# "known after apply" when the configuration does not set them: when unconfigured and
# unknown they are absent, not unknown; the record's id is then its address.
COMPUTED = frozenset(
    [
        "id",
        "arn",
        "arn_suffix",
        "arn_without_revision",
        "revision",
        "key_id",
        "unique_id",
        "dns_name",
        "zone_id",
        "order",
        "owner_id",
        "tags_all",
        "create_date",
        "name_prefix",
        "iam_role",
        "inline_policy",
        "managed_policy_arns",
        "ingress",
        "egress",
        "triggers",
        "policy",
        "vpc_id",
        "repository_url",
        "registry_id",
        "security_group_rule_id",
    ]
)


def merge_unknown(
    values: Any,
    unknown: Any,
    expressions: Any,
    resolve_ref: Any,
    where: tuple[str, str],
    depth: int = 0,
) -> Any:
    """Overlay ``after_unknown`` on planned ``values``; resolve unknown references."""
    if depth > MAX_DEPTH:
        raise InputError(where[0], where[1], f"nesting deeper than {MAX_DEPTH} levels")
    if unknown is True:
        if isinstance(expressions, list) and all(isinstance(e, dict) for e in expressions):
            return [_from_config(block, resolve_ref, depth) for block in expressions]
        return _from_references(expressions, values, resolve_ref)
    if isinstance(unknown, dict):
        base = dict(values) if isinstance(values, dict) else {}
        for key, sub in unknown.items():
            if sub is False or sub == [] or sub == {}:
                continue
            expr = expressions.get(key) if isinstance(expressions, dict) else None
            if sub is True and expr is None and key in COMPUTED:
                base.pop(key, None)
                continue
            merged = merge_unknown(base.get(key), sub, expr, resolve_ref, where, depth + 1)
            base[key] = merged
        return base
    if isinstance(unknown, list):
        if isinstance(expressions, dict) and isinstance(values, list | type(None)):
            # One expression for the whole list: `security_groups = [aws_security_group.a.id]`.
            return _list_from_references(values, unknown, expressions, resolve_ref)
        items = list(values) if isinstance(values, list) else []
        while len(items) < len(unknown):
            items.append(None)
        out = []
        for index, item in enumerate(items):
            sub = unknown[index] if index < len(unknown) else False
            expr = (
                expressions[index]
                if isinstance(expressions, list) and index < len(expressions)
                else None
            )
            out.append(merge_unknown(item, sub, expr, resolve_ref, where, depth + 1))
        return out
    return values


def _from_config(block: dict[str, Any], resolve_ref: Any, depth: int) -> Any:
    """A nested block the plan leaves wholly unknown, rebuilt from its configuration:
    constants as written, references to plan resources as their addresses, the rest unknown."""
    out: dict[str, Any] = {}
    for key, expr in block.items():
        if depth > MAX_DEPTH:
            return Unknown(AFTER_APPLY)
        if isinstance(expr, list):
            out[key] = [
                _from_config(b, resolve_ref, depth + 1) for b in expr if isinstance(b, dict)
            ]
        elif isinstance(expr, dict) and "constant_value" in expr:
            out[key] = expr["constant_value"]
        elif isinstance(expr, dict) and "references" in expr:
            out[key] = _from_references(expr, None, resolve_ref)
    return out


def _from_references(expressions: Any, values: Any, resolve_ref: Any) -> Any:
    addresses = _addresses(expressions, resolve_ref)
    if isinstance(values, list) or (addresses and len(addresses) > 1):
        return addresses if addresses else Unknown(AFTER_APPLY)
    if len(addresses) == 1:
        return addresses[0]
    return Unknown(AFTER_APPLY)


def _list_from_references(
    values: list[Any] | None, unknown: list[Any], expressions: dict[str, Any], resolve_ref: Any
) -> Any:
    addresses = _addresses(expressions, resolve_ref)
    holes = [i for i, flag in enumerate(unknown) if flag is True]
    items = list(values or [])
    while len(items) < len(unknown):
        items.append(None)
    if len(addresses) != len(holes):
        for index in holes:
            items[index] = Unknown(AFTER_APPLY)
        return items
    for index, address in zip(holes, addresses, strict=True):
        items[index] = address
    return items


def _addresses(expressions: Any, resolve_ref: Any) -> list[str]:
    """Addresses of the plan resources an expression's identity references point at."""
    if not isinstance(expressions, dict):
        return []
    refs = expressions.get("references")
    if not isinstance(refs, list):
        return []
    out: list[str] = []
    for ref in refs:
        if not isinstance(ref, str):
            continue
        attr = ref.rsplit(".", 1)[-1]
        if not attr.endswith(_IDENTITY_SUFFIXES):
            continue
        address = resolve_ref(ref.rsplit(".", 1)[0])
        if address and address not in out:
            out.append(address)
    return out


def check_depth(value: Any, where: tuple[str, str]) -> None:
    """Refuse values nested deeper than MAX_DEPTH (no provider schema comes close)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(where[0], where[1], f"nesting deeper than {MAX_DEPTH} levels")
        kind = type(item)
        if kind is dict or kind is list:
            for sub in item.values() if kind is dict else item:
                if type(sub) is dict or type(sub) is list:
                    stack.append((sub, depth + 1))
