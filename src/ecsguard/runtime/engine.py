"""The detection engine: OCSF events in, alerts out (DESIGN §3.5).

Per event: dispatch by ``class_uid``, feed the process tree / drift state, ask the class gate
which rules can match, run only those, then the detectors (threat intel, baselines, YARA), then
aggregate. Hostile input (wrong types) never raises out of ``process``; it is counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import msgspec
import orjson

from ecsguard.redact import redact_text
from ecsguard.runtime.aggregate import Aggregator
from ecsguard.runtime.alerts import Alert, Detection
from ecsguard.runtime.fields import accessor, helper_namespace
from ecsguard.runtime.program import CompiledRule, Program
from ecsguard.runtime.slim import BASE_PATHS, STATE_PATHS, paths_of, slim_decoder
from ecsguard.runtime.state import RuntimeState

__all__ = ["Detector", "Engine", "EngineStats"]

_E: dict[str, Any] = {}
_PROCESS, _FILE = 1007, 1001
_WRITES = frozenset({1, 3, 5, 6})
# Where the agent writes a file event's activity (its key order); only a hint that picks the
# decoder: an event decoded by the first stage is still checked for writes.
_ACT_AT = len(
    b'{"class_uid":1001,"class_name":"File System Activity","category_uid":1,"activity_id":'
)
_WRITE_HINT = frozenset(ord(str(act)) for act in _WRITES)  # single digits
_SEVERITY_UP = {
    "info": "low",
    "low": "medium",
    "medium": "high",
    "high": "critical",
    "critical": "critical",
}
_OUTPUT_FIELD = re.compile(r"%([A-Za-z0-9_.]+(?:\[[^\]]*\])?)")
_loads = orjson.loads
_DECODE_ERRORS = (msgspec.MsgspecError, ValueError, TypeError)
_HARMLESS = (TypeError, AttributeError, ValueError, KeyError, IndexError)


class Detector(Protocol):
    """A non-rule detector (threat intel, baseline, YARA): one event in, detections out.

    ``reads`` names the OCSF paths ``check`` looks at (None: it may read anything), so the
    engine's fast path can decode only those.
    """

    @property
    def reads(self) -> tuple[tuple[str, ...], ...] | None: ...

    def check(self, event: dict[str, Any], cls: int) -> list[Detection]: ...


class _Route(NamedTuple):
    """How a line that starts ``{"class_uid":N,`` is decoded: ``first`` (gate and detector
    paths; None for process launches, which always feed the process tree), then ``full``."""

    cls: int
    first: Callable[[bytes], dict[str, Any]] | None
    full: Callable[[bytes], dict[str, Any]]
    gate: Callable[[dict[str, Any]], tuple[int, ...]]
    detectors: tuple[Detector, ...]
    files: bool  # File System Activity: writes feed the drift state


class ScopeLike(Protocol):
    def category(self, resource: dict[str, Any]) -> str | None: ...


@dataclass(slots=True)
class EngineStats:
    events: int = 0
    unknown_class: int = 0
    type_errors: int = 0
    malformed: int = 0
    matches: int = 0
    alerts: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else _E


def _subject(e: dict[str, Any], cls: int) -> dict[str, Any]:
    return (
        _dict(e.get("process")) if cls == _PROCESS else _dict(_dict(e.get("actor")).get("process"))
    )


def _redacted(value: Any) -> Any:
    """Command lines and details reach outputs: never with a secret's value in them."""
    return redact_text(value) if isinstance(value, str) else value


def resource_of(e: dict[str, Any]) -> dict[str, Any]:
    """ECS context of an event: cluster, task, container, image (only what the event carried)."""
    ecs = _dict(_dict(e.get("unmapped")).get("ecs"))
    container = _dict(e.get("container"))
    image = _dict(container.get("image"))
    out: dict[str, Any] = {
        "cluster": ecs.get("cluster"),
        "task_arn": ecs.get("task_arn"),
        "container": ecs.get("container_name") or container.get("name"),
        "image": (f"{image.get('name')}:{image['tag']}" if image.get("tag") else image.get("name")),
        "container_id": container.get("uid"),
        "family": ecs.get("family"),
        "revision": ecs.get("revision"),
        "service": ecs.get("service"),
    }
    return {k: v for k, v in out.items() if v is not None}


class Engine:
    """Compiled rules plus detectors; ``process`` one event, ``flush`` at the end of a stream."""

    def __init__(
        self,
        program: Program,
        state: RuntimeState,
        detectors: list[Detector] | None = None,
        scope: ScopeLike | None = None,
        window_ms: int = 60_000,
        problems: list[Any] | None = None,
    ) -> None:
        self.program = program
        self.problems = list(problems or [])
        self.state = state
        self.detectors = list(detectors or [])
        self.scope = scope
        self.stats = EngineStats()
        self.aggregator = Aggregator(window_ms)
        self._classes = program.classes
        self._outputs: dict[tuple[int, int], Callable[[dict[str, Any]], str]] = {}
        self._now = 0
        self._detectors = {
            cls: [d for d in self.detectors if cls in getattr(d, "classes", (cls,))]
            for cls in program.classes
        }
        self._rules_on_slim = False
        self._by_prefix: dict[bytes, _Route] = {}
        self._slim = self._slim_decoder()

    def _slim_decoder(self) -> Callable[[bytes], dict[str, Any]] | None:
        """Partial decoder over every path the gates, state and detectors read (None: unknown)."""
        paths: set[tuple[str, ...]] = set(BASE_PATHS) | set(STATE_PATHS)
        for prog in self._classes.values():
            found = paths_of(prog.gate_source)
            if found is None:
                return None
            paths |= found
        rule_paths: set[tuple[str, ...]] = set()
        for prog in self._classes.values():
            found = paths_of(prog.rule_source)
            if found is None:
                break
            rule_paths |= found
        else:
            # Rules can run on the partial event too; only alerts need the full parse.
            paths |= rule_paths
            self._rules_on_slim = True
        for detector in self.detectors:
            reads = getattr(detector, "reads", None)
            if reads is None:
                return None
            paths.update(reads)
        self._by_prefix = self._class_decoders()
        return slim_decoder(paths)

    def _class_decoders(self) -> dict[bytes, _Route]:
        """Narrower decoders for lines that start ``{"class_uid":N,`` (the agent's key order):
        each keeps only what its class's gate, rules, state and detectors read, so a file event
        does not pay for a process command line.

        Classes other than process launches also get a *first stage*: only what the gate and
        the class's detectors read (plus class, activity and time). Most events end there; an
        event that feeds the process tree / drift state, or that the gate lets through, is
        decoded again with the class decoder and processed as before."""
        out: dict[bytes, _Route] = {}
        shared = set(BASE_PATHS) | set(STATE_PATHS)
        for detector in self.detectors:
            shared.update(getattr(detector, "reads", None) or ())
        for cls, prog in self._classes.items():
            gate = paths_of(prog.gate_source) or set()
            rules = (paths_of(prog.rule_source) or set()) if self._rules_on_slim else set()
            full = slim_decoder(shared | gate | rules)
            first: Callable[[bytes], dict[str, Any]] | None = None
            if cls != _PROCESS:
                narrow = set(gate) | {("class_uid",), ("activity_id",), ("time",)}
                for detector in self._detectors[cls]:
                    narrow.update(getattr(detector, "reads", None) or ())
                first = slim_decoder(narrow)
            out[b'{"class_uid":%d,' % cls] = _Route(
                cls, first, full, prog.gate, tuple(self._detectors[cls]), cls == _FILE
            )
        return out

    @property
    def rules(self) -> list[CompiledRule]:
        return self.program.rules

    def process(self, e: dict[str, Any]) -> list[Alert]:
        """Alerts released by this event (aggregation may release earlier groups)."""
        return self._process(e, None)

    def process_line(self, line: bytes) -> list[Alert]:
        """Parse one JSON line and process it; a malformed line is counted, never raised.

        Fast path: decode only the paths gates and detectors read; parse in full only when a
        rule may match or an alert needs the event's context. Results equal ``process``.
        """
        route = self._by_prefix.get(line[:18])
        if route is None:
            return self._process_line(line, None)
        cls, first, full, gate, detectors, files = route
        if files:
            try:  # the activity's digit and the comma after it (agent layout)
                hinted = line[_ACT_AT + 1] == 44 and line[_ACT_AT] in _WRITE_HINT
            except IndexError:
                hinted = False
        else:
            hinted = False
        if first is None or hinted:
            # Launches always feed the process tree, writes the drift state: one decode.
            try:
                e = full(line)
            except _DECODE_ERRORS:
                return self._process_line(line, None)
            if e.get("class_uid") == cls:
                return self._process(e, line)
            return self._process_line(line, None)  # a later duplicate key won
        try:
            e = first(line)
        except _DECODE_ERRORS:
            return self._process_line(line, None)  # wrong shapes or bad JSON: the slow way
        c = e.get("class_uid")
        if c.__class__ is not int or c != cls:  # a later duplicate key won
            return self._process_line(line, route)
        if files:
            act = e.get("activity_id")
            if act is not None and (act.__class__ is not int or act in _WRITES):
                return self._process_line(line, route)  # feeds the drift state: full stage
        try:
            if gate(e):
                return self._process_line(line, route)
        except _HARMLESS:
            return self._process_line(line, route)
        # The gate let no rule through and nothing feeds the state: only detectors remain.
        self.stats.events += 1
        t = e.get("time")
        if t.__class__ is int and t > self._now:
            self._now = t
        if detectors:
            hits: list[Detection] | None = None
            for detector in detectors:
                try:
                    found = detector.check(e, cls)
                except _HARMLESS:
                    self.stats.type_errors += 1
                    continue
                if found:
                    hits = (hits or []) + found
            if hits:
                return self._emit(self._full(e, line), cls, hits)
        if self._now > self.aggregator.next_expiry:
            return self._release(self.aggregator.expire(self._now))
        return []

    def _process_line(self, line: bytes, route: _Route | None) -> list[Alert]:
        e = self._decode_partial(line, route)
        if e is None:
            try:
                event = _loads(line)
            except ValueError:
                self.stats.malformed += 1
                return []
            if not isinstance(event, dict):
                self.stats.malformed += 1
                return []
            return self._process(event, None)
        return self._process(e, line)

    def _decode_partial(self, line: bytes, route: _Route | None) -> dict[str, Any] | None:
        """The partial event (class decoder when the class leads the line), None on failure."""
        if self._slim is None:
            return None
        try:
            if route is not None:
                e = route.full(line)
                if e.get("class_uid") == route.cls:  # a later duplicate key would win
                    return e
            return self._slim(line)
        except _DECODE_ERRORS:
            return None  # wrong shapes or bad JSON: the full parser decides

    def _full(self, e: dict[str, Any], line: bytes | None) -> dict[str, Any]:
        if line is None:
            return e
        try:
            full = _loads(line)
        except ValueError:
            return e
        return full if isinstance(full, dict) else e

    def _process(self, e: dict[str, Any], line: bytes | None) -> list[Alert]:
        self.stats.events += 1
        cls: int = e.get("class_uid")  # type: ignore[assignment]  # checked just below
        prog = self._classes.get(cls) if cls.__class__ is int else None
        if prog is None:
            self.stats.unknown_class += 1
            return []
        t = e.get("time")
        if t.__class__ is int and t > self._now:
            self._now = t
        try:
            if cls == _PROCESS:
                self.state.observe_launch(e)
            elif cls == _FILE and e.get("activity_id") in _WRITES:
                self.state.observe(e, cls)
            cands = prog.gate(e)
        except _HARMLESS:
            self.stats.type_errors += 1
            cands = tuple(r.index for r in prog.rules if cls in r.fns)
        hits: list[Detection] | None = None
        full: dict[str, Any] | None = None
        matched: list[CompiledRule] | None = None
        if cands:
            if not self._rules_on_slim:
                full = self._full(e, line)
            matched = self._run_rules(full if full is not None else e, cls, prog.rules, cands)
        for detector in self._detectors[cls]:
            try:
                found = detector.check(e, cls)
            except _HARMLESS:
                self.stats.type_errors += 1
                continue
            if found:
                hits = (hits or []) + found
        if matched or hits:
            if full is None:
                full = self._full(e, line)
            if matched:
                # outputs render from the whole event (a partial one lacks e.g. container.name)
                hits = [self._rule_detection(c, full, cls) for c in matched] + (hits or [])
            return self._emit(full, cls, hits or [])
        if self._now > self.aggregator.next_expiry:
            return self._release(self.aggregator.expire(self._now))
        return []

    def _run_rules(
        self, e: dict[str, Any], cls: int, rules: list[CompiledRule], cands: tuple[int, ...]
    ) -> list[CompiledRule] | None:
        hits: list[CompiledRule] | None = None
        for idx in cands if len(cands) == 1 else sorted(set(cands)):
            compiled = rules[idx]
            fn = compiled.fns.get(cls)
            if fn is None:
                continue
            try:
                matched = fn(e)
            except _HARMLESS:
                self.stats.type_errors += 1
                continue
            if matched:
                hits = hits or []
                hits.append(compiled)
        return hits

    def _rule_detection(self, compiled: CompiledRule, e: dict[str, Any], cls: int) -> Detection:
        rule = compiled.rule
        return Detection(
            rule.id,
            rule.finding_type or "Unmapped:Runtime/FalcoRule",
            rule.severity,
            rule.name,
            self._render_output(compiled, e, cls) or rule.desc,
            list(rule.mitre),
            "rule",
            {},
            list(rule.tags),
        )

    def _render_output(self, compiled: CompiledRule, e: dict[str, Any], cls: int) -> str:
        key = (compiled.index, cls)
        fn = self._outputs.get(key)
        if fn is None:
            fn = self._compile_output(compiled.rule.output, cls)
            self._outputs[key] = fn
        try:
            return fn(e)
        except _HARMLESS:
            return compiled.rule.output

    def _compile_output(self, text: str, cls: int) -> Callable[[dict[str, Any]], str]:
        parts: list[str] = []
        pos = 0
        for match in _OUTPUT_FIELD.finditer(text):
            parts.append(repr(text[pos : match.start()]))
            expr = accessor(match.group(1), cls)
            parts.append(f"str({expr})" if expr else repr("<NA>"))
            pos = match.end()
        parts.append(repr(text[pos:]))
        namespace = helper_namespace(self.state)
        fn: Callable[[dict[str, Any]], str] = eval(f"lambda e: {' + '.join(parts)}", namespace)
        return fn

    def _emit(self, e: dict[str, Any], cls: int, hits: list[Detection]) -> list[Alert]:
        resource = resource_of(e)
        subject = _subject(e, cls)
        try:
            ancestors = self.state.ancestor_names(e)
        except _HARMLESS:
            ancestors = []
        process = {
            "name": subject.get("name"),
            "cmdline": _redacted(subject.get("cmd_line")),
            "pid": subject.get("pid"),
            "exe": _dict(subject.get("file")).get("path"),
            "ancestors": ancestors,
        }
        category = self.scope.category(resource) if self.scope else None
        uid = _dict(e.get("metadata")).get("uid")
        out: list[Alert] = []
        seen: set[str] = set()
        for det in hits:
            if det.rule_id in seen:
                continue
            seen.add(det.rule_id)
            self.stats.matches += 1
            self.stats.by_rule[det.rule_id] = self.stats.by_rule.get(det.rule_id, 0) + 1
            alert = self._alert(det, e, resource, process, category, uid)
            key = (
                det.rule_id,
                str(resource.get("task_arn") or resource.get("container_id") or ""),
                str(process["exe"] or process["name"]),
                "/".join(map(str, ancestors[:2])),
            )
            out.extend(self.aggregator.add(key, alert))
        out.extend(self.aggregator.expire(self._now))
        return self._release(out)

    def _alert(
        self,
        det: Detection,
        e: dict[str, Any],
        resource: dict[str, Any],
        process: dict[str, Any],
        category: str | None,
        uid: Any,
    ) -> Alert:
        severity = det.severity
        tags = list(det.tags)
        if category:
            tags.append(f"pci:{category}")
            if category == "cde":
                severity = _SEVERITY_UP.get(severity, severity)
        t = e.get("time")
        time_ms = t if isinstance(t, int) and not isinstance(t, bool) else self._now
        return Alert(
            rule_id=det.rule_id,
            finding_type=det.finding_type,
            severity=severity,
            title=det.title,
            detail=_redacted(det.detail),
            time_ms=time_ms,
            event_uids=[str(uid)] if uid is not None else [],
            resource=dict(resource),
            process=dict(process),
            mitre=list(det.mitre),
            tags=tags,
            source=det.source,
            evidence=dict(det.evidence),
            pci_category=category,
            hostname=_dict(e.get("device")).get("hostname"),
        )

    def _release(self, alerts: list[Alert]) -> list[Alert]:
        self.stats.alerts += len(alerts)
        return alerts

    def reset(self) -> None:
        """Forget all stream state (process tree, drift, held alerts, stats); rules stay compiled."""
        self.state.procs.clear()
        self.state.written.clear()
        self.aggregator.flush()
        self.stats = EngineStats()
        self._now = 0

    def flush(self) -> list[Alert]:
        """Release every held alert (end of stream, or periodically from a live agent)."""
        return self._release(self.aggregator.flush())

    def tick(self, now_ms: int) -> list[Alert]:
        """Release alerts whose window closed by wall-clock ``now_ms`` (live use)."""
        return self._release(self.aggregator.expire(now_ms))
