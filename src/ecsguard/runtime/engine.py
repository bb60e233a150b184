"""The detection engine: OCSF events in, alerts out (DESIGN §3.5).

Per event: dispatch by ``class_uid``, feed the process tree / drift state, ask the class gate
which rules can match, run only those, then the detectors (threat intel, baselines, YARA), then
aggregate. Hostile input (wrong types) never raises out of ``process``; it is counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecsguard.runtime.aggregate import Aggregator
from ecsguard.runtime.alerts import Alert, Detection
from ecsguard.runtime.fields import accessor, helper_namespace
from ecsguard.runtime.program import CompiledRule, Program
from ecsguard.runtime.state import RuntimeState

__all__ = ["Detector", "Engine", "EngineStats"]

_E: dict[str, Any] = {}
_PROCESS = 1007
_SEVERITY_UP = {"info": "low", "low": "medium", "medium": "high", "high": "critical", "critical": "critical"}
_OUTPUT_FIELD = re.compile(r"%([A-Za-z0-9_.]+(?:\[[^\]]*\])?)")
_HARMLESS = (TypeError, AttributeError, ValueError, KeyError, IndexError)


class Detector(Protocol):
    """A non-rule detector (threat intel, baseline, YARA): one event in, detections out."""

    def check(self, event: dict[str, Any], cls: int) -> list[Detection]: ...


class ScopeLike(Protocol):
    def category(self, resource: dict[str, Any]) -> str | None: ...


@dataclass(slots=True)
class EngineStats:
    events: int = 0
    unknown_class: int = 0
    type_errors: int = 0
    matches: int = 0
    alerts: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else _E


def _subject(e: dict[str, Any], cls: int) -> dict[str, Any]:
    return _dict(e.get("process")) if cls == _PROCESS else _dict(_dict(e.get("actor")).get("process"))


def resource_of(e: dict[str, Any]) -> dict[str, Any]:
    """ECS context of an event: cluster, task, container, image (only what the event carried)."""
    ecs = _dict(_dict(e.get("unmapped")).get("ecs"))
    container = _dict(e.get("container"))
    image = _dict(container.get("image"))
    out: dict[str, Any] = {
        "cluster": ecs.get("cluster"), "task_arn": ecs.get("task_arn"),
        "container": ecs.get("container_name") or container.get("name"),
        "image": (f"{image.get('name')}:{image['tag']}" if image.get("tag") else image.get("name")),
        "container_id": container.get("uid"), "family": ecs.get("family"), "revision": ecs.get("revision"),
        "service": ecs.get("service"),
    }
    return {k: v for k, v in out.items() if v is not None}


class Engine:
    """Compiled rules plus detectors; ``process`` one event, ``flush`` at the end of a stream."""

    def __init__(self, program: Program, state: RuntimeState, detectors: list[Detector] | None = None,
                 scope: ScopeLike | None = None, window_ms: int = 60_000,
                 problems: list[Any] | None = None) -> None:
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

    @property
    def rules(self) -> list[CompiledRule]:
        return self.program.rules

    def process(self, e: dict[str, Any]) -> list[Alert]:
        """Alerts released by this event (aggregation may release earlier groups)."""
        stats = self.stats
        stats.events += 1
        cls = e.get("class_uid")
        prog = self._classes.get(cls) if isinstance(cls, int) else None
        if prog is None:
            stats.unknown_class += 1
            return []
        t = e.get("time")
        if t.__class__ is int and t > self._now:
            self._now = t
        try:
            self.state.observe(e, cls)
            cands = prog.gate(e)
        except _HARMLESS:
            stats.type_errors += 1
            cands = tuple(r.index for r in prog.rules if cls in r.fns)
        hits: list[Detection] | None = None
        if cands:
            hits = self._run_rules(e, cls, prog.rules, cands)
        for detector in self.detectors:
            try:
                found = detector.check(e, cls)
            except _HARMLESS:
                stats.type_errors += 1
                continue
            if found:
                hits = (hits or []) + found
        if hits:
            return self._emit(e, cls, hits)
        if self.aggregator.groups:
            return self._release(self.aggregator.expire(self._now))
        return []

    def _run_rules(self, e: dict[str, Any], cls: int, rules: list[CompiledRule],
                   cands: tuple[int, ...]) -> list[Detection] | None:
        hits: list[Detection] | None = None
        for idx in (cands if len(cands) == 1 else sorted(set(cands))):
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
                hits.append(self._rule_detection(compiled, e, cls))
        return hits

    def _rule_detection(self, compiled: CompiledRule, e: dict[str, Any], cls: int) -> Detection:
        rule = compiled.rule
        return Detection(rule.id, rule.finding_type or "Unmapped:Runtime/FalcoRule", rule.severity,
                         rule.name, self._render_output(compiled, e, cls) or rule.desc, list(rule.mitre),
                         "rule", {}, list(rule.tags))

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
            parts.append(repr(text[pos:match.start()]))
            expr = accessor(match.group(1), cls)
            parts.append(f"str({expr})" if expr else repr("<NA>"))
            pos = match.end()
        parts.append(repr(text[pos:]))
        namespace = helper_namespace(self.state)
        fn: Callable[[dict[str, Any]], str] = eval(f"lambda e: {' + '.join(parts)}", namespace)  # noqa: S307
        return fn

    def _emit(self, e: dict[str, Any], cls: int, hits: list[Detection]) -> list[Alert]:
        resource = resource_of(e)
        subject = _subject(e, cls)
        try:
            ancestors = self.state.ancestor_names(e)
        except _HARMLESS:
            ancestors = []
        process = {"name": subject.get("name"), "cmdline": subject.get("cmd_line"),
                   "pid": subject.get("pid"), "exe": _dict(subject.get("file")).get("path"),
                   "ancestors": ancestors}
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
            key = (det.rule_id, str(resource.get("task_arn") or resource.get("container_id") or ""),
                   str(process["exe"] or process["name"]), "/".join(map(str, ancestors[:2])))
            out.extend(self.aggregator.add(key, alert))
        out.extend(self.aggregator.expire(self._now))
        return self._release(out)

    def _alert(self, det: Detection, e: dict[str, Any], resource: dict[str, Any],
               process: dict[str, Any], category: str | None, uid: Any) -> Alert:
        severity = det.severity
        tags = list(det.tags)
        if category:
            tags.append(f"pci:{category}")
            if category == "cde":
                severity = _SEVERITY_UP.get(severity, severity)
        t = e.get("time")
        time_ms = t if isinstance(t, int) and not isinstance(t, bool) else self._now
        return Alert(rule_id=det.rule_id, finding_type=det.finding_type, severity=severity,
                     title=det.title, detail=det.detail, time_ms=time_ms,
                     event_uids=[str(uid)] if uid is not None else [], resource=dict(resource),
                     process=dict(process), mitre=list(det.mitre), tags=tags, source=det.source,
                     evidence=dict(det.evidence), pci_category=category,
                     hostname=_dict(e.get("device")).get("hostname"))

    def _release(self, alerts: list[Alert]) -> list[Alert]:
        self.stats.alerts += len(alerts)
        return alerts

    def reset(self) -> None:
        """Forget all stream state (process tree, drift, held alerts, stats); rules stay compiled."""
        self.state.procs.clear()
        self.state.written.clear()
        self.aggregator.groups.clear()
        self.stats = EngineStats()
        self._now = 0

    def flush(self) -> list[Alert]:
        """Release every held alert (end of stream, or periodically from a live agent)."""
        return self._release(self.aggregator.flush())

    def tick(self, now_ms: int) -> list[Alert]:
        """Release alerts whose window closed by wall-clock ``now_ms`` (live use)."""
        return self._release(self.aggregator.expire(now_ms))
