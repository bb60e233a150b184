"""Turns a loaded ``RuleSet`` into per-class programs: generated rule functions plus one gate.

The gate reads each gated field once per event: ``eq`` literals are one dict lookup, all
substring/prefix/suffix literals of a field share one Aho-Corasick automaton over the lowered
value. Rules whose gate is unknown run on every event of their class.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from ecsguard.runtime.compiler import (
    Atom,
    CompileError,
    Constants,
    UnknownField,
    fold,
    gate_atoms,
    generate,
)
from ecsguard.runtime.fields import CLASSES, accessor, gate_accessor, helper_namespace
from ecsguard.runtime.language import And, Check, Const, FieldRef, LanguageError, Node, Not, Or
from ecsguard.runtime.rules import RuleDef, RuleSet, expand

__all__ = ["ClassProgram", "CompiledRule", "Program", "compile_ruleset"]

_WALRUS = re.compile(r"\(_t := ")
_UNSET = object()  # "not read yet" for lazily cached field values


@dataclass(slots=True)
class CompiledRule:
    index: int
    rule: RuleDef
    fns: dict[int, Callable[[dict[str, Any]], bool]] = field(default_factory=dict)


@dataclass(slots=True)
class ClassProgram:
    cls: int
    rules: list[CompiledRule]
    gate: Callable[[dict[str, Any]], tuple[int, ...]]
    gated: int = 0
    always: int = 0
    gate_source: str = ""
    rule_source: str = ""


@dataclass(slots=True)
class Program:
    rules: list[CompiledRule]
    classes: dict[int, ClassProgram]
    skipped: dict[str, list[str]] = field(default_factory=dict)  # field -> rule names
    warnings: list[str] = field(default_factory=list)


def _rule_source(name: str, expr: str, cls: int, fields: set[str]) -> str:
    """The rule function; a field read more than once is read once, lazily, into a local."""
    cached: list[str] = []
    exprs = sorted(
        {a for f in fields if (a := accessor(f, cls)) is not None}, key=len, reverse=True
    )
    for acc in exprs:
        if expr.count(acc) < 2 or not ("e.get(" in acc or "(e" in acc):
            continue  # read once, or a constant: nothing to cache
        local = f"_f{len(cached)}"
        expr = expr.replace(acc, f"({local} if {local} is not _U else ({local} := {acc}))")
        cached.append(local)
    init = f"    {' = '.join(cached)} = _U\n" if cached else ""
    return f"def {name}(e):\n{init}    return {expr}\n"


def _fields_of(node: Node) -> set[str]:
    if isinstance(node, Check):
        out = {node.field.name}
        if isinstance(node.value, FieldRef):
            out.add(node.value.name)
        return out
    if isinstance(node, Not):
        return _fields_of(node.item)
    if isinstance(node, And | Or):
        return set().union(*(_fields_of(i) for i in node.items))
    return set()


def _gate_source(
    cls: int, atoms_by_field: dict[tuple[str, str], Any], always: tuple[int, ...], pool: Constants
) -> str:
    """One function reading each gated field once: dict lookups for ``eq``, one automaton scan
    over the framed, lowered value for all ``sub`` literals of that field."""
    lines = ["def _gate(e):", f"    out = {always!r}"]
    by_expr: dict[str, list[tuple[str, str]]] = {}
    for (kind, fname), table in atoms_by_field.items():
        expr = gate_accessor(fname, cls, table)
        if expr is not None:
            by_expr.setdefault(expr, []).append((kind, pool.add(table)))
    for expr, tables in by_expr.items():
        inner = _int_argument(expr)
        if inner is None:
            lines.append(f"    v = {expr}")
        else:  # _int() costs a call; an int (the usual value) is its own answer
            lines.append(f"    v = {inner}")
            lines.append("    if v.__class__ is not int and v is not None:")
            lines.append("        v = _int(v)")
        lines.append("    if v is not None:")
        for kind, const in sorted(tables):
            if kind == "eql":
                lines += [
                    "        for x in v:",
                    f"            r = {const}.get(x)",
                    "            if r is not None:",
                    "                out = out + r",
                ]
            elif kind == "eq":
                lines += [
                    f"        r = {const}.get(v)",
                    "        if r is not None:",
                    "            out = out + r",
                ]
            else:
                memo = pool.add({})
                lines += [
                    "        if v.__class__ is str:",
                    f"            r = {memo}.get(v)",
                    "            if r is None:",
                    f"                r = _scan({const}, {memo}, v)",
                    "            if r:",
                    "                out = out + r",
                ]
    lines.append("    return out")
    return "\n".join(lines) + "\n"


_MEMO_CAP = 4096  # distinct values remembered per gated field, then the memo starts over
_MEMO_LEN = 512  # longer values are scanned every time


def _scan(automaton: Any, memo: dict[str, tuple[int, ...]], value: str) -> tuple[int, ...]:
    """The rules whose literals the framed, lowered ``value`` contains (in match order), and
    remember them: the answer depends on the value alone."""
    out: tuple[int, ...] = ()
    for _, r in automaton.iter("\x01" + value.lower() + "\x00"):
        out = out + r
    if len(value) <= _MEMO_LEN:
        if len(memo) >= _MEMO_CAP:
            memo.clear()
        memo[value] = out
    return out


_TOP = re.compile(r"\(e\.get\(('[^']+')\) or _E\)")


def _hoisted(source: str) -> str:
    """``source`` with each top-level object it reads more than once (``(e.get('process') or
    _E)``) read once into a local at the start. Reading a key of the event dict cannot raise,
    so this changes no result; ``paths_of`` keeps reading the unhoisted source."""
    counts: dict[str, int] = {}
    for match in _TOP.finditer(source):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    head, _, body = source.partition("\n")
    hoist = [
        f"    _h{i} = e.get({key}) or _E"
        for i, key in enumerate(k for k, n in counts.items() if n > 1)
    ]
    for i, key in enumerate(k for k, n in counts.items() if n > 1):
        body = body.replace(f"(e.get({key}) or _E)", f"_h{i}")
    return "\n".join([head, *hoist, body])


def _int_argument(expr: str) -> str | None:
    """``X`` when ``expr`` is exactly ``_int(X)``, else None."""
    if not (expr.startswith("_int(") and expr.endswith(")")):
        return None
    depth = 0
    for i, ch in enumerate(expr):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(expr) - 1:
                return None  # _int(a) + f(b): the first call closes early
    return expr[5:-1]


def _build_tables(gates: dict[int, list[Atom]]) -> dict[tuple[str, str], Any]:
    eq: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
    eql: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
    sub: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for idx, atoms in gates.items():
        for atom in atoms:
            target = {"eq": eq, "eql": eql}.get(atom.kind, sub)
            for value in atom.values:
                target[atom.field][value].add(idx)
    tables: dict[tuple[str, str], Any] = {}
    for fname, values in eq.items():
        tables[("eq", fname)] = {v: tuple(sorted(ids)) for v, ids in values.items()}
    for fname, values in eql.items():
        tables[("eql", fname)] = {v: tuple(sorted(ids)) for v, ids in values.items()}
    for fname, values in sub.items():
        automaton = ahocorasick.Automaton()
        for text, ids in values.items():
            automaton.add_word(text, tuple(sorted(ids)))
        automaton.make_automaton()
        tables[("sub", fname)] = automaton
    return tables


def _compile_class(
    cls: int, trees: dict[int, Node], rules: list[CompiledRule], state: Any
) -> ClassProgram:
    pool = Constants()
    sources: list[str] = []
    gates: dict[int, list[Atom]] = {}
    always: list[int] = []
    members: list[tuple[int, str]] = []
    for idx, tree in trees.items():
        folded = fold(tree, cls)
        if isinstance(folded, Const) and not folded.value:
            continue
        expr = generate(folded, cls, pool)
        name = f"_r{idx}"
        sources.append(_rule_source(name, expr, cls, _fields_of(folded)))
        members.append((idx, name))
        atoms = gate_atoms(folded)
        if atoms is None:
            always.append(idx)
        elif atoms:
            gates[idx] = atoms
    tables = _build_tables(gates)
    rule_src = "\n".join(sources)
    gate_src = _gate_source(cls, tables, tuple(always), pool)
    sources.append(_hoisted(gate_src))
    namespace = {**helper_namespace(state), **pool.values, "_U": _UNSET, "_scan": _scan}
    exec(compile("\n".join(sources), f"<rules:{cls}>", "exec"), namespace)
    for idx, name in members:
        rules[idx].fns[cls] = namespace[name]
    gate = namespace["_gate"]
    return ClassProgram(
        cls,
        rules,
        gate,
        gated=len(gates),
        always=len(always),
        gate_source=gate_src,
        rule_source=rule_src,
    )


def compile_ruleset(rs: RuleSet, state: Any) -> Program:
    """Compile every enabled rule; rules that fail are skipped with a problem or warning."""
    compiled: list[CompiledRule] = []
    trees: dict[int, Node] = {}
    skipped: dict[str, list[str]] = defaultdict(list)
    for rule in rs.rules:
        if not rule.enabled or rule.source != "syscall":
            continue
        try:
            tree = expand(rs, rule)
            for cls in CLASSES:  # surfaces unknown fields and bad values once, before codegen
                generate(fold(tree, cls), cls, Constants())
        except UnknownField as exc:
            skipped[exc.name].append(rule.name)
            continue
        except (LanguageError, CompileError) as exc:
            offset = exc.offset if exc.offset >= 0 else None
            rs.problem(rule.place, f"rule {rule.name!r}: {exc}", offset)
            continue
        trees[len(compiled)] = tree
        compiled.append(CompiledRule(len(compiled), rule))
    classes: dict[int, ClassProgram] = {}
    for cls in CLASSES:
        classes[cls] = _compile_class(cls, trees, compiled, state)
    warnings = [
        f"{len(names)} rule(s) skipped: field {name!r} is not provided ({', '.join(names[:3])}"
        f"{', ...' if len(names) > 3 else ''})"
        for name, names in skipped.items()
    ]
    return Program(compiled, classes, dict(skipped), warnings)
