"""Loads rules files (Falco's format plus ecsguard's keys) into ``RuleDef`` objects.

Items: ``list``, ``macro``, ``rule`` with ``append: true`` or ``override: {key: append|replace}``,
structured ``exceptions``, ``enabled``. ecsguard adds ``id``, ``finding_type``, ``severity``,
``mitre`` and the ``fires:`` / ``quiet:`` example events the tests replay. Problems are collected
with file, line and column; a broken item is skipped, the rest load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ecsguard.runtime.language import (
    And,
    Check,
    FieldRef,
    LanguageError,
    MacroRef,
    Node,
    Not,
    Or,
    parse_condition,
)

__all__ = ["DEFAULT_RULES_DIR", "Problem", "RuleDef", "RuleSet", "expand", "load_rules"]

DEFAULT_RULES_DIR = Path(__file__).parent / "rules"
PRIORITY_SEVERITY = {
    "emergency": "critical",
    "alert": "critical",
    "critical": "critical",
    "error": "high",
    "warning": "medium",
    "notice": "low",
    "informational": "info",
    "info": "info",
    "debug": "info",
}


@dataclass(slots=True)
class Problem:
    """A load problem with its place: ``file:line:col: message``."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


@dataclass(slots=True)
class Place:
    file: str
    line: int
    col: int
    block: bool = False


@dataclass(slots=True)
class RuleDef:
    name: str
    id: str
    condition: str
    desc: str = ""
    output: str = ""
    priority: str = "warning"
    severity: str = "medium"
    finding_type: str = ""
    mitre: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    fires: list[dict[str, Any]] = field(default_factory=list)
    quiet: list[dict[str, Any]] = field(default_factory=list)
    place: Place | None = None
    source: str = "syscall"


@dataclass(slots=True)
class RuleSet:
    rules: list[RuleDef] = field(default_factory=list)
    macros: dict[str, tuple[str, Place | None]] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, place: Place | None, message: str, offset: int | None = None) -> None:
        if place is None:
            self.problems.append(Problem("<rules>", 0, 0, message))
            return
        line, col = place.line, place.col
        if offset is not None:
            line, col = _offset_place(place, offset)
        self.problems.append(Problem(place.file, line, col, message))


def _offset_place(place: Place, offset: int) -> tuple[int, int]:
    """Line and column of a condition offset; exact for one-line and block scalars."""
    if not place.block:
        return place.line, place.col + offset
    return place.line + 1, offset + 1  # block scalars start on the next line; column approximate


class _MarkLoader(yaml.SafeLoader):
    """SafeLoader that remembers where each mapping value starts."""


def _construct_mapping(loader: _MarkLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(k): v for k, v in loader.construct_mapping(node, deep=True).items()
    }
    marks = {}
    for key_node, value_node in node.value:
        style = getattr(value_node, "style", None)
        marks[str(key_node.value)] = (
            value_node.start_mark.line + 1,
            value_node.start_mark.column + 1 + (1 if style in ("'", '"') else 0),
            style in ("|", ">"),
        )
    mapping["__marks__"] = marks
    return mapping


_MarkLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# PyYAML reads a bare ``=`` as the "value" tag; Falco files write ``comps: [=, in]``.
def _construct_value(loader: _MarkLoader, node: yaml.Node) -> str:
    return str(node.value)


_MarkLoader.add_constructor("tag:yaml.org,2002:value", _construct_value)


def _strip_marks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_marks(v) for k, v in value.items() if k != "__marks__"}
    if isinstance(value, list):
        return [_strip_marks(v) for v in value]
    return value


def _place(item: dict[str, Any], key: str, file: str) -> Place:
    line, col, block = item.get("__marks__", {}).get(key, (0, 0, False))
    return Place(file, line, col, block)


