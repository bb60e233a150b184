"""``ecsguard demo`` end to end: it runs on the bundled estate and prints input text as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_and_prints_process_names_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("report.html", "scope.html", "findings.sarif", "alerts.jsonl", "findings.json"):
        assert (out / name).stat().st_size > 0
    # the sample miner hides as "[kworker/u8:2]": rich must not take it for a style tag
    assert "/tmp/[kworker/u8:2] -o stratum" in proc.stdout
    assert "\x1b]" not in proc.stdout
