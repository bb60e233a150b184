"""Speed-oriented code paths keep the engine's semantics: FIFO caps, staged decoding, gates."""

from __future__ import annotations

import random
import sys
from collections import Counter
from typing import Any

import ahocorasick
import orjson
import pytest

from ecsguard.runtime import compiler, field_helpers, load_engine, program
from ecsguard.runtime.aggregate import Aggregator
from ecsguard.runtime.alerts import Alert
from ecsguard.runtime.examples import example_sequences
from ecsguard.runtime.state import RuntimeState
from ecsguard.sample.runtime.generate import stream


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


def _summary(alerts: list[Alert]) -> Counter[bytes]:
    """Every field of every alert (details render from the whole event on both paths)."""
    return Counter(orjson.dumps(a.to_dict(), option=orjson.OPT_SORT_KEYS) for a in alerts)


_HOSTILE: list[Any] = [None, 7, "x", [], [1], {}, {"a": 1}, True, 1.5, "/etc/shadow"]


def _mutated(events: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Events with random subtrees replaced by wrong shapes; ``class_uid`` stays the first key
    (the agent's order), so the staged decoders are what reads them."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for ev in events:
        ev = orjson.loads(orjson.dumps(ev))
        for _ in range(rng.randint(1, 3)):
            node = ev
            while True:
                keys = [k for k in node if k != "class_uid"]
                if not keys:
                    break
                key = rng.choice(keys)
                if isinstance(node[key], dict) and rng.random() < 0.6:
                    node = node[key]
                    continue
                node[key] = rng.choice(_HOSTILE)
                break
        out.append(ev)
    return out


def test_staged_decoding_gives_the_same_alerts_and_counts_as_the_dict_path() -> None:
    events = [ev for ev, _ in stream(4000, 12, seed=7)]
    dns = next(ev for ev in events if ev["class_uid"] == 4003)
    for i, name in enumerate(("xkqjzvbwtpl7rmfh.com", "example.com", "qzx8vkt3wbnm1pl.net")):
        # the DGA heuristic is a detector: it runs on the first stage's partial event
        ev = orjson.loads(orjson.dumps(dns))
        ev["query"]["hostname"] = name
        ev["time"] += 200_000 * (i + 1)
        events.insert(1000 * (i + 1), ev)
    lines = [orjson.dumps(ev) for ev in events]
    assert all(line.startswith(b'{"class_uid":') for line in lines)
    hostile = _mutated(events[:1500], seed=3)
    # a later duplicate class_uid wins in JSON: the staged path must notice
    dup = [lines[0][:-1] + b',"class_uid":4001}', lines[1][:-1] + b',"class_uid":"1001"}']
    for chunk_lines, chunk_events in (
        (lines, events),
        ([orjson.dumps(ev) for ev in hostile], hostile),
        (dup, [orjson.loads(x) for x in dup]),
    ):
        fast, slow = load_engine(), load_engine()
        got_fast = [a for line in chunk_lines for a in fast.process_line(line)] + fast.flush()
        got_slow = [a for ev in chunk_events for a in slow.process(ev)] + slow.flush()
        assert _summary(got_fast) == _summary(got_slow)
        assert (fast.stats.events, fast.stats.unknown_class, fast.stats.alerts) == (
            slow.stats.events,
            slow.stats.unknown_class,
            slow.stats.alerts,
        )
        assert fast.stats.by_rule == slow.stats.by_rule
        if chunk_events is events:
            assert fast.stats.by_rule.get("intel.dga_heuristic") == 2


def test_every_class_has_a_staged_route_and_launches_skip_the_first_stage() -> None:
    engine = load_engine()
    routes = {r.cls: r for r in engine._by_prefix.values()}
    assert set(routes) == {1007, 1001, 4001, 4003}
    assert routes[1007].first is None
    assert all(routes[c].first is not None for c in (1001, 4001, 4003))


def _gate_results(engine: Any, events: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for ev in events:
        cls = ev.get("class_uid")
        try:
            out.append(engine.program.classes[cls].gate(ev))
        except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
            out.append(type(exc).__name__)
    return out


def test_gate_memo_gives_what_a_fresh_scan_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [ev for ev, _ in stream(3000, 12, seed=11)]
    events += _mutated(events[:800], seed=5)
    events = [ev for ev in events if ev.get("class_uid") in (1007, 1001, 4001, 4003)]
    memo = load_engine()
    warm = _gate_results(memo, events)
    assert warm == _gate_results(memo, events)  # second pass: every value remembered
    assert any(isinstance(r, tuple) and r for r in warm)
    monkeypatch.setattr(program, "_MEMO_LEN", -1)  # nothing is remembered: always a scan
    assert _gate_results(load_engine(), events) == warm
    for ev in events[:400]:  # ports and uids of every type the inlined int conversion sees
        for value in ("443", True, 1.5, "x", None, [1]):
            twisted = orjson.loads(orjson.dumps(ev))
            if isinstance(twisted.get("dst_endpoint"), dict):
                twisted["dst_endpoint"]["port"] = value
            if isinstance(twisted.get("process"), dict):
                twisted["process"]["user"] = {"uid": value}
            events.append(twisted)
    inlined = _gate_results(memo, events)
    monkeypatch.setattr(program, "_int_argument", lambda expr: None)  # always call _int()
    assert _gate_results(load_engine(), events) == inlined
    assert "TypeError" in inlined  # an unhashable value still fails the gate


def test_gate_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(program, "_MEMO_CAP", 3)
    automaton = ahocorasick.Automaton()
    automaton.add_word("curl", (1,))
    automaton.add_word("\x01sh\x00", (2,))
    automaton.make_automaton()
    memo: dict[str, tuple[int, ...]] = {}
    assert program._scan(automaton, memo, "SH") == (2,)
    assert program._scan(automaton, memo, "curl x | curl") == (1, 1)
    assert program._scan(automaton, memo, "ls") == ()
    assert len(memo) == 3
    assert program._scan(automaton, memo, "wget") == ()
    assert memo == {"wget": ()}  # full: started over
    long = "curl " + "a" * program._MEMO_LEN
    assert program._scan(automaton, memo, long) == (1,) and long not in memo


def test_hoisted_gate_source_behaves_like_the_plain_one() -> None:
    engine = load_engine()
    events = [ev for ev, _ in stream(2000, 12, seed=13)]
    events += _mutated(events[:1500], seed=9)
    for cls, prog in engine.program.classes.items():
        hoisted = program._hoisted(prog.gate_source)
        assert "_h0 = e.get(" in hoisted or cls == 4003
        plain: dict[str, Any] = dict(prog.gate.__globals__)
        fast: dict[str, Any] = dict(prog.gate.__globals__)
        exec(prog.gate_source, plain)
        exec(hoisted, fast)
        for ev in events:
            if ev.get("class_uid") != cls:
                continue
            results = []
            for gate in (plain["_gate"], fast["_gate"]):
                try:
                    results.append(gate(ev))
                except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
                    results.append(type(exc).__name__)
            assert results[0] == results[1]


def _rule_results(engine: Any, events: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for ev in events:
        cls = ev.get("class_uid")
        for rule in engine.program.rules:
            fn = rule.fns.get(cls)
            if fn is None:
                continue
            try:
                out.append(bool(fn(ev)))
            except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
                out.append(type(exc).__name__)
    return out


def test_grouped_string_checks_answer_like_the_checks_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = [ev for ev, _ in stream(3000, 20, seed=17)]
    events += _mutated(events[:1500], seed=21)
    for ev in events[:300]:  # command lines of every shape the group code branches on
        for value in (["curl x | sh"], 7, "CURL -s x | SH", None, {"a": 1}):
            twisted = orjson.loads(orjson.dumps(ev))
            for key in ("process", "actor"):
                if isinstance(twisted.get(key), dict):
                    twisted[key]["cmd_line"] = value
                    if isinstance(twisted[key].get("process"), dict):
                        twisted[key]["process"]["cmd_line"] = value
            events.append(twisted)
    events = [ev for ev in events if ev.get("class_uid") in (1007, 1001, 4001, 4003)]
    grouped = load_engine()
    src = "\n".join(p.rule_source for p in grouped.program.classes.values())
    assert "_contains_any(" in src and ".startswith((" not in src  # tuples are pooled constants
    want = _rule_results(grouped, events)
    assert want == _rule_results(grouped, events)  # memos warm
    monkeypatch.setattr(compiler, "_group_key", lambda node, cls: None)
    plain = load_engine()
    assert "_contains_any(" not in "\n".join(p.rule_source for p in plain.program.classes.values())
    assert _rule_results(plain, events) == want
    assert True in want and False in want and "TypeError" in want


def test_contains_any_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(field_helpers, "MEMO_CAP", 2)
    memo: dict[str, bool] = {}
    assert field_helpers._contains_any(("curl", "wget"), memo, "x wget y") is True
    assert field_helpers._contains_any(("curl", "wget"), memo, "ls") is False
    assert memo == {"x wget y": True, "ls": False}
    assert field_helpers._contains_any(("curl", "wget"), memo, "curl") is True
    assert memo == {"curl": True}
    long = "curl" + "a" * field_helpers.MEMO_LEN
    assert field_helpers._contains_any(("curl",), memo, long) is True and long not in memo


def test_write_hint_only_picks_the_decoder() -> None:
    """File writes feed the drift state whether or not the line has the agent's layout (where
    the activity sits at a known offset); a wrong hint costs time, never a result."""
    head = '{"class_uid":1001,"class_name":"File System Activity","category_uid":1,'
    launch = {
        "class_uid": 1007,
        "activity_id": 1,
        "container": {"uid": "c1"},
        "process": {"pid": 9, "name": "payload", "file": {"path": "/tmp/payload"}},
        "actor": {"process": {"pid": 8, "name": "sh"}},
    }
    for line in (
        head + '"activity_id":1,"container":{"uid":"c1"},"file":{"path":"/tmp/payload"},'
        '"actor":{"process":{"name":"curl"}}}',  # hinted write
        '{"class_uid":1001,"container":{"uid":"c1"},"file":{"path":"/tmp/payload"},'
        '"actor":{"process":{"name":"curl"}},"activity_id":1}',  # write, no hint
    ):
        engine = load_engine(window_ms=0)
        engine.process_line(line.encode())
        assert engine.state.written == {("c1", "/tmp/payload"): "curl"}
        alerts = engine.process_line(orjson.dumps(launch))
        assert "ecsguard.exec.drift_new_binary" in {a.rule_id for a in alerts}
    engine = load_engine(window_ms=0)
    # hint bytes say "write", the decoded activity is a read: nothing is recorded
    line = head + '"activity_id":1,"activity_id":2,"file":{"path":"/tmp/x"}}'
    engine.process_line(line.encode())
    assert engine.state.written == {} and engine.stats.events == 1
    # shorter than the hint's offset: no hint, still processed (a write, so recorded)
    engine.process_line(b'{"class_uid":1001,"activity_id":1,"file":{"path":"/tmp/y"}}')
    assert engine.state.written == {("", "/tmp/y"): ""} and engine.stats.events == 2


@pytest.mark.parametrize(
    "parent",
    [
        {"pid": 1, "name": "tini"},
        "not an object",  # a rule-only path the class decoder rejects: rules read the full parse
    ],
)
def test_hinted_writes_run_rules_on_the_same_event_as_before(parent: Any) -> None:
    head = '{"class_uid":1001,"class_name":"File System Activity","category_uid":1,'
    body = {
        "time": 1_700_000_000_000,
        "metadata": {"uid": "w1"},
        "container": {"uid": "c1", "name": "api"},
        "actor": {"process": {"pid": 5, "name": "sh", "parent_process": parent}},
        "file": {"path": "/etc/ld.so.preload", "name": "ld.so.preload"},
        "unmapped": {"open_flags": "O_WRONLY|O_CREAT|O_TRUNC"},
    }
    line = (head + '"activity_id":1,' + orjson.dumps(body).decode()[1:]).encode()
    fast, slow = load_engine(window_ms=0), load_engine(window_ms=0)
    got = fast.process_line(line)
    want = slow.process(orjson.loads(line))
    assert [a.rule_id for a in got] == [a.rule_id for a in want]
    assert "ecsguard.evasion.ld_so_preload" in {a.rule_id for a in got}
    assert [a.to_dict() for a in got] == [a.to_dict() for a in want]
    assert fast.state.written == slow.state.written == {("c1", "/etc/ld.so.preload"): "sh"}
    assert (fast.stats.events, fast.stats.type_errors) == (
        slow.stats.events,
        slow.stats.type_errors,
    )


def test_every_gate_lets_through_every_event_its_rules_match() -> None:
    """A gate is a necessary condition: whenever a rule's function holds, the rule is among the
    gate's candidates (on the sample stream, every shipped example, and hostile variants)."""
    engine = load_engine(window_ms=0)
    sequences = [[ev for ev, _ in stream(3000, 40, seed=23)]]
    for rule in engine.rules:
        sequences += list(example_sequences(list(rule.rule.fires) + list(rule.rule.quiet)))
    sequences.append(_mutated(sequences[0][:1500], seed=29))
    matched_rules: set[str] = set()
    for seq in sequences:
        engine.reset()
        for ev in seq:
            cls = ev.get("class_uid")
            prog = engine.program.classes.get(cls) if isinstance(cls, int) else None
            if prog is None:
                continue
            try:
                if cls == 1007 or (cls == 1001 and ev.get("activity_id") in (1, 3, 5, 6)):
                    engine.state.observe(ev, cls)
                cands = set(prog.gate(ev))
            except (TypeError, AttributeError, ValueError, KeyError, IndexError):
                continue  # the engine then runs every rule of the class
            for rule in prog.rules:
                fn = rule.fns.get(cls)
                if fn is None:
                    continue
                try:
                    hit = fn(ev)
                except (TypeError, AttributeError, ValueError, KeyError, IndexError):
                    continue
                if hit:
                    matched_rules.add(rule.rule.id)
                    assert rule.index in cands, (rule.rule.id, ev)
    assert len(matched_rules) >= len(engine.rules) - 2


def test_partial_events_use_interned_keys() -> None:
    """Generated code looks keys up by literal; interned keys match them by identity."""
    engine = load_engine()
    line = orjson.dumps(next(ev for ev, _ in stream(50, 0, seed=1) if ev["class_uid"] == 1001))
    event = engine._by_prefix[line[:18]].first(line)  # type: ignore[misc]
    keys = [k for k in event] + [k for v in event.values() if isinstance(v, dict) for k in v]
    assert keys and all(k is sys.intern(k) for k in keys)
