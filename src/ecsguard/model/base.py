"""Base record for every inventory resource: identity, origin, and what the input left unknown.

Resources are immutable msgspec Structs decoded straight from API-shaped dicts. Loaders add
three keys of their own before decoding (``__id``, ``__region``, ``__origin``) and, for values
the input does not determine, ``__unknown``: the paths (``containerDefinitions[0].user``) of
values that exist but are unknown. Unknown is distinct from absent so that a check can say
``error`` instead of a false ``pass``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class Origin(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Where a resource came from: the input file, its kind, and the place in it."""

    kind: str  # snapshot | cloudformation | terraform | taskdef
    file: str = ""
    line: int | None = None
    address: str = ""  # CloudFormation logical id or Terraform address


class Unknown:
    """Marker a loader puts where the input holds a value it cannot determine."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class Resource(msgspec.Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """Common identity of every top-level inventory record."""

    TYPE: ClassVar[str] = "AWS::Unknown"
    ARN_FIELD: ClassVar[str] = ""
    NAME_FIELD: ClassVar[str] = ""
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ()  # other fields a reference may use

    given_id: str = msgspec.field(default="", name="__id")
    region: str = msgspec.field(default="", name="__region")
    origin: Origin | None = msgspec.field(default=None, name="__origin")
    unknown: tuple[str, ...] = msgspec.field(default=(), name="__unknown")

    @property
    def id(self) -> str:
        """The resource's stable id: its ARN, CloudFormation logical id or Terraform address."""
        if self.given_id:
            return self.given_id
        value = getattr(self, self.ARN_FIELD, "") if self.ARN_FIELD else ""
        return str(value or "")

    @property
    def name(self) -> str:
        value = getattr(self, self.NAME_FIELD, "") if self.NAME_FIELD else ""
        return str(value or self.id)

    def is_unknown(self, path: str) -> bool:
        """True when the value at ``path`` (or one of its parents or children) is unknown."""
        return any(_overlaps(u, path) for u in self.unknown)

    def unknown_under(self, prefix: str) -> list[str]:
        return [u for u in self.unknown if _overlaps(u, prefix)]


def _overlaps(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return long_.startswith(short) and long_[len(short)] in ".["


def strip_unknowns(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """Remove ``Unknown`` markers from a nested value; return the cleaned value and their paths.

    A marker inside a list becomes absent from the list, and the list's own path is recorded,
    since the list's length is then unknown too.
    """
    if not has_unknown(value):
        return (dict(value) if isinstance(value, dict) else value), []
    found: list[str] = []
    cleaned = _strip(value, path, found)
    return cleaned, found


def has_unknown(value: Any) -> bool:
    """A cheap scan (no copies) for any marker; most inputs have none."""
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is Unknown:
            return True
        if kind is dict:
            for sub in item.values():
                if type(sub) in _CONTAINERS:
                    push(sub)
        elif kind is list or kind is tuple:
            for sub in item:
                if type(sub) in _CONTAINERS:
                    push(sub)
    return False


_CONTAINERS = frozenset({dict, list, tuple, Unknown})


def _strip(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, Unknown):
        found.append(path)
        return None
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(item, Unknown):
                found.append(sub)
                continue
            out[key] = _strip(item, sub, found)
        return out
    if isinstance(value, list | tuple):
        items: list[Any] = []
        for index, item in enumerate(value):
            if isinstance(item, Unknown):
                found.append(path)
                continue
            items.append(_strip(item, f"{path}[{index}]", found))
        return items
    return value


def tag_map(tags: Any) -> dict[str, str]:
    """Tags in any AWS spelling (list of key/value pairs, either case, or a dict) as a dict."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags:
        if isinstance(tag, dict):
            key = tag.get("key", tag.get("Key", tag.get("TagKey")))
            value = tag.get("value", tag.get("Value", tag.get("TagValue")))
        else:
            key, value = getattr(tag, "key", None), getattr(tag, "value", None)
        if key is not None:
            out[str(key)] = "" if value is None else str(value)
    return out


_PRIVATE_KEYS = ("__id", "__region", "__origin", "__unknown", "__rules")


def to_api(record: msgspec.Struct, private: bool = False) -> dict[str, Any]:
    """A record as plain JSON data in the API's spelling (lists, not tuples).

    Our own keys (``__id``, ``__region``, ``__origin``, ``__unknown``, ``__rules``) are dropped
    unless ``private`` is true.
    """
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(record))
    if not private:
        for key in _PRIVATE_KEYS:
            data.pop(key, None)
    return data
