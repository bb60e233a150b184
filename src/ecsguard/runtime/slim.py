"""The fast path's partial decoder: only the OCSF paths the gates, state and detectors read.

``msgspec`` decodes a line into nested TypedDicts holding just those keys (unknown keys are
skipped in C), which is cheaper than a full parse. Most events stop at the gate; the few that
reach a rule are parsed in full. When some gate reads a path we cannot name (an unknown helper
in a user field), ``slim_decoder`` returns None and the engine parses every line in full.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

import msgspec

__all__ = ["BASE_PATHS", "HELPER_READS", "STATE_PATHS", "paths_of", "slim_decoder"]

Path = tuple[str, ...]
# What the engine itself reads outside rules: dispatch, clock, state (process tree, drift).
BASE_PATHS: tuple[Path, ...] = (
    ("class_uid",),
    ("activity_id",),
    ("time",),
    ("container", "uid"),
    ("device", "hostname"),
    ("process", "pid"),
    ("process", "name"),
    ("actor", "process", "pid"),
    ("actor", "process", "name"),
    ("actor", "process", "parent_process", "pid"),
    ("actor", "process", "parent_process", "name"),
    ("file", "path"),
    ("file_result", "path"),
    ("unmapped", "new_path"),
)
# The process tree falls back to these when a launch event carries no actor.
_STATE_EXTRA: tuple[Path, ...] = (
    ("process", "parent_process", "pid"),
    ("process", "parent_process", "name"),
    ("process", "file", "path"),
)
STATE_PATHS = _STATE_EXTRA
_EP = tuple(
    (side, key)
    for side in ("src_endpoint", "dst_endpoint")
    for key in ("ip", "port", "hostname", "path")
)
# Paths read by the helper functions that accessors call (fields.HELPERS, engine state).
HELPER_READS: dict[str, tuple[Path, ...]] = {
    "_ep": (*_EP, ("connection_info", "direction_id"), ("activity_id",)),
    "_endpoint": (*_EP, ("connection_info", "direction_id"), ("activity_id",)),
    "_fd_name_net": (*_EP, ("unmapped", "socket_path")),
    "_typechar_net": (*_EP, ("unmapped", "socket_path")),
    "_answers": (("answers",),),
    "_unix_path": (("unmapped", "socket_path"), ("dst_endpoint", "path")),
    "_open_flag": (("activity_id",), ("unmapped", "open_flags")),
    "_ST": (
        *BASE_PATHS,
        *_STATE_EXTRA,
        ("actor", "process", "parent_process", "parent_process", "pid"),
        ("actor", "process", "parent_process", "parent_process", "name"),
    ),
}
_PURE_HELPERS = frozenset(
    {
        "_int",
        "_args",
        "_argv0",
        "_basename",
        "_contains_any",
        "_dirname",
        "_in_nets",
        "_tf_case",
        "_tf_len",
        "_suffixes",
        "str",
        "_E",
        "_ET1007",
        "_ET1001",
        "_ET4001",
        "_ET4003",
        "_K",
        "_scan",
        "any",
    }
)
_CHAIN = re.compile(r"e\.get\('([^']+)'\)((?:\s*or\s+_E\)\.get\('[^']+'\))*)")
_KEY = re.compile(r"\.get\('([^']+)'\)")
_CALL = re.compile(r"(?<![A-Za-z0-9_.])(_[A-Za-z0-9_]+|str|any)(?![A-Za-z0-9_])")


def paths_of(source: str) -> set[Path] | None:
    """OCSF paths a piece of generated code reads, or None when it calls something unknown."""
    paths: set[Path] = set()
    for match in _CHAIN.finditer(source):
        paths.add((match.group(1), *_KEY.findall(match.group(2))))
    for name in _CALL.findall(source):
        if name in HELPER_READS:
            paths.update(HELPER_READS[name])
        elif not (name in _PURE_HELPERS or re.fullmatch(r"_(K|r|t|f|i|U)\d*|_gate|_ET\d+", name)):
            return None
    return paths


def _tree(paths: Iterable[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for key in path[:-1]:
            child = node.get(key)
            if child is None or child is True:
                child = node[key] = {}
            node = child
        node.setdefault(path[-1], True)
    return root


def _typed_dict(name: str, tree: dict[str, Any]) -> Any:
    fields: dict[str, Any] = {}
    for key, sub in tree.items():
        # interned: decoded events use these very strings as keys, and the generated code's
        # literal keys are interned, so every lookup matches by identity
        fields[sys.intern(key)] = Any if sub is True else _typed_dict(f"{name}_{key}", sub)
    return TypedDict(name, fields, total=False)  # type: ignore[operator]


def slim_decoder(paths: Iterable[Path]) -> Callable[[bytes], dict[str, Any]]:
    """A function bytes -> partial event dict; raises msgspec errors on bad JSON or shapes."""
    schema = _typed_dict("SlimEvent", _tree(paths))
    decoder = msgspec.json.Decoder(schema)
    decode: Callable[[bytes], dict[str, Any]] = decoder.decode
    return decode
