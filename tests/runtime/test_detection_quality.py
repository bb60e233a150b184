"""Detection quality on a generated labelled stream (seed and variants unlike the rule examples)."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from ecsguard.sample.runtime.generate import stream

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "runtime"))
from eval_detection import evaluate


def test_attacks_typed_and_false_alert_rate(tmp_path: Path) -> None:
    events, labels = tmp_path / "events.jsonl", tmp_path / "labels.jsonl"
    with events.open("wb") as ev, labels.open("wb") as lab:
        for event, label in stream(25_000, 34, seed=4242):
            ev.write(orjson.dumps(event) + b"\n")
            if label:
                lab.write(orjson.dumps(label) + b"\n")
    result = evaluate(events, labels)
    assert result["typed_share"] >= 0.9, result["missed"]
    assert result["false_per_10k"] <= 1.0, result["false_examples"]
