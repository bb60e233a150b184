"""Runs one atheris target as a subprocess with a copy of its seed corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
RUNS = int(os.environ.get("ECSGUARD_FUZZ_RUNS", "10000"))
SEEDS = {
    "snapshot": ["snapshot.json"],
    "taskdef": ["taskdef.json"],
    "cloudformation": ["template.yaml"],
    "terraform": ["plan.json"],
    "ocsf": ["events.jsonl"],
    "condition": ["condition.txt"],
}


def run_target(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SEEDS[target]:
        shutil.copy(HERE / "seeds" / name, corpus / name)
    seed = "1" if RUNS <= 10000 else str(int.from_bytes(os.urandom(3), "big"))
    proc = subprocess.run(
        [
            sys.executable,
            str(HERE / "atheris_targets.py"),
            target,
            f"-runs={RUNS}",
            f"-seed={seed}",
            "-max_len=8192",
            "-rss_limit_mb=2048",
            "-timeout=20",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = "\n".join(proc.stderr.splitlines()[-40:])
    assert proc.returncode == 0, f"{target} crashed (seed {seed}):\n{tail}"
    assert f"Done {RUNS} runs" in proc.stderr, tail
