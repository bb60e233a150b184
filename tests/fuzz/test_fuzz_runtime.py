"""Fuzz: the OCSF event source + engine never stop on bad events; the rule parser raises only
its own errors."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import FUZZ, KEYS

runtime = pytest.importorskip("ecsguard.runtime")
language = pytest.importorskip("ecsguard.runtime.language")
sources = pytest.importorskip("ecsguard.sources")

ENGINE = runtime.load_engine()
OCSF_KEYS = st.sampled_from(
    [
        "class_uid",
        "activity_id",
        "time",
        "metadata",
        "uid",
        "actor",
        "process",
        "pid",
        "name",
        "cmd_line",
        "file",
        "path",
        "parent_process",
        "user",
        "device",
        "hostname",
        "container",
        "image",
        "unmapped",
        "ecs",
        "dst_endpoint",
        "src_endpoint",
        "ip",
        "port",
        "query",
        "hostname",
        "answers",
        "rdata",
        "connection_info",
        "protocol_name",
        "direction_id",
    ]
)
EVENT = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.text(max_size=30),
        st.sampled_from([1007, 1001, 4001, 4003, 1, 2, 14]),
    ),
    lambda c: st.one_of(
        st.lists(c, max_size=4), st.dictionaries(st.one_of(OCSF_KEYS, KEYS), c, max_size=6)
    ),
    max_leaves=40,
)


@FUZZ
@given(
    st.lists(st.one_of(EVENT.map(lambda e: orjson.dumps(e)), st.binary(max_size=60)), max_size=8)
)
def test_events_never_stop_the_engine(tmp_path_factory: Any, lines: list[bytes]) -> None:
    path = Path(tmp_path_factory.mktemp("ev")) / "events.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines))
    delivered = 0
    for delivery in sources.open_source(f"file:{path}").deliveries():
        delivered += 1
        if delivery.event is not None:
            ENGINE.process(delivery.event)
    ENGINE.flush()
    assert delivered <= len(lines) + 1


TOKENS = st.sampled_from(
    [
        "proc.name",
        "proc.cmdline",
        "fd.name",
        "evt.type",
        "container.id",
        "user.uid",
        "proc.pname",
        "=",
        "!=",
        "<",
        ">=",
        "in",
        "contains",
        "icontains",
        "startswith",
        "endswith",
        "glob",
        "pmatch",
        "exists",
        "and",
        "or",
        "not",
        "(",
        ")",
        ",",
        "bash",
        "'/etc/shadow'",
        '"x y"',
        "(a, b)",
        "1",
        "regex",
        "'(a+)+$'",
        "some_macro",
        "'",
        '"',
        "\\",
        "0x10",
        "-1",
    ]
)


@FUZZ
@given(st.lists(TOKENS, max_size=20).map(" ".join))
def test_condition_parser(text: str) -> None:
    with contextlib.suppress(language.LanguageError):
        language.parse_condition(text)
