"""Every shipped rule's ``fires:`` examples alert with its finding type; ``quiet:`` ones do not."""

from __future__ import annotations

from typing import Any

import pytest

from ecsguard.runtime import Engine, load_engine, load_ruleset
from ecsguard.runtime.examples import example_sequences

RULESET = load_ruleset()
RULES = [r for r in RULESET.rules if r.enabled]
ENGINE: Engine = load_engine(window_ms=0)


def _replay(sequence: list[dict[str, Any]]) -> list[Any]:
    engine = ENGINE
    engine.reset()
    alerts = []
    for event in sequence[:-1]:
        engine.process(event)
    alerts.extend(engine.process(sequence[-1]))
    alerts.extend(engine.flush())
    return alerts


def test_shipped_rules_load_cleanly() -> None:
    engine = load_engine()
    assert engine.problems == []
    assert engine.program.warnings == []
    assert len(engine.rules) == len(RULES)


def test_rule_ids_are_unique_and_typed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.finding_type, rule.name
        assert rule.fires and rule.quiet, f"{rule.id} needs fires: and quiet: examples"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_fires_examples_alert(rule: Any) -> None:
    for i, seq in enumerate(example_sequences(rule.fires)):
        alerts = _replay(seq)
        mine = [a for a in alerts if a.rule_id == rule.id]
        assert mine, f"{rule.id} fires[{i}] did not alert; got {[a.rule_id for a in alerts]}"
        assert mine[0].finding_type == rule.finding_type
        assert mine[0].resource.get("task_arn"), "ECS context must be filled"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_quiet_examples_do_not_alert(rule: Any) -> None:
    for i, seq in enumerate(example_sequences(rule.quiet)):
        alerts = _replay(seq)
        assert not alerts, (
            f"{rule.id} quiet[{i}] alerted: {[(a.rule_id, a.detail) for a in alerts]}"
        )
