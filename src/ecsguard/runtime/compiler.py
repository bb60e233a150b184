"""Compiles parsed conditions to Python once: per rule and OCSF class a generated function, plus
the *gate* (a set of necessary literals) that lets the engine skip rules without evaluating them.

Folding per class removes checks on fields a class never carries (Falco semantics: a missing
field makes every comparison false) and ``evt.type`` tests that cannot hold for the class.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

import re2

from ecsguard.runtime.fields import POSSIBLE_TYPES, accessor, field_kind
from ecsguard.runtime.language import And, Check, Const, FieldRef, MacroRef, Node, Not, Or

__all__ = ["Atom", "CompileError", "Constants", "UnknownField", "fold", "gate_atoms", "generate"]

NET_FIELDS = frozenset(
    {
        "fd.sip",
        "fd.cip",
        "fd.rip",
        "fd.lip",
        "fd.ip",
        "fd.snet",
        "fd.rnet",
        "fd.net",
        "fd.cnet",
        "fd.lnet",
    }
)
_LOWER_OPS = {
    "icontains": "contains",
    "istartswith": "startswith",
    "iendswith": "endswith",
    "iglob": "glob",
}
# How often a literal on a field holds for ordinary events: lower is a better gate.
_FIELD_COST = {
    "evt.type": 100,
    "container.id": 60,
    "evt.dir": 100,
    "fd.typechar": 90,
    "fd.num": 100,
    "evt.is_open_read": 80,
    "evt.is_open_write": 60,
    "fd.type": 90,
    "fd.l4proto": 80,
    "net.direction": 100,
    "fd.is_written": 50,  # reads engine state: costlier than a literal on the path
    "evt.res": 100,
    "evt.rawres": 100,
    "user.uid": 40,
    "proc.puid": 40,
}


class CompileError(Exception):
    """A check that cannot be compiled (bad value, bad regex); ``offset`` points into the condition."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


class UnknownField(Exception):
    """The condition names a field this engine does not provide."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(slots=True)
class Constants:
    """Pool of constants hoisted into the generated module's globals."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"_K{len(self.values)}"
        self.values[name] = value
        return name


def _true() -> Const:
    return Const(True)


def _false() -> Const:
    return Const(False)


def _fold_check(node: Check, cls: int) -> Node:
    name = node.field.name
    if field_kind(name) is None:
        raise UnknownField(name)
    if isinstance(node.value, FieldRef) and field_kind(node.value.name) is None:
        raise UnknownField(node.value.name)
    if accessor(name, cls) is None:
        return _false()
    if name == "evt.dir" and node.op in ("=", "!=") and node.value in ("<", ">"):
        # Events are completed syscalls: they stand for both Falco directions.
        return _true() if node.op == "=" else _false()
    if name == "evt.type" and not node.field.transforms:
        possible = POSSIBLE_TYPES[cls]
        if node.op == "=" and isinstance(node.value, str) and node.value not in possible:
            return _false()
        if node.op == "!=" and isinstance(node.value, str) and node.value not in possible:
            return _true()
        if node.op == "in" and isinstance(node.value, tuple) and possible.isdisjoint(node.value):
            return _false()
    return node


def fold(node: Node, cls: int) -> Node:
    """Simplify ``node`` for class ``cls``; raises UnknownField. Macros must already be expanded."""
    if isinstance(node, Check):
        return _fold_check(node, cls)
    if isinstance(node, Not):
        inner = fold(node.item, cls)
        return Const(not inner.value) if isinstance(inner, Const) else Not(inner)
    if isinstance(node, And | Or):
        is_and = isinstance(node, And)
        kept: list[Node] = []
        for item in node.items:
            sub = fold(item, cls)
            if isinstance(sub, Const):
                if sub.value != is_and:  # False in an and, True in an or: decides the whole
                    return sub
                continue
            kept.append(sub)
        if not kept:
            return Const(is_and)
        if len(kept) == 1:
            return kept[0]
        return And(tuple(kept)) if is_and else Or(tuple(kept))
    if isinstance(node, MacroRef):
        raise CompileError(f"undefined macro {node.name!r}", node.offset)
    return node


# ---------------------------------------------------------------- code generation


