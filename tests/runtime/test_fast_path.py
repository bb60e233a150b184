"""Speed-oriented code paths keep the engine's semantics: FIFO caps, staged decoding, gates."""

from __future__ import annotations

from ecsguard.runtime.aggregate import Aggregator
from ecsguard.runtime.alerts import Alert
from ecsguard.runtime.state import RuntimeState


def _launch(pid: int, ppid: int, name: str = "x") -> dict[str, object]:
    return {
        "class_uid": 1007,
        "container": {"uid": "c1"},
        "process": {"pid": pid, "name": name},
        "actor": {"process": {"pid": ppid, "name": "p"}},
    }


def test_state_caps_evict_the_oldest_entry_first() -> None:
    state = RuntimeState(cap=4)
    state.observe(_launch(1, 100), 1007)  # (c1,1) then (c1,100)
    state.observe(_launch(2, 100), 1007)  # (c1,2); (c1,100) already known: keeps its place
    state.observe(_launch(3, 101), 1007)  # (c1,3), (c1,101): five entries, (c1,1) goes
    assert list(state.procs) == [("c1", 100), ("c1", 2), ("c1", 3), ("c1", 101)]
    state.observe(_launch(2, 100, "y"), 1007)  # a replaced entry keeps its position
    assert list(state.procs)[1] == ("c1", 2) and state.procs[("c1", 2)] == ("y", 100)
    for i in range(6):
        state.observe(
            {
                "class_uid": 1001,
                "activity_id": 1,
                "container": {"uid": "c1"},
                "file": {"path": f"/tmp/f{i}"},
            },
            1001,
        )
    assert [p for _, p in state.written] == ["/tmp/f2", "/tmp/f3", "/tmp/f4", "/tmp/f5"]


def _alert(rule: str, t: int) -> Alert:
    return Alert(
        rule_id=rule,
        finding_type="T",
        severity="low",
        title=rule,
        detail="",
        time_ms=t,
        event_uids=[rule],
        resource={},
        process={},
        mitre=[],
        tags=[],
        source="rule",
        evidence={},
    )


def test_aggregator_cap_and_expiry_release_oldest_first() -> None:
    agg = Aggregator(window_ms=10, cap=2)
    assert agg.add(("a",), _alert("a", 0)) == []
    assert agg.add(("b",), _alert("b", 1)) == []
    out = agg.add(("c",), _alert("c", 2))  # over the cap: the oldest group leaves
    assert [a.rule_id for a in out] == ["a"]
    assert [a.rule_id for a in agg.expire(12)] == ["b"]  # 1 + 10 < 12; 2 + 10 is not
    assert [a.rule_id for a in agg.flush()] == ["c"]
