"""Writing the snapshot: atomic replace, JSON for boto3's odd types, the partial summary."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from ecsguard.cli.collect import summary_lines, write_snapshot


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.write_text("previous")
    write_snapshot(
        {"ecsguard_snapshot": 1, "blob": b"\x00\x01", "n": Decimal("2.5")}, str(target), False
    )
    assert orjson.loads(target.read_bytes()) == {"ecsguard_snapshot": 1, "blob": "AAE=", "n": 2.5}
    with pytest.raises(TypeError):
        write_snapshot({"bad": object()}, str(target), True)
    assert orjson.loads(target.read_bytes())["ecsguard_snapshot"] == 1  # old file intact
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


def test_summary_groups_failures_and_names_resources() -> None:
    errors = [
        {
            "region": "eu-west-1",
            "service": "kms",
            "operation": "DescribeKey",
            "resource": f"k{i}",
            "message": "AccessDeniedException: no",
        }
        for i in range(5)
    ] + [
        {
            "region": "eu-west-1",
            "service": "ecs",
            "operation": "ListClusters",
            "resource": "*",
            "message": "timeout: read timed out",
        }
    ]
    snapshot = {"regions": {"eu-west-1": {"ecs": {"clusters": [{}, {}]}}}, "errors": errors}
    assert summary_lines(snapshot) == [
        "collected 2 resources in eu-west-1",
        "partial: 6 calls failed; missing:",
        "  eu-west-1 ecs:ListClusters x1: timeout: read timed out",
        "  eu-west-1 kms:DescribeKey x5 (k0, k1, k2 and 2 more): AccessDeniedException: no",
    ]
