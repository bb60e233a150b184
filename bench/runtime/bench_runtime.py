"""Runtime engine throughput on one core: JSON parsing alone vs the full engine, same run.

    python bench/runtime/bench_runtime.py [--events 1000000] [--file PATH] [--no-memo]

The stream is the sample estate's realistic mix (file opens > connects > DNS > process launches,
~30 attacks) generated once and cached. Both passes read the same file line by line; the
engine pass runs every shipped rule plus threat-intel and DGA checks and aggregation. RSS is
sampled at 25/50/75/100 % of the stream to show memory stays flat.

``--no-memo`` turns off the engine's per-value memos (which substring literals a field value
contains), so every event pays for its scans: a stream far less repetitive than the sample's.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psutil

from ecsguard.runtime import MONITOR_GC_THRESHOLD, field_helpers, load_engine, program
from ecsguard.sample.runtime.generate import generate


def _ensure(path: Path, events: int) -> None:
    if path.exists() and path.stat().st_size > 0:
        return
    print(f"generating {events} events into {path} ...", flush=True)
    generate(path, None, events, 30, seed=2026)


def _pass(path: Path, per_line: Callable[[bytes], object], total: int) -> tuple[float, list[int]]:
    proc = psutil.Process()
    marks = {total * q // 4 for q in (1, 2, 3)}
    rss: list[int] = []
    gc.collect()
    start = time.process_time()
    n = 0
    with path.open("rb", buffering=1 << 20) as fh:
        for line in fh:
            per_line(line)
            n += 1
            if n in marks:
                rss.append(proc.memory_info().rss)
    elapsed = time.process_time() - start  # CPU time: one core, immune to other load
    rss.append(proc.memory_info().rss)
    return n / elapsed, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, default=None)
    parser.add_argument("--no-memo", action="store_true", help="remember no field value")
    args = parser.parse_args()
    if args.no_memo:
        program._MEMO_LEN = field_helpers.MEMO_LEN = -1  # nothing is ever stored
    path = (
        args.file
        or Path(os.environ.get("TMPDIR", "/tmp")) / f"ecsguard-bench-runtime-{args.events}.jsonl"
    )
    _ensure(path, args.events)
    # Streams allocate many short-lived, acyclic dicts; both passes run with the same collector
    # settings the monitor uses (a large generation-0 threshold), so the comparison stays fair.
    gc.set_threshold(*MONITOR_GC_THRESHOLD)
    loads = orjson.loads
    parse_rate, _ = _pass(path, loads, args.events)
    engine = load_engine()
    gc.freeze()  # compiled rules and tables are long-lived: keep them out of every collection
    engine_rate, rss = _pass(path, engine.process_line, args.events)
    engine.flush()
    alerts = engine.stats.alerts
    ratio = engine_rate / parse_rate
    mib = [r / 2**20 for r in rss]
    print(
        f"events: {args.events:,} ({path.stat().st_size / args.events:.0f} bytes/event), rules: {len(engine.rules)}, alerts: {alerts}"
    )
    print("| pass | events/s |")
    print("| --- | ---: |")
    print(f"| JSON parsing alone (orjson.loads) | {parse_rate:,.0f} |")
    print(f"| full engine (parse + all default rules + intel + aggregation) | {engine_rate:,.0f} |")
    print(f"| ratio engine / parse | {ratio:.2f} |")
    print("RSS MiB at 25/50/75/100 %: " + " / ".join(f"{m:.0f}" for m in mib))
    if args.no_memo:
        print("(value memos off)")


if __name__ == "__main__":
    main()
