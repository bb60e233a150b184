"""Parameter-level diff of two versions of a resource (DESIGN §3.6).

Paths use the API spelling with named things keyed by name (``containerDefinitions[web].user``)
and security-group rules as rule sentences (``IpPermissions[tcp/22 from 0.0.0.0/0]``). Values
are compared raw and shown redacted, so a changed secret shows as a change of ``***``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

import msgspec

from ecsguard.lifecycle import fields
from ecsguard.model import Resource
from ecsguard.model.ec2 import SecurityGroup, SgRule
from ecsguard.redact import redact_pair, scrub

_ABSENT: Any = None
_DROP = ("__origin", "__region", "__id", "__unknown", "__rules")


class ResourceKey(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    id: str
    name: str = ""


class Change(msgspec.Struct, kw_only=True):
    resource: ResourceKey
    change: str  # added | removed | modified
    path: str
    old: Any = None
    new: Any = None
    security_relevant: bool = False


def key_of(record: Resource) -> ResourceKey:
    return ResourceKey(type=record.TYPE, id=record.id, name=record.name)


def view(record: Resource) -> dict[str, Any]:
    """The record as compared: API spelling, our own keys dropped, SG rules as sentences."""
    body: dict[str, Any] = msgspec.to_builtins(record)
    for key in _DROP:
        body.pop(key, None)
    if isinstance(record, SecurityGroup):
        body.pop("IpPermissions", None)
        body.pop("IpPermissionsEgress", None)
        for rule in record.rules:
            section = "IpPermissions" if rule.direction == "ingress" else "IpPermissionsEgress"
            body.setdefault(section, []).append(_rule_value(rule))
    return body


def rule_sentence(rule: SgRule) -> str:
    """``tcp/22 from 0.0.0.0/0`` (ingress) or ``all/* to 0.0.0.0/0`` (egress)."""
    word = "from" if rule.direction == "ingress" else "to"
    return f"{rule.ports_label} {word} {rule.peer}"


def _rule_value(rule: SgRule) -> dict[str, Any]:
    value = {
        "Rule": rule_sentence(rule),
        "IpProtocol": rule.protocol,
        "FromPort": rule.from_port,
        "ToPort": rule.to_port,
        "Peer": rule.peer,
    }
    if rule.description:
        value["Description"] = rule.description
    return value


class DiffOptions(msgspec.Struct, kw_only=True):
    """How to compare: ``template_side`` 'old' means old is IaC (report only what it sets)."""

    ignore_identity: bool = False
    template_side: str | None = None  # None | "old" | "new"


def diff_records(
    old: Resource | None, new: Resource | None, options: DiffOptions | None = None
) -> list[Change]:
    """Changes from ``old`` to ``new`` (either may be None for added/removed resources)."""
    options = options or DiffOptions()
    ref = new if new is not None else old
    assert ref is not None
    key = key_of(ref)
    if old is None or new is None:
        change = "added" if old is None else "removed"
        body = scrub(view(ref))
        return [
            Change(
                resource=key,
                change=change,
                path="",
                old=body if change == "removed" else None,
                new=body if change == "added" else None,
                security_relevant=ref.TYPE in fields.SECURITY_TYPES,
            )
        ]
    ignore = fields.VOLATILE.get(ref.TYPE, ())
    if options.ignore_identity:
        ignore = ignore + fields.IDENTITY.get(ref.TYPE, ())
    walker = _Walker(key, ignore, options.template_side, (old, new))
    return list(walker.walk(view(old), view(new), "", "", "", None))


class _Walker:
    def __init__(
        self,
        key: ResourceKey,
        ignore: tuple[str, ...],
        template_side: str | None,
        records: tuple[Resource, Resource],
    ) -> None:
        self.key = key
        self.ignore = ignore
        self.template_side = template_side
        self.records = records

    def skip(self, path: str, index_paths: tuple[str, str]) -> bool:
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in self.ignore):
            return True
        pairs = zip(self.records, index_paths, strict=True)
        return any(_under_unknown(r, p) for r, p in pairs if p)

    def leaves_default(self, old: Any, new: Any, path: str) -> bool:
        """The template does not set this field (a list item it lacks is still a change)."""
        if self.template_side is None or path.endswith("]"):
            return False
        return _empty(old if self.template_side == "old" else new)

    def walk(
        self, old: Any, new: Any, path: str, iold: str, inew: str, context: str | None
    ) -> Iterator[Change]:
        if _empty(old) and _empty(new):
            return
        if path and self.skip(path, (iold, inew)):
            return
        if self.leaves_default(old, new, path):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            # the value of a name/value pair is judged by the pair's name (DB_PASSWORD)
            pair = _pair_name(old) or _pair_name(new)
            for name in _union(old, new):
                sub = f"{path}.{name}" if path else str(name)
                ctx = pair if name == "value" and pair is not None else name
                yield from self.walk(
                    old.get(name), new.get(name), sub, _join(iold, name), _join(inew, name), ctx
                )
            return
        if isinstance(old, list | tuple) and new is None:
            new = []
        elif isinstance(new, list | tuple) and old is None:
            old = []
        if isinstance(old, list | tuple) and isinstance(new, list | tuple):
            yield from self.walk_list(list(old), list(new), path, iold, inew, context)
            return
        if old == new:
            return
        yield from self.emit(old, new, path, context)

    def walk_list(
        self, old: list[Any], new: list[Any], path: str, iold: str, inew: str, context: str | None
    ) -> Iterator[Change]:
        leaf = _leaf(path)
        if all(isinstance(i, dict) for i in old + new):
            key = _list_key(leaf, old, new)
            if key is not None:
                olds = {str(item[key]): (n, item) for n, item in enumerate(old)}
                news = {str(item[key]): (n, item) for n, item in enumerate(new)}
                for name in _union(olds, news):
                    pa, pb = olds.get(name), news.get(name)
                    yield from self.walk(
                        pa[1] if pa else None,
                        pb[1] if pb else None,
                        f"{path}[{name}]",
                        f"{iold}[{pa[0]}]" if pa else "",
                        f"{inew}[{pb[0]}]" if pb else "",
                        name,
                    )
                return
            for n in range(max(len(old), len(new))):
                a = old[n] if n < len(old) else None
                b = new[n] if n < len(new) else None
                yield from self.walk(a, b, f"{path}[{n}]", f"{iold}[{n}]", f"{inew}[{n}]", context)
            return
        if leaf in fields.ORDERED_LISTS or not all(_hashable(i) for i in old + new):
            if old != new:
                yield from self.emit(old, new, path, context)
            return
        for item in [i for i in old if i not in new]:
            yield from self.emit(item, None, f"{path}[{item}]", context)
        for item in [i for i in new if i not in old]:
            yield from self.emit(None, item, f"{path}[{item}]", context)

    def emit(self, old: Any, new: Any, path: str, context: str | None) -> Iterator[Change]:
        if _empty(old) and _empty(new):
            return
        change = "added" if _empty(old) else "removed" if _empty(new) else "modified"
        yield Change(
            resource=self.key,
            change=change,
            path=path,
            old=None if _empty(old) else _shown(context, old),
            new=None if _empty(new) else _shown(context, new),
            security_relevant=security_relevant(path),
        )


def security_relevant(path: str) -> bool:
    segments = _segments(path)
    if path.endswith("]") and segments[-1] in fields.SECURITY_ITEMS:
        return True
    return any(segment in fields.SECURITY_FIELDS for segment in segments)


def _segments(path: str) -> list[str]:
    out = []
    for part in path.split("."):
        out.append(part.split("[", 1)[0])
    return out


def _shown(context: str | None, value: Any) -> Any:
    if isinstance(value, dict | list):
        return scrub(value)
    return redact_pair(context, value)


def _under_unknown(record: Resource, path: str) -> bool:
    """The value at ``path`` or a parent is unknown (an unknown child is skipped on its own)."""
    return any(path == u or (path.startswith(u) and path[len(u)] in ".[") for u in record.unknown)


def _pair_name(value: Any) -> str | None:
    if isinstance(value, dict) and "value" in value:
        name = value.get("name", value.get("Name"))
        return str(name) if name is not None else None
    return None


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ()


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _union(a: dict[Any, Any], b: dict[Any, Any]) -> list[Any]:
    return list(a) + [k for k in b if k not in a]


def _join(prefix: str, name: Any) -> str:
    return f"{prefix}.{name}" if prefix else str(name)


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def _list_key(leaf: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> str | None:
    for key in fields.LIST_KEYS.get(leaf, ()) + fields.GENERIC_KEYS:
        for items in (old, new):
            values = [i.get(key) for i in items]
            if any(v is None or isinstance(v, dict | list) for v in values):
                break
            if len(set(map(str, values))) != len(values):
                break
        else:
            return key
    return None
