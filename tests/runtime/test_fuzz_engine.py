"""Hostile events never raise out of the engine, on either path (dict or raw line)."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsguard.runtime import Engine, load_engine
from ecsguard.runtime.alerts import render_alert

ENGINE: Engine = load_engine(window_ms=0)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(max_size=40),
    st.sampled_from(["/dev/tcp/1.2.3.4/1", "bash", "169.254.169.254", "/etc/shadow", "xmrig"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "process",
        "actor",
        "file",
        "dst_endpoint",
        "src_endpoint",
        "query",
        "answers",
        "container",
        "unmapped",
        "connection_info",
        "activity_id",
        "time",
        "metadata",
        "file_result",
    ]
)
_events = st.fixed_dictionaries(
    {"class_uid": st.sampled_from([1007, 1001, 4001, 4003, 2004, "1007", None])},
    optional={k: _values for k in ["process", "actor", "file", "query"]},
).flatmap(
    lambda base: st.dictionaries(_keys, _values, max_size=6).map(lambda extra: {**extra, **base})
)


@settings(max_examples=300, deadline=None)
@given(_events)
def test_random_events_never_raise(event: dict[str, Any]) -> None:
    alerts = ENGINE.process(event) + ENGINE.process_line(
        orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS)
    )
    for alert in alerts + ENGINE.flush():
        for fmt in ("json", "ocsf", "asff"):
            orjson.dumps(render_alert(alert, fmt))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(raw: bytes) -> None:
    ENGINE.process_line(raw)
