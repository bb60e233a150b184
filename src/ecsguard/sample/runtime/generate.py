"""Generate a labelled OCSF runtime stream for the sample estate.

``python -m ecsguard.sample.runtime.generate`` rewrites the bundled demo stream;
``--events 50000 --attacks 30 -o big.jsonl --labels big.labels.jsonl`` makes an evaluation
stream. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ecsguard.sample.runtime import events_path, labels_path
from ecsguard.sample.runtime.attacks import SCENARIOS
from ecsguard.sample.runtime.benign import benign_events, startup_events
from ecsguard.sample.runtime.events import Builder
from ecsguard.sample.runtime.workloads import make_tasks

__all__ = ["generate", "main", "stream"]

_START_MS = 1_764_662_400_000  # 2025-12-02T08:00:00Z


def stream(
    total: int, attacks: int, seed: int = 7, prefix: str = "evt"
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Yield (event, label) pairs; label is None for benign events."""
    rng = random.Random(seed)
    builder = Builder(rng, prefix)
    tasks = make_tasks(rng)
    for task in tasks:
        task.time_ms = _START_MS + rng.randint(0, 5000)
    gens = [benign_events(builder, t, random.Random(rng.getrandbits(32))) for t in tasks]
    attack_at = sorted(
        rng.sample(
            range(total // 10, max(total // 10 + 1, total - 50)), min(attacks, max(1, total - 60))
        )
    )
    chosen = [SCENARIOS[i % len(SCENARIOS)] for i in range(attacks)]
    rng.shuffle(chosen)
    emitted = 0
    for task in tasks:
        for event in startup_events(builder, task):
            emitted += 1
            yield event, None
    next_attack = 0
    while emitted < total:
        if next_attack < len(attack_at) and emitted >= attack_at[next_attack]:
            scen_id, ftype, build = chosen[next_attack]
            task = rng.choice(tasks)
            for event in build(builder, task, rng):
                emitted += 1
                yield (
                    event,
                    {
                        "uid": event["metadata"]["uid"],
                        "scenario": f"{scen_id}-{next_attack}",
                        "expected": ftype,
                    },
                )
            next_attack += 1
            continue
        i = rng.randrange(len(tasks))
        emitted += 1
        yield next(gens[i]), None


def generate(
    out: Path, labels: Path | None, total: int, attacks: int, seed: int
) -> tuple[int, int]:
    n_events = n_labels = 0
    with out.open("wb") as fh, labels.open("wb") if labels else open("/dev/null", "wb") as lh:
        for event, label in stream(total, attacks, seed):
            fh.write(orjson.dumps(event) + b"\n")
            n_events += 1
            if label is not None:
                lh.write(orjson.dumps(label) + b"\n")
                n_labels += 1
    return n_events, n_labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--attacks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, default=events_path())
    parser.add_argument("--labels", type=Path, default=None)
    args = parser.parse_args(argv)
    labels = (
        args.labels if args.labels else (labels_path() if args.output == events_path() else None)
    )
    n, k = generate(args.output, labels, args.events, args.attacks, args.seed)
    print(f"wrote {n} events ({k} attack events) to {args.output}")


if __name__ == "__main__":
    main()
