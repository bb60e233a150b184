"""Detection quality on a labelled stream: share of attacks typed correctly, false alerts per 10k.

    python bench/runtime/eval_detection.py EVENTS.jsonl LABELS.jsonl [--intel DIR]

An attack counts as typed correctly when an alert with its expected finding type cites one of
its events. An alert is false when every event it cites is benign.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import orjson

from ecsguard.runtime import load_engine


def evaluate(events: Path, labels: Path, intel: str | None = None) -> dict[str, object]:
    label_of = {}
    expected: dict[str, str] = {}
    for line in labels.read_bytes().splitlines():
        rec = orjson.loads(line)
        label_of[rec["uid"]] = rec["scenario"]
        expected[rec["scenario"]] = rec["expected"]
    engine = load_engine(intel_dir=intel)
    alerts = []
    benign = 0
    with events.open("rb") as fh:
        for line in fh:
            event = orjson.loads(line)
            if event["metadata"]["uid"] not in label_of:
                benign += 1
            alerts.extend(engine.process(event))
    alerts.extend(engine.flush())
    found: dict[str, set[str]] = defaultdict(set)
    false_alerts = []
    for alert in alerts:
        scenarios = {label_of[u] for u in alert.event_uids if u in label_of}
        if not scenarios:
            false_alerts.append(alert)
        for s in scenarios:
            found[s].add(alert.finding_type)
    typed = [s for s in expected if expected[s] in found.get(s, set())]
    missed = {s: (expected[s], sorted(found.get(s, set()))) for s in expected if s not in typed}
    return {
        "attacks": len(expected),
        "typed_correctly": len(typed),
        "typed_share": round(len(typed) / max(1, len(expected)), 3),
        "benign_events": benign,
        "false_alerts": len(false_alerts),
        "false_per_10k": round(len(false_alerts) * 10_000 / max(1, benign), 3),
        "missed": missed,
        "false_by_rule": Counter(a.rule_id for a in false_alerts).most_common(10),
        "false_examples": [(a.rule_id, a.detail[:160]) for a in false_alerts[:5]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("events", type=Path)
    parser.add_argument("labels", type=Path)
    parser.add_argument("--intel")
    args = parser.parse_args()
    result = evaluate(args.events, args.labels, args.intel)
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