def slug(name: str) -> str:
    return "falco." + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _new_rule(item: dict[str, Any], file: str) -> RuleDef:
    name = str(item["rule"])
    priority = str(item.get("priority", "warning")).lower()
    tags = [str(t) for t in _as_list(item.get("tags"))]
    mitre = [str(m) for m in _as_list(item.get("mitre"))] or [
        t for t in tags if re.fullmatch(r"T\d{4}(\.\d{3})?", t)
    ]
    return RuleDef(
        name=name,
        id=str(item.get("id") or slug(name)),
        condition=str(item.get("condition", "")),
        desc=str(item.get("desc", "")),
        output=str(item.get("output", "")),
        priority=priority,
        severity=str(item.get("severity") or PRIORITY_SEVERITY.get(priority, "medium")).lower(),
        finding_type=str(item.get("finding_type", "")),
        mitre=mitre,
        tags=tags,
        enabled=bool(item.get("enabled", True)),
        exceptions=[_strip_marks(x) for x in _as_list(item.get("exceptions"))],
        fires=_strip_marks(_as_list(item.get("fires"))),
        quiet=_strip_marks(_as_list(item.get("quiet"))),
        place=_place(item, "condition", file),
        source=str(item.get("source", "syscall")),
    )


def _modes(item: dict[str, Any]) -> dict[str, str]:
    override = item.get("override")
    if isinstance(override, dict):
        return {str(k): str(v) for k, v in override.items() if k != "__marks__"}
    if item.get("append"):
        return {k: "append" for k in ("condition", "items", "exceptions", "output", "desc", "tags")}
    return {}


def _merge_rule(rs: RuleSet, item: dict[str, Any], modes: dict[str, str], file: str) -> None:
    name = str(item["rule"])
    target = next((r for r in reversed(rs.rules) if r.name == name), None)
    if target is None:
        rs.problem(_place(item, "rule", file), f"rule {name!r} to append/override does not exist")
        return
    for key, mode in modes.items():
        if key not in item:
            continue
        value = item[key]
        if key == "condition":
            target.condition = f"{target.condition} {value}" if mode == "append" else str(value)
            target.place = _place(item, "condition", file)
        elif key == "exceptions":
            new = [_strip_marks(x) for x in _as_list(value)]
            target.exceptions = (
                _append_exceptions(target.exceptions, new) if mode == "append" else new
            )
        elif key in ("output", "desc"):
            old = getattr(target, key)
            setattr(target, key, f"{old} {value}" if mode == "append" else str(value))
        elif key == "tags":
            target.tags = (
                [*target.tags, *map(str, _as_list(value))]
                if mode == "append"
                else list(map(str, _as_list(value)))
            )
        elif key == "priority":
            target.priority = str(value).lower()
            target.severity = PRIORITY_SEVERITY.get(target.priority, target.severity)
        elif key == "enabled":
            target.enabled = bool(value)