def _typed(value: str, kind: str, offset: int) -> Any:
    if kind == "int":
        try:
            return int(value, 0) if value.lower().startswith(("0x", "0o")) else int(value)
        except ValueError:
            return value  # compares unequal to every int, like Falco's failed conversion
    if kind == "bool":
        return value.lower() in ("true", "1", "yes")
    return value


def glob_to_regex(pattern: str) -> str:
    """Shell glob -> RE2 syntax (``*`` crosses ``/`` like fnmatch without FNM_PATHNAME)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            end = pattern.find("]", i + 1 if i < len(pattern) and pattern[i] in "!^" else i)
            if end < 0:
                out.append(re.escape(ch))
                continue
            body = pattern[i:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _glob_regex(pattern: str, offset: int) -> Any:
    return _re2(glob_to_regex(pattern), offset)


def _re2(pattern: str, offset: int) -> Any:
    try:
        return re2.compile(pattern)
    except Exception as exc:  # re2.error is not a stable public name
        raise CompileError(f"bad regular expression {pattern!r}: {exc}", offset) from exc


def _networks(values: tuple[str, ...], offset: int) -> tuple[Any, ...] | None:
    nets = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            return None
    return tuple(nets)


def _value_expr(ref: FieldRef, cls: int) -> tuple[str, str]:
    expr = accessor(ref.name, cls)
    kind = field_kind(ref.name) or "str"
    if expr is None:
        return "None", kind
    for tf in ref.transforms:
        if tf in ("tolower", "toupper"):
            method = "lower" if tf == "tolower" else "upper"
            expr = f"_tf_case({expr}, {method!r})"
        elif tf == "basename":
            expr = f"_basename({expr})"
        elif tf == "len":
            expr, kind = f"_tf_len({expr})", "int"
        else:
            raise CompileError(f"transformer {tf}() is not supported")
    return expr, kind


def _gen_list_check(v: str, kind: str, node: Check, pool: Constants) -> str:
    values = node.value if isinstance(node.value, tuple) else ()
    if node.op == "pmatch":
        exact = pool.add(frozenset(p.rstrip("/") or "/" for p in values))
        prefixes = pool.add(tuple((p.rstrip("/") + "/") for p in values))
        return f"((_t := {v}) is not None and (_t in {exact} or _t.startswith({prefixes})))"
    if node.field.name in NET_FIELDS and any("/" in x for x in values):
        nets = _networks(values, node.offset)
        if nets is None:
            raise CompileError(f"bad network in {values!r}", node.offset)
        return f"_in_nets({v}, {pool.add(nets)})"
    typed = frozenset(_typed(x, kind, node.offset) for x in values)
    name = pool.add(typed)
    if kind == "list":
        return f"((_t := {v}) is not None and not {name}.isdisjoint(_t))"
    return f"({v} in {name})"


def _gen_check(node: Check, cls: int, pool: Constants) -> str:
    v, kind = _value_expr(node.field, cls)
    op = node.op
    if op == "exists":
        return f"({v} is not None)"
    if op in ("in", "intersects", "pmatch"):
        return _gen_list_check(v, kind, node, pool)
    if isinstance(node.value, FieldRef):
        w, _ = _value_expr(node.value, cls)
        cmp = (
            {"=": "==", "!=": "!="}.get(op, op) if op in ("=", "!=", "<", "<=", ">", ">=") else None
        )
        if cmp is None:
            raise CompileError(
                f"val() is only supported with comparison operators, not {op!r}", node.offset
            )
        return f"((_t := {v}) is not None and _t {cmp} {w})"
    raw = str(node.value)
    if op in _LOWER_OPS:
        v, op, raw = f"_tf_case({v}, 'lower')", _LOWER_OPS[op], raw.lower()
    if kind == "list":
        inner = _gen_check(Check(FieldRef("ocsf._item"), op, raw, node.offset), cls, pool).replace(
            "e.get('_item')", "_i"
        )
        return f"any({inner} for _i in ({v} or ()))"
    if node.field.name in NET_FIELDS and "/" in raw and op in ("=", "!="):
        nets = _networks((raw,), node.offset)
        if nets is not None:
            test = f"_in_nets({v}, {pool.add(nets)})"
            return test if op == "=" else f"(not {test})"
    const = pool.add(_typed(raw, kind, node.offset))
    if op == "=":
        return f"({v} == {const})"
    if op == "!=":
        return f"((_t := {v}) is not None and _t != {const})"
    if op in ("<", "<=", ">", ">="):
        return f"((_t := {v}) is not None and _t {op} {const})"
    if op == "contains":
        return f"((_t := {v}) is not None and {const} in _t)"
    if op == "startswith":
        return f"((_t := {v}) is not None and _t.startswith({const}))"
    if op == "endswith":
        return f"((_t := {v}) is not None and _t.endswith({const}))"
    if op == "glob":
        regex = pool.add(_glob_regex(raw, node.offset))
        return f"((_t := {v}) is not None and {regex}.fullmatch(_t) is not None)"
    if op == "regex":
        regex = pool.add(_re2(raw, node.offset))
        return f"((_t := {v}) is not None and {regex}.fullmatch(_t) is not None)"
    raise CompileError(f"operator {op!r} is not supported", node.offset)


_STRING_OPS = {
    "contains": "contains",
    "icontains": "contains",
    "startswith": "startswith",
    "istartswith": "startswith",
    "endswith": "endswith",
    "iendswith": "endswith",
}
_GROUP_MEMO_MIN = 4  # contains-groups at least this large remember their answer per value


def _group_key(node: Node, cls: int) -> tuple[str, str] | None:
    """(value expression, contains|startswith|endswith) for a string check that can share one
    read of its field with its neighbours in an ``or``; None for any other node."""
    if not (isinstance(node, Check) and node.op in _STRING_OPS and isinstance(node.value, str)):
        return None
    if node.field.name in NET_FIELDS:
        return None
    v, kind = _value_expr(node.field, cls)
    if kind != "str" or v == "None":
        return None
    if node.op.startswith("i"):
        v = f"_tf_case({v}, 'lower')"
    return v, _STRING_OPS[node.op]


def _gen_group(v: str, op: str, nodes: list[Check], pool: Constants) -> str:
    """``A or B or ...`` over string checks of one value, reading the value once. Same result and
    same exceptions as the checks one by one: a value that is not a string takes the plain
    chain (``startswith``/``endswith`` with a tuple raise and answer as the chain does)."""
    literals = tuple(
        dict.fromkeys(str(n.value).lower() if n.op.startswith("i") else str(n.value) for n in nodes)
    )
    if op in ("startswith", "endswith"):
        return f"((_t := {v}) is not None and _t.{op}({pool.add(literals)}))"
    chain = " or ".join(f"{pool.add(lit)} in _t" for lit in literals)
    if len(literals) < _GROUP_MEMO_MIN:
        return f"((_t := {v}) is not None and ({chain}))"
    fast = f"_contains_any({pool.add(literals)}, {pool.add({})}, _t)"
    return f"((_t := {v}) is not None and ({fast} if _t.__class__ is str else ({chain})))"


def _gen_or(node: Or, cls: int, pool: Constants) -> str:
    """Runs of neighbouring string checks on one value become one group (order kept)."""
    parts: list[str] = []
    items = list(node.items)
    i = 0
    while i < len(items):
        key = _group_key(items[i], cls)
        j = i + 1
        while key is not None and j < len(items) and _group_key(items[j], cls) == key:
            j += 1
        if key is not None and j - i > 1:
            run = [n for n in items[i:j] if isinstance(n, Check)]
            parts.append(_gen_group(key[0], key[1], run, pool))
        else:
            parts.append(generate(items[i], cls, pool))
            j = i + 1
        i = j
    return "(" + " or ".join(parts) + ")"


def generate(node: Node, cls: int, pool: Constants) -> str:
    """Python expression (over ``e``) for a folded node."""
    if isinstance(node, Const):
        return "True" if node.value else "False"
    if isinstance(node, Check):
        return _gen_check(node, cls, pool)
    if isinstance(node, Not):
        return f"(not {generate(node.item, cls, pool)})"
    if isinstance(node, Or):
        return _gen_or(node, cls, pool)
    if isinstance(node, And):
        return "(" + " and ".join(generate(item, cls, pool) for item in node.items) + ")"
    raise CompileError(f"cannot compile {node!r}")


# ---------------------------------------------------------------- gates


@dataclass(frozen=True, slots=True)
class Atom:
    """A necessary literal: ``eq``/``eql`` (field value, or an item of a list field, in ``values``)
    or ``sub`` (the lowered value framed as ``\x01value\x00`` contains one of ``values``; the
    frame bytes anchor prefixes and suffixes)."""

    kind: str
    field: str
    values: frozenset[Any]

    @property
    def selectivity(self) -> int:
        """Rough chance, in units, that an ordinary event passes; lower is a better gate."""
        if self.field in _FIELD_COST:
            return _FIELD_COST[self.field]
        if self.kind != "sub":
            return 2 + len(self.values) // 16
        shortest = min((len(v.strip(ANCHORS)) for v in self.values), default=0)
        anchored = all(v.startswith(START) or v.endswith(END) for v in self.values)
        return (2 if anchored else 3) + (6 if shortest <= 3 else 2 if shortest <= 5 else 0)


START, END = "\x01", "\x00"
ANCHORS = START + END


def _literal_of_glob(pattern: str) -> str:
    """The most specific literal a full-match glob implies, anchored when it is a prefix/suffix."""
    runs = re.split(r"[*?\[\]]", pattern)
    if len(runs) == 1:
        return START + pattern + END
    if len(runs[-1]) >= 3:
        return runs[-1] + END
    if len(runs[0]) >= 3:
        return START + runs[0]
    return max(runs, key=len)


def _check_atoms(node: Check) -> list[Atom] | None:
    name = node.field.name
    kind = field_kind(name)
    if isinstance(node.value, FieldRef):
        return None
    values = node.value if isinstance(node.value, tuple) else (str(node.value),)
    if name in NET_FIELDS and any("/" in v for v in values):
        return None
    if (
        name == "dns.suffixes"
        and node.op in ("in", "intersects", "=")
        and not node.field.transforms
    ):
        # a suffix of the name <=> the lowered query equals it or ends with "." + it
        return [
            Atom(
                "sub",
                "dns.query",
                frozenset(
                    p for v in values for p in (START + v.lower() + END, "." + v.lower() + END)
                ),
            )
        ]
    if kind == "list" and node.op in ("in", "intersects", "=") and not node.field.transforms:
        return [Atom("eql", name, frozenset(values))]
    if kind == "bool" and node.op == "=" and not node.field.transforms:
        return [Atom("eq", name, frozenset({str(node.value).lower() in ("true", "1", "yes")}))]
    if kind in ("list", "bool", "any", None):
        return None
    lowered = "tolower" in node.field.transforms
    if node.field.transforms and not lowered:
        return None
    op = node.op
    if op in ("=", "in") and not lowered:
        return [Atom("eq", name, frozenset(_typed(v, kind, 0) for v in values))]
    if kind != "str":
        return None
    text = str(node.value).lower()
    patterns: tuple[str, ...]
    if op in ("=", "in"):
        patterns = tuple(START + v.lower() + END for v in values)
    elif op in ("contains", "icontains"):
        patterns = (text,)
    elif op in ("startswith", "istartswith"):
        patterns = (START + text,)
    elif op in ("endswith", "iendswith"):
        patterns = (text + END,)
    elif op in ("glob", "iglob"):
        patterns = (_literal_of_glob(text),)
    elif op == "pmatch":
        patterns = tuple(START + (v.lower().rstrip("/") or "/") for v in values)
    else:
        return None
    if any(len(p.strip(ANCHORS)) < 2 for p in patterns):
        return None
    return [Atom("sub", name, frozenset(patterns))]


def _cost(atoms: list[Atom]) -> int:
    """Fields are read once per event whatever the number of literals: cost by distinct field."""
    by_field: dict[tuple[str, str], int] = {}
    for atom in atoms:
        key = (atom.kind, atom.field)
        by_field[key] = max(by_field.get(key, 0), atom.selectivity)
    return sum(by_field.values())


def gate_atoms(node: Node) -> list[Atom] | None:
    """Atoms at least one of which holds whenever ``node`` holds; None when no such set is known."""
    if isinstance(node, Const):
        return None if node.value else []
    if isinstance(node, Check):
        return _check_atoms(node)
    if isinstance(node, Or):
        out: list[Atom] = []
        for item in node.items:
            sub = gate_atoms(item)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if isinstance(node, And):
        options = [a for a in (gate_atoms(item) for item in node.items) if a is not None]
        return min(options, key=_cost) if options else None
    return None
