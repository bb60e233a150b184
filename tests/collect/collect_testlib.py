"""Helpers for the collector tests: run ``ecsguard collect`` as a real subprocess, index items."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

ECSGUARD = Path(sys.executable).parent / "ecsguard"


@dataclass
class Run:
    code: int
    stderr: str
    snapshot: dict[str, Any]

    @property
    def region(self) -> dict[str, Any]:
        region: dict[str, Any] = self.snapshot["regions"]["us-east-1"]
        return region


def run_collect(url: str, tmp: Path, *args: str, faults: str = "") -> Run:
    """``ecsguard collect --endpoint-url URL`` as a subprocess; returns exit code, stderr and
    the snapshot it wrote."""
    out = tmp / "snapshot.json"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("ECSGUARD_FAULTS", None)
    if faults:
        env["ECSGUARD_FAULTS"] = faults
    regions = () if "--regions" in args else ("--regions", "us-east-1")
    command = [str(ECSGUARD), "collect", "--endpoint-url", url, "-o", str(out), *regions, *args]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    snapshot = orjson.loads(out.read_bytes()) if out.exists() else {}
    return Run(done.returncode, done.stderr, snapshot)


def by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Index API items by one of their keys."""
    return {item[key]: item for item in items}


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """ECS (key/value), EC2-style (Key/Value) or KMS (TagKey/TagValue) tag lists as a dict."""
    out = {}
    for tag in tags or []:
        key = tag.get("key", tag.get("Key", tag.get("TagKey", "")))
        out[key] = tag.get("value", tag.get("Value", tag.get("TagValue", "")))
    return out
