"""Service, task-set, cluster and capacity-provider checks from a CloudFormation template and
a Terraform plan written in the real schemas (not converted from our own snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.posture.run import RunRequest, run_scan

DATA = Path(__file__).parent / "data"

# (CloudFormation logical id, Terraform address, check, status) — None = no finding
CASES = [
    ("PublicService", "aws_ecs_service.public", "ecs.service.no_public_ip", "fail"),
    (
        "OldPlatformViaStrategy",
        "aws_ecs_service.old_platform_via_strategy",
        "ecs.service.no_public_ip",
        "pass",
    ),
    (
        "OldPlatformViaStrategy",
        "aws_ecs_service.old_platform_via_strategy",
        "ecs.service.fargate_latest_platform",
        "fail",
    ),
    (
        "LatestByDefault",
        "aws_ecs_service.latest_by_default",
        "ecs.service.fargate_latest_platform",
        "pass",
    ),
    ("PublicService", "aws_ecs_service.public", "ecs.service.fargate_latest_platform", "pass"),
    (
        "OldPlatformViaStrategy",
        "aws_ecs_service.old_platform_via_strategy",
        "ecs.service.no_execute_command",
        "fail",
    ),
    ("PublicService", "aws_ecs_service.public", "ecs.service.tagged", "pass"),
    ("LatestByDefault", "aws_ecs_service.latest_by_default", "ecs.service.tagged", "fail"),
    ("InsightsOff", "aws_ecs_cluster.insights_off", "ecs.cluster.container_insights", "fail"),
    (
        "InsightsEnhanced",
        "aws_ecs_cluster.insights_enhanced",
        "ecs.cluster.container_insights",
        "pass",
    ),
    ("InsightsEnhanced", "aws_ecs_cluster.insights_enhanced", "ecs.cluster.exec_logging", "fail"),
    ("InsightsEnhanced", "aws_ecs_cluster.insights_enhanced", "ecs.cluster.tagged", "pass"),
    ("InsightsOff", "aws_ecs_cluster.insights_off", "ecs.cluster.tagged", "fail"),
    (
        "Unprotected",
        "aws_ecs_capacity_provider.unprotected",
        "ecs.capacity_provider.managed_termination_protection",
        "fail",
    ),
]


def _judge(path: Path) -> dict[tuple[str, str], Any]:
    result = run_scan(load_inputs([str(path)]), Config(), RunRequest())
    return {(f.resource.id, f.check_id): f for f in result.results}


@pytest.fixture(scope="module")
def cfn() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "services.cfn.yaml")


@pytest.fixture(scope="module")
def tf() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "services.tfplan.json")


@pytest.mark.parametrize(("logical", "address", "check", "status"), CASES)
def test_cloudformation(
    cfn: dict[tuple[str, str], Any], logical: str, address: str, check: str, status: str
) -> None:
    finding = cfn.get((logical, check))
    assert (finding.status if finding else None) == status
    assert finding is None or (finding.location and finding.location.line)


@pytest.mark.parametrize(("logical", "address", "check", "status"), CASES)
def test_terraform(
    tf: dict[tuple[str, str], Any], logical: str, address: str, check: str, status: str
) -> None:
    finding = tf.get((address, check))
    assert (finding.status if finding else None) == status


def test_terraform_task_set(tf: dict[tuple[str, str], Any]) -> None:
    found = [f for (rid, cid), f in tf.items() if cid == "ecs.task_set.no_public_ip"]
    assert [f.status for f in found] == ["fail"]


def test_cloudformation_task_set(cfn: dict[tuple[str, str], Any]) -> None:
    found = [f for (rid, cid), f in cfn.items() if cid == "ecs.task_set.no_public_ip"]
    assert [f.status for f in found] == ["fail"]
