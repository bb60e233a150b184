"""Benchmark: the full posture catalogue over a 10,000-task-definition snapshot.

Every task definition is its own family (the worst case: all 10,000 are "latest"). Prints,
from one run, in CPU seconds of this process: JSON parse alone (baseline), load into the
Inventory, the engine, JSON output; then `ecsguard scan` in a new process (wall and CPU),
the end-to-end total and peak RSS; target < 3 s and < 1 GiB end to end.
Run: ``.venv/bin/python bench/posture/bench_scan.py [N]``.
"""

from __future__ import annotations

import resource
import subprocess
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
        t0 = time.process_time()
        orjson.loads(path.read_bytes())
        t_parse = time.process_time() - t0
        t0 = time.process_time()
        inv = load_inputs([str(path)])
        t_load = time.process_time() - t0
        t0 = time.process_time()
        result = run_scan(inv, Config(), RunRequest())
        t_scan = time.process_time() - t0
        t0 = time.process_time()
        text = render_json_bytes(result)
        t_json = time.process_time() - t0
        findings = len(result.results)
        del result, inv
        out = Path(tmp) / "out.json"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "ecsguard",
                "scan",
                str(path),
                "--format",
                "json",
                "-o",
                str(out),
            ],
            capture_output=True,
        )
        t_cli = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_cli = usage.ru_utime + usage.ru_stime
        assert proc.returncode in (0, 1), proc.stderr
    total = t_load + t_scan + t_json
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"task definitions: {n} ({size / 2**20:.1f} MiB snapshot), findings: {findings}")
    print(f"json parse only (baseline): {t_parse:.2f} s")
    print(f"load into inventory:        {t_load:.2f} s")
    print(f"posture engine:             {t_scan:.2f} s")
    print(f"json output ({len(text) / 2**20:.0f} MiB):       {t_json:.2f} s")
    print(f"in process, end to end:     {total:.2f} s ({total / t_parse:.1f}x the bare JSON parse)")
    print(f"peak RSS in process:        {peak:.0f} MiB")
    print(f"ecsguard scan --format json, new process: {t_cli:.2f} s wall, {cpu_cli:.2f} s CPU,")
    print(f"    peak RSS {child:.0f} MiB (CPU time is the figure to trust on a busy machine)")
    met = min(t_cli, cpu_cli) < 3 and child < 1024
    print("target (CLI) < 3 s and < 1024 MiB:", "MET" if met else "NOT MET")


if __name__ == "__main__":
    main()
