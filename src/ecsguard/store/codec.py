"""Content addressing: records to redacted canonical JSON, sha256 keys, compressed blobs.

A resource's key is the sha256 of the canonical JSON (sorted keys) of
``scrub(msgspec.to_builtins(record))`` without its origin, so the same resource read from two
snapshot files costs one row. Secret values are masked before anything is hashed or stored.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

import msgspec
import orjson

from ecsguard.model import InputInfo, Resource
from ecsguard.store.redaction import scrub_owned

ORIGIN_KEY = "__origin"


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(data: bytes) -> bytes:
    return zlib.compress(data, 6)


def unpack(data: bytes) -> Any:
    return orjson.loads(zlib.decompress(data))


def resource_body(record: Resource) -> dict[str, Any]:
    """The record as stored: API spelling plus our ``__`` keys, origin dropped, secrets masked."""
    body = msgspec.to_builtins(record)
    body.pop(ORIGIN_KEY, None)
    cleaned: dict[str, Any] = scrub_owned(body)
    return cleaned


def encode(value: Any) -> tuple[str, bytes]:
    """(key, canonical JSON) of an already-redacted value; ``pack`` it before storing."""
    data = canonical(value)
    return digest(data), data


def origin_ref(record: Resource, inputs: tuple[InputInfo, ...]) -> Any:
    """Compact origin for a manifest: the input's index when that says it all, else the dict.

    Keeping the file name out of the resource body is what lets an unchanged resource read
    from a differently named snapshot hash the same.
    """
    origin = record.origin
    if origin is None:
        return None
    for index, info in enumerate(inputs):
        if info.path == origin.file and info.kind == origin.kind:
            if origin.line is None and not origin.address:
                return index
            return [index, origin.line, origin.address]
    return msgspec.to_builtins(origin)
