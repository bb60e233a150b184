"""KMS key policies and EventBridge-scheduled ECS tasks from a CloudFormation template and a
Terraform plan written in the real schemas (``data/schedules_keys.*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecsguard.collect.load import load_inputs

from .iac import judge_files

DATA = Path(__file__).parent / "data"

# (resource id, check, status) — None = no finding
CFN = [
    ("PublicKey", "kms.key.policy_not_public", "fail"),
    ("OrgKey", "kms.key.policy_not_public", "pass"),
    ("DefaultPolicyKey", "kms.key.policy_not_public", "pass"),
    ("ImportedPrincipalKey", "kms.key.policy_not_public", "error"),
    ("NightlyPublic", "ecs.scheduled_task.no_public_ip", "fail"),
    ("NightlyPublic", "ecs.scheduled_task.fargate_latest_platform", "fail"),
    ("HourlyPrivate", "ecs.scheduled_task.no_public_ip", "pass"),
    ("HourlyPrivate", "ecs.scheduled_task.fargate_latest_platform", "pass"),
    ("OnUploadEc2", "ecs.scheduled_task.no_public_ip", "pass"),
    ("OnUploadEc2", "ecs.scheduled_task.fargate_latest_platform", None),
    ("UndecidedSchedule", "ecs.scheduled_task.no_public_ip", "error"),
    ("UndecidedSchedule", "ecs.scheduled_task.fargate_latest_platform", "pass"),
    ("NotEcs", "ecs.scheduled_task.no_public_ip", None),
]
TF = [
    ("aws_kms_key.public", "kms.key.policy_not_public", "fail"),
    ("aws_kms_key.caller_account", "kms.key.policy_not_public", "pass"),
    ("aws_kms_key.default_policy", "kms.key.policy_not_public", "pass"),
    ("aws_kms_key.separate", "kms.key.policy_not_public", "fail"),  # aws_kms_key_policy
    ("aws_kms_key.computed_policy", "kms.key.policy_not_public", "error"),
    ("aws_cloudwatch_event_rule.nightly", "ecs.scheduled_task.no_public_ip", "fail"),
    ("aws_cloudwatch_event_rule.nightly", "ecs.scheduled_task.fargate_latest_platform", "fail"),
    ("aws_cloudwatch_event_rule.hourly", "ecs.scheduled_task.no_public_ip", "pass"),
    ("aws_cloudwatch_event_rule.hourly", "ecs.scheduled_task.fargate_latest_platform", "pass"),
    ("aws_cloudwatch_event_rule.on_upload", "ecs.scheduled_task.no_public_ip", "pass"),
    ("aws_cloudwatch_event_rule.on_upload", "ecs.scheduled_task.fargate_latest_platform", None),
    ("aws_cloudwatch_event_rule.undecided", "ecs.scheduled_task.no_public_ip", "error"),
    ("aws_cloudwatch_event_rule.tick", "ecs.scheduled_task.no_public_ip", None),
]


def test_targets_keep_the_api_shape(tf: dict[tuple[str, str], Any]) -> None:
    """A Terraform ecs_target and a CloudFormation EcsParameters become the same
    ListTargetsByRule item."""
    tf_rule = load_inputs([str(DATA / "schedules_keys.tfplan.json")]).find(
        "event_rules", "nightly-report-public"
    )
    cfn_rule = load_inputs([str(DATA / "schedules_keys.cfn.yaml")]).find(
        "event_rules", "nightly-report-public"
    )
    assert tf_rule is not None and cfn_rule is not None
    for rule in (tf_rule, cfn_rule):
        (target,) = rule.targets
        ecs = target.ecs_parameters
        assert ecs is not None and ecs.awsvpc is not None
        assert (ecs.launch_type, ecs.platform_version) == ("FARGATE", "1.3.0")
        assert ecs.awsvpc.assign_public_ip == "ENABLED"
        assert ecs.tags == ({"Key": "owner", "Value": "reports"},)
        assert rule.schedule_expression == "cron(0 3 * * ? *)"


def _judge(path: Path) -> dict[tuple[str, str], Any]:
    return judge_files(path)


@pytest.fixture(scope="module")
def cfn() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "schedules_keys.cfn.yaml")


@pytest.fixture(scope="module")
def tf() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "schedules_keys.tfplan.json")


@pytest.mark.parametrize(("rid", "check", "status"), CFN)
def test_cloudformation(
    cfn: dict[tuple[str, str], Any], rid: str, check: str, status: str | None
) -> None:
    finding = cfn.get((rid, check))
    assert (finding.status if finding else None) == status
    assert finding is None or (finding.location and finding.location.line)


@pytest.mark.parametrize(("rid", "check", "status"), TF)
def test_terraform(
    tf: dict[tuple[str, str], Any], rid: str, check: str, status: str | None
) -> None:
    finding = tf.get((rid, check))
    assert (finding.status if finding else None) == status
