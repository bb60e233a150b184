"""Coerces IaC scalars to the scalar types of the model: templates write ``Value: 8080`` or
``Port: "443"`` where the API holds a string or a number; the model's own types decide.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec.inspect as mi

from ecsguard.model import Unknown


@cache
def _fields(cls: type) -> dict[str, mi.Type]:
    info = mi.type_info(cls)
    if not isinstance(info, mi.StructType):
        return {}
    return {f.encode_name: f.type for f in info.fields}


def coerce(value: Any, cls: type) -> Any:
    """Return ``value`` (an API-shaped dict) with numbers/bools turned into strings where the
    model expects only a string, leaving everything else for msgspec to check."""
    return _coerce_struct(value, _fields(cls))


def _coerce_struct(value: Any, fields: dict[str, mi.Type]) -> Any:
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        kind = fields.get(key)
        out[key] = item if kind is None else _coerce(item, kind)
    return out


def _coerce(value: Any, kind: mi.Type) -> Any:
    if isinstance(value, Unknown) or value is None:
        return value
    if isinstance(kind, mi.UnionType):
        options = [t for t in kind.types if not isinstance(t, mi.NoneType)]
        if len(options) == 1:
            return _coerce(value, options[0])
        return value
    if isinstance(kind, mi.StrType) and isinstance(value, bool | int | float):
        return _text(value)
    if isinstance(kind, mi.StructType):
        return _coerce_struct(value, _fields(kind.cls))
    if isinstance(kind, mi.VarTupleType | mi.ListType) and isinstance(value, list):
        return [_coerce(item, kind.item_type) for item in value]
    if isinstance(kind, mi.DictType) and isinstance(value, dict):
        return {str(k): _coerce(v, kind.value_type) for k, v in value.items()}
    return value


def _text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
