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
    the snapshot it wrote (to a file, or to stdout when ``-o -`` is among ``args``)."""
    out = tmp / "snapshot.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("ECSGUARD_FAULTS", None)
    if faults:
        env["ECSGUARD_FAULTS"] = faults
    regions = () if "--regions" in args else ("--regions", "us-east-1")
    output = () if "-o" in args else ("-o", str(out))
    command = [str(ECSGUARD), "collect", "--endpoint-url", url, *output, *regions, *args]
    done = subprocess.run(command, env=env, capture_output=True, timeout=240, check=False)
    if "-o" in args and args[args.index("-o") + 1] == "-":
        snapshot = orjson.loads(done.stdout) if done.stdout else {}
    else:
        snapshot = orjson.loads(out.read_bytes()) if out.exists() else {}
    return Run(done.returncode, done.stderr.decode(), snapshot)


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


def services_of(region: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return by(region["ecs"]["services"], "serviceName")


def revisions(region: dict[str, Any], family: str) -> set[int]:
    return {t["revision"] for t in region["ecs"]["taskDefinitions"] if t["family"] == family}


def latest(region: dict[str, Any], family: str) -> dict[str, Any]:
    items = [t for t in region["ecs"]["taskDefinitions"] if t["family"] == family]
    return max(items, key=lambda t: int(t["revision"]))


def group_cidrs(region: dict[str, Any], name: str) -> set[str]:
    (group,) = [g for g in region["ec2"]["securityGroups"] if g["GroupName"] == name]
    return {r["CidrIp"] for p in group["IpPermissions"] for r in p.get("IpRanges", [])}


def check_generation(region: dict[str, Any], generation: int) -> None:
    """What each generation of the sample estate must show (default revision policy)."""
    services = services_of(region)
    api = latest(region, "payment-api")["containerDefinitions"][0]
    expected_revisions = {0: {2}, 1: {2, 3}, 2: {2, 3}, 3: {2, 3, 4}}[generation]
    # older revisions stay while tasks started from them still run
    assert revisions(region, "payment-api") == expected_revisions
    assert api["user"] == ("0" if generation in (1, 2) else "10001")
    assert ("10.0.0.0/16" in group_cidrs(region, "cards-db")) is (generation >= 1)
    assert services["receipt-mailer"]["desiredCount"] == (0 if generation >= 2 else 1)
    assert ("fraud-scoring" in services) is (generation < 2)
    assert bool(revisions(region, "fraud-scoring")) is (generation < 2)
    assert ("0.0.0.0/0" in group_cidrs(region, "admin-bastion")) is (generation < 3)
    search_tags = tag_map(services["search"].get("tags"))
    assert ("pci:chd" in search_tags) is (generation >= 3)