def _append_exceptions(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    by_name = {str(x.get("name")): x for x in old}
    out = list(old)
    for exc in new:
        existing = by_name.get(str(exc.get("name")))
        if existing is not None and "fields" not in exc:
            existing["values"] = [*_as_list(existing.get("values")), *_as_list(exc.get("values"))]
        else:
            out.append(exc)
    return out


def _load_item(rs: RuleSet, item: Any, file: str) -> None:
    if not isinstance(item, dict):
        rs.problem(Place(file, 0, 0), "each rules-file item must be a mapping")
        return
    modes = _modes(item)
    if "list" in item:
        name = str(item["list"])
        items = [str(x) for x in _as_list(item.get("items"))]
        rs.lists[name] = (
            [*rs.lists.get(name, []), *items] if modes.get("items") == "append" else items
        )
    elif "macro" in item:
        name = str(item["macro"])
        cond = str(item.get("condition", ""))
        if modes.get("condition") == "append" and name in rs.macros:
            cond = f"{rs.macros[name][0]} {cond}"
        rs.macros[name] = (cond, _place(item, "condition", file))
    elif "rule" in item:
        if modes or ("condition" not in item and "enabled" in item):
            _merge_rule(rs, item, modes or {"enabled": "replace"}, file)
        else:
            rs.rules = [r for r in rs.rules if r.name != str(item["rule"])]
            rs.rules.append(_new_rule(item, file))


def load_rules(paths: list[Path], rs: RuleSet | None = None) -> RuleSet:
    """Load rules files (or directories of ``*.yaml``) in order; problems are collected, not raised."""
    rs = rs or RuleSet()
    for path in paths:
        files = (
            sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            if path.is_dir()
            else [path]
        )
        for file in files:
            _load_file(rs, file)
    return rs


def _load_file(rs: RuleSet, file: Path) -> None:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
        docs = list(yaml.load_all(text, Loader=_MarkLoader))
    except OSError as exc:
        rs.problem(Place(str(file), 0, 0), f"cannot read: {exc.strerror}")
        return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        rs.problems.append(Problem(str(file), line, col, f"YAML syntax error: {exc.problem}"))
        return
    for doc in docs:
        for item in _as_list(doc):
            _load_item(rs, item, str(file))


# ---------------------------------------------------------------- macro/list expansion


def _exception_node(exc: dict[str, Any]) -> Node | None:
    fields = exc.get("fields")
    values = _as_list(exc.get("values"))
    if not fields or not values:
        return None
    if isinstance(fields, str):
        comp = str(exc.get("comps") or "in")
        return Check(FieldRef(fields), comp, tuple(str(v) for v in values))
    comps = _as_list(exc.get("comps")) or ["="] * len(fields)
    alternatives: list[Node] = []
    for row in values:
        row = _as_list(row)
        parts: list[Node] = []
        for fname, comp, value in zip(fields, comps, row, strict=False):
            comp = str(comp)
            val: Any = (
                tuple(str(v) for v in _as_list(value))
                if comp in ("in", "pmatch", "intersects")
                else str(value)
            )
            parts.append(Check(FieldRef(str(fname)), comp, val))
        if parts:
            alternatives.append(And(tuple(parts)) if len(parts) > 1 else parts[0])
    if not alternatives:
        return None
    return Or(tuple(alternatives)) if len(alternatives) > 1 else alternatives[0]


def expand(rs: RuleSet, rule: RuleDef) -> Node:
    """The rule's condition with macros inlined, list names expanded and exceptions applied.

    Raises LanguageError (offset into the rule's condition, or -1 when inside a macro).
    """
    cache: dict[str, Node] = {}

    def lists_of(values: tuple[str, ...], depth: int = 0) -> tuple[str, ...]:
        out: list[str] = []
        for v in values:
            if v in rs.lists and depth < 16:
                out.extend(lists_of(tuple(rs.lists[v]), depth + 1))
            elif depth and len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                out.append(v[1:-1])  # list items like '"(systemd)"' are quoted for Falco's parser
            else:
                out.append(v)
        return tuple(out)

    def walk(node: Node, stack: tuple[str, ...]) -> Node:
        if isinstance(node, MacroRef):
            if node.name not in rs.macros:
                raise LanguageError(
                    f"undefined macro {node.name!r}", node.offset if not stack else -1
                )
            if node.name in stack:
                raise LanguageError(f"macro {node.name!r} refers to itself", -1)
            if node.name not in cache:
                text, _ = rs.macros[node.name]
                try:
                    parsed = parse_condition(text)
                except LanguageError as exc:
                    raise LanguageError(f"in macro {node.name!r}: {exc.message}", -1) from exc
                cache[node.name] = walk(parsed, (*stack, node.name))
            return cache[node.name]
        if isinstance(node, Check) and isinstance(node.value, tuple):
            return Check(node.field, node.op, lists_of(node.value), node.offset)
        if isinstance(node, Not):
            return Not(walk(node.item, stack))
        if isinstance(node, And):
            return And(tuple(walk(i, stack) for i in node.items))
        if isinstance(node, Or):
            return Or(tuple(walk(i, stack) for i in node.items))
        return node

    tree = walk(parse_condition(rule.condition), ())
    excepts = [n for n in (_exception_node(x) for x in rule.exceptions) if n is not None]
    if excepts:
        tree = And((tree, Not(Or(tuple(walk(n, ()) for n in excepts)))))
    return tree
