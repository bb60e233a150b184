"""Loader for Terraform plan JSON (``terraform show -json plan``) and state JSON.

Walks ``planned_values`` (root and child modules), marks what ``after_unknown`` says is known
only after apply as unknown, links unknown ids to the plan resource the configuration names,
translates each resource to its API shape (``tf_ecs``, ``tf_network``, ``tf_services``) and
folds attaching resources (``tf_attach``). Every record's id is its Terraform address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ecsguard.collect import tf_ecs
from ecsguard.collect.cfn_coerce import coerce
from ecsguard.collect.tf_attach import ATTACH, Plan
from ecsguard.collect.tf_types import ID_KEYS, PRIMARY
from ecsguard.collect.tf_values import check_depth, merge_unknown
from ecsguard.errors import InputError
from ecsguard.model import InputInfo, InventoryBuilder, Origin
from ecsguard.model.base import has_unknown
from ecsguard.model.inventory import SECTIONS

MAX_MODULE_DEPTH = 32
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
TASK_DEFINITION = "aws_ecs_task_definition"


def is_plan(doc: Any) -> bool:
    """A plan or state from ``terraform show -json``, or a raw ``terraform.tfstate``."""
    if _is_raw_state(doc):
        return True
    if not isinstance(doc, dict) or "format_version" not in doc:
        return False
    if any(key in doc for key in ("planned_values", "resource_changes", "configuration")):
        return True
    values = doc.get("values")
    return isinstance(values, dict) and "root_module" in values


class _Resource:
    __slots__ = ("address", "base", "kind", "module", "place", "values")

    def __init__(self, raw: dict[str, Any], module: str, place: str) -> None:
        self.address = str(raw.get("address") or "")
        self.kind = str(raw.get("type") or "")
        self.module = module
        self.place = place
        self.values = raw.get("values") or {}
        # The configuration names resources without count/for_each instance keys.
        self.base = _INSTANCE_KEY.sub("", self.address)


def load(doc: dict[str, Any], source: str, builder: InventoryBuilder) -> None:
    """Add every supported resource of a plan (or state) document to ``builder``."""
    with _guard(source, "resources" if _is_raw_state(doc) else "planned_values"):
        _load(_from_raw_state(doc, source) if _is_raw_state(doc) else doc, source, builder)


def _is_raw_state(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("version"), int)
        and "terraform_version" in doc
        and isinstance(doc.get("resources"), list)
        and "format_version" not in doc
    )


def _from_raw_state(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """A ``terraform.tfstate`` (format 4) as ``show -json`` state: every value is known."""
    if doc.get("version") != 4:
        raise InputError(source, "version", f"unsupported state version {doc.get('version')!r}")
    resources: list[dict[str, Any]] = []
    for index, res in enumerate(doc["resources"]):
        if not isinstance(res, dict) or not isinstance(res.get("instances", []), list):
            raise InputError(source, f"resources[{index}]", "expected an object with instances")
        module = f"{res['module']}." if res.get("module") else ""
        base = f"{module}{res.get('type')}.{res.get('name')}"
        for instance in res.get("instances") or []:
            if not isinstance(instance, dict):
                raise InputError(source, f"resources[{index}].instances", "expected objects")
            key = instance.get("index_key")
            suffix = "" if key is None else f"[{key}]" if isinstance(key, int) else f'["{key}"]'
            resources.append(
                {
                    "address": base + suffix,
                    "mode": res.get("mode", "managed"),
                    "type": res.get("type"),
                    "name": res.get("name"),
                    "values": instance.get("attributes") or {},
                }
            )
    return {"format_version": "1.0", "values": {"root_module": {"resources": resources}}}


def _load(doc: dict[str, Any], source: str, builder: InventoryBuilder) -> None:
    version = str(doc.get("format_version", ""))
    if not version.startswith(("0.", "1.")):
        raise InputError(source, "format_version", f"unsupported plan format {version!r}")
    root_key = "planned_values" if "planned_values" in doc else "values"
    changes = _changes(doc, source)
    if root_key in doc:
        resources = _walk_modules(doc.get(root_key) or {}, source, root_key)
    else:
        resources = _from_changes(doc, source)
    expressions = _expressions(doc.get("configuration"), source)
    addresses = {r.address for r in resources} | {r.base for r in resources}
    plan = Plan()
    plain: set[str] = set()  # addresses whose API item can hold no Unknown marker
    attachments: list[tuple[_Resource, dict[str, Any]]] = []
    for res in resources:

        def resolve(ref: str, module: str = res.module) -> str | None:
            return _resolve_ref(ref, module, addresses)

        after_unknown = changes.get(res.address, {}).get("after_unknown")
        check_depth(res.values, (source, f"{res.place}.values"))
        check_depth(after_unknown, (source, f"resource_changes[{res.address}].after_unknown"))
        values = merge_unknown(
            res.values, after_unknown, expressions.get(res.base), resolve, (source, res.place)
        )
        if not isinstance(values, dict):
            raise InputError(source, f"{res.place}.values", "expected an object")
        if res.kind == TASK_DEFINITION and not has_unknown(values):
            # translation adds no markers and nothing attaches to a task definition
            plain.add(res.address)
        with _guard(source, res.place):
            _translate(res, values, source, plan, attachments)
    for res, values in attachments:
        with _guard(source, res.place):
            ATTACH[res.kind](plan, res.address, values)
    _emit(plan, source, _region(doc), builder, plain)


@contextmanager
def _guard(source: str, place: str) -> Iterator[None]:
    """An attribute of an unexpected shape is bad input, reported as such, not a traceback."""
    try:
        yield
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise InputError(
            source, place, f"unexpected attribute shape ({type(exc).__name__}: {exc})"
        ) from None


def _translate(
    res: _Resource,
    values: dict[str, Any],
    source: str,
    plan: Plan,
    attachments: list[tuple[_Resource, dict[str, Any]]],
) -> None:
    if res.kind == TASK_DEFINITION:
        rid = _api_id(values, "arn", res.address)
        item = tf_ecs.task_definition(rid, values, (source, res.place))
        plan.add(res.address, res.kind, item, ("taskDefinitionArn",))
    elif res.kind in PRIMARY:
        _section, _key, translate, id_attr = PRIMARY[res.kind]
        item = translate(_api_id(values, id_attr, res.address), values)
        plan.add(res.address, res.kind, item, ID_KEYS)
    elif res.kind in ATTACH:
        attachments.append((res, values))


def _api_id(values: dict[str, Any], attr: str, address: str) -> str:
    value = values.get(attr)
    return value if isinstance(value, str) and value else address


def _emit(plan: Plan, source: str, region: str, builder: InventoryBuilder, plain: set[str]) -> None:
    builder.inputs.append(InputInfo(path=source, kind="terraform"))
    for address, (kind, item) in plan.items.items():
        if kind == TASK_DEFINITION:
            section, key = "ecs", "taskDefinitions"
        else:
            section, key = PRIMARY[kind][0], PRIMARY[kind][1]
        _, cls = SECTIONS[(section, key)]
        origin = Origin(kind="terraform", file=source, address=address)
        common: dict[str, Any] = {
            "source": source,
            "place": address,
            "region": region,
            "origin": origin,
            "given_id": address,
            "plain": address in plain,
        }
        try:
            # Most plan values already have the model's types; coercing (a walk of every
            # value) is needed only where a number stands for a string.
            builder.add(section, key, item, **common)
        except InputError:
            builder.add(section, key, coerce(item, cls), **common)
    for address, record in plan.rules:
        builder.add("ec2", "securityGroupRules", record, source=source, place=address)


def _walk_modules(root: dict[str, Any], source: str, root_key: str) -> list[_Resource]:
    out: list[_Resource] = []
    stack: list[tuple[Any, str, str, int]] = [
        (root.get("root_module"), "", f"{root_key}.root_module", 0)
    ]
    while stack:
        module, prefix, place, depth = stack.pop()
        if module is None:
            continue
        if not isinstance(module, dict) or depth > MAX_MODULE_DEPTH:
            raise InputError(source, place, "expected a module object (nested at most 32 deep)")
        items = module.get("resources") or []
        if not isinstance(items, list):
            raise InputError(source, f"{place}.resources", "expected a list")
        for index, raw in enumerate(items):
            where = f"{place}.resources[{index}]"
            if not isinstance(raw, dict):
                raise InputError(source, where, "expected an object")
            if raw.get("mode", "managed") != "managed":
                continue
            if not isinstance(raw.get("values") or {}, dict):
                raise InputError(source, f"{where}.values", "expected an object")
            out.append(_Resource(raw, prefix, where))
        children = module.get("child_modules") or []
        if not isinstance(children, list):
            raise InputError(source, f"{place}.child_modules", "expected a list")
        for index, child in enumerate(children):
            address = str(child.get("address", "")) if isinstance(child, dict) else ""
            stack.append(
                (
                    child,
                    f"{address}." if address else prefix,
                    f"{place}.child_modules[{index}]",
                    depth + 1,
                )
            )
    return out


def _from_changes(doc: dict[str, Any], source: str) -> list[_Resource]:
    """Plans trimmed to ``resource_changes``: the ``after`` of everything not being deleted."""
    out: list[_Resource] = []
    for index, item in enumerate(doc.get("resource_changes") or []):
        change = item.get("change") or {} if isinstance(item, dict) else {}
        after = change.get("after") if isinstance(change, dict) else None
        if not isinstance(after, dict) or item.get("mode", "managed") != "managed":
            continue  # deleted (after is null), a data source, or not an object
        module = str(item.get("module_address") or "")
        raw = {**item, "values": after}
        out.append(_Resource(raw, f"{module}." if module else "", f"resource_changes[{index}]"))
    return out


def _changes(doc: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    raw = doc.get("resource_changes") or []
    if not isinstance(raw, list):
        raise InputError(source, "resource_changes", "expected a list")
    out: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("change", {}), dict):
            raise InputError(source, f"resource_changes[{index}]", "expected an object")
        out[str(item.get("address"))] = item.get("change") or {}
    return out


def _expressions(config: Any, source: str) -> dict[str, Any]:
    """Configuration expressions by resource address (module prefixes added)."""
    out: dict[str, Any] = {}
    if not isinstance(config, dict):
        return out
    stack: list[tuple[Any, str, int]] = [(config.get("root_module"), "", 0)]
    while stack:
        module, prefix, depth = stack.pop()
        if not isinstance(module, dict) or depth > MAX_MODULE_DEPTH:
            continue
        for res in module.get("resources") or []:
            if isinstance(res, dict) and res.get("mode", "managed") == "managed":
                out[f"{prefix}{res.get('address')}"] = res.get("expressions") or {}
        calls = module.get("module_calls") or {}
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict):
                    stack.append((call.get("module"), f"{prefix}module.{name}.", depth + 1))
    return out


def _resolve_ref(ref: str, module: str, addresses: set[str]) -> str | None:
    """``aws_security_group.app`` (as written in ``module``) as a plan address, if planned."""
    if ref.startswith(("var.", "local.", "data.", "module.", "each.", "count.", "path.")):
        return None
    parts = ref.split(".")
    for size in range(len(parts), 1, -1):
        candidate = f"{module}{'.'.join(parts[:size])}"
        if candidate in addresses:
            return candidate
    return None


def _region(doc: dict[str, Any]) -> str:
    config = doc.get("configuration")
    providers = config.get("provider_config") if isinstance(config, dict) else None
    if not isinstance(providers, dict):
        return ""
    for key, provider in providers.items():
        if key != "aws" or not isinstance(provider, dict):
            continue
        expr = (provider.get("expressions") or {}).get("region")
        if isinstance(expr, dict) and isinstance(expr.get("constant_value"), str):
            return str(expr["constant_value"])
    return ""
