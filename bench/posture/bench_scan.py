"""Benchmark: the full posture catalogue over a 10,000-task-definition snapshot.

Every task definition is its own family (the worst case: all 10,000 are "latest"). Prints,
from one run: JSON parse alone (baseline), load into the Inventory, the engine, JSON output,
the end-to-end total and peak RSS; target < 3 s and < 1 GiB end to end.
Run: ``.venv/bin/python bench/posture/bench_scan.py [N]``.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))

from estate import snapshot, task_definitions

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.posture.jsonout import render_json_bytes
from ecsguard.posture.run import RunRequest, run_scan


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_bytes(orjson.dumps(snapshot(task_definitions(n))))
        size = path.stat().st_size
        t0 = time.perf_counter()
        orjson.loads(path.read_bytes())
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        inv = load_inputs([str(path)])
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = run_scan(inv, Config(), RunRequest())
        t_scan = time.perf_counter() - t0
        t0 = time.perf_counter()
        text = render_json_bytes(result)
        t_json = time.perf_counter() - t0
    total = t_load + t_scan + t_json
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"task definitions: {n} ({size / 2**20:.1f} MiB snapshot), findings: {len(result.results)}"
    )
    print(f"json parse only (baseline): {t_parse:.2f} s")
    print(f"load into inventory:        {t_load:.2f} s")
    print(f"posture engine:             {t_scan:.2f} s")
    print(f"json output ({len(text) / 2**20:.0f} MiB):       {t_json:.2f} s")
    print(
        f"end to end:                 {total:.2f} s  ({total / t_parse:.1f}x the bare JSON parse)"
    )
    print(f"peak RSS:                   {peak:.0f} MiB")
    print("target: < 3 s and < 1024 MiB:", "MET" if total < 3 and peak < 1024 else "NOT MET")


if __name__ == "__main__":
    main()
