"""Runs every benchmark that needs nothing outside this repository, one after another.

``make bench`` calls this. The tool comparisons (bench/posture/bench_tools.py, which needs
Checkov and Prowler in their own virtualenvs) and the agent benchmark (root + bpftrace) are
listed at the end with the command to run them; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RUNS = [
    ["model/bench_load.py"],
    ["posture/bench_scan.py"],
    ["scope/bench_scope.py"],
    ["store/bench_store.py"],
    ["runtime/bench_runtime.py"],
    ["collect/bench_collect.py"],
]
MANUAL = [
    "bench/posture/bench_tools.py --checkov PATH/TO/checkov --prowler PATH/TO/prowler --n 2000",
    "bench/agent/run.py --rates 1000,5000,20000   # as root, with bpftrace",
]


def main() -> int:
    failed = 0
    for args in RUNS:
        script = HERE / args[0]
        print(f"\n=== {script.relative_to(HERE.parent)} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *args[1:], *sys.argv[1:]])
        print(f"--- exit {code}, {time.perf_counter() - started:.1f} s", flush=True)
        failed += code != 0
    print("\nNot run here (need external tools or root):")
    for line in MANUAL:
        print(f"  {sys.executable} {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
