"""Small helpers shared by the Terraform translation tables: nested blocks, tags, renames."""

from __future__ import annotations

from typing import Any

from ecsguard.model import Unknown

Item = dict[str, Any]


def one(value: Any) -> Any:
    """A ``MaxItems: 1`` nested block (a list of zero or one object) as the object or None."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list) and value and isinstance(value[0], dict | Unknown):
        return value[0]
    return None


def blocks(value: Any) -> Any:
    """A repeated nested block as a list of objects; an unknown block list becomes a list
    holding the marker, so the record notes the list itself as unknown."""
    if isinstance(value, Unknown):
        return [value]
    return [item for item in value or [] if isinstance(item, dict | Unknown)]


def as_list(value: Any) -> Any:
    if value is None or isinstance(value, Unknown | list):
        return value
    return [value]


def present(value: Any) -> bool:
    return value is not None and value != ""


def pick(values: Item, table: dict[str, str]) -> Item:
    """Copy the listed attributes that are set, renamed; unlisted ones (secrets) never leak."""
    return {api: values[tf] for tf, api in table.items() if present(values.get(tf))}


def tags_of(values: Item) -> Any:
    """``tags_all`` (resource tags plus the provider's ``default_tags``, what AWS will hold)
    when the plan knows it, else ``tags``."""
    merged = values.get("tags_all")
    return merged if isinstance(merged, dict | Unknown) else values.get("tags")


def tag_list(values: Item, key: str = "Key", value: str = "Value") -> Any:
    tags = tags_of(values)
    if isinstance(tags, Unknown):
        return tags
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def tag_map(values: Item) -> Any:
    tags = tags_of(values)
    return tags if isinstance(tags, Unknown) else dict(tags or {})


_CAMEL: dict[str, str] = {}


def camel(name: str) -> str:
    """``snake_case`` as ``camelCase`` (attribute names repeat: remembered, up to a bound)."""
    found = _CAMEL.get(name)
    if found is None:
        head, *rest = name.split("_")
        found = head + "".join(part[:1].upper() + part[1:] for part in rest)
        if len(_CAMEL) < 4096:
            _CAMEL[name] = found
    return found


def camel_block(
    value: Any, singles: frozenset[str] = frozenset(), opaque: frozenset[str] = frozenset()
) -> Any:
    """A snake_case block tree as camelCase API shape: ``singles`` name MaxItems-1 blocks,
    ``opaque`` name maps whose keys are the user's."""
    if isinstance(value, dict):
        out: Item = {}
        for key, item in value.items():
            if not present(item) or item == []:
                continue
            if key in opaque:
                out[camel(key)] = item
            elif key in singles:
                single = one(item)
                if single is not None:
                    out[camel(key)] = camel_block(single, singles, opaque)
            else:
                out[camel(key)] = camel_block(item, singles, opaque)
        return out
    if isinstance(value, list):
        return [camel_block(item, singles, opaque) for item in value]
    return value
