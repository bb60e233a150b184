"""Every shipped check with data in some input kind fails and passes somewhere in our fixtures
(moto-built, AWS-documented API shapes, real CloudFormation and Terraform), with the exact
verdicts on the adjacent-service fixture pinned below."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.model import InputInfo, InventoryBuilder, Origin
from ecsguard.posture.registry import load_checks
from ecsguard.posture.run import RunRequest, run_scan

from .variants import ACCOUNT, requests

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [
    ROOT / "src" / "ecsguard" / "sample" / "data" / "snapshot.json.gz",
    DATA / "services_snapshot.json",
    DATA / "adjacent_snapshot.json",
    DATA / "services.cfn.yaml",
    DATA / "services.tfplan.json",
    DATA / "schedules_keys.cfn.yaml",
    DATA / "schedules_keys.tfplan.json",
    DATA / "hosts_guards.cfn.yaml",
    DATA / "hosts_guards.tfplan.json",
]


def _variants_inventory() -> Any:
    builder = InventoryBuilder()
    builder.inputs.append(InputInfo(path="variants", kind="snapshot"))
    for req in requests():
        item = copy.deepcopy(req)
        item.update(
            taskDefinitionArn=f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{req['family']}:1",
            revision=1,
            status="ACTIVE",
        )
        builder.add(
            "ecs",
            "taskDefinitions",
            item,
            source="variants",
            place=req["family"],
            region="us-east-1",
            origin=Origin(kind="snapshot", file="variants"),
        )
    builder.account_id = ACCOUNT
    return builder.build()


@pytest.fixture(scope="module")
def statuses() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    inventories = [load_inputs([str(p)]) for p in FIXTURES] + [_variants_inventory()]
    for inv in inventories:
        result = run_scan(inv, Config(), RunRequest(legacy=True))
        for finding in result.results:
            seen.setdefault(finding.check_id, set()).add(finding.status)
    return seen


@pytest.mark.parametrize("check_id", sorted(c.id for c in load_checks().values() if c.kinds))
def test_check_fails_and_passes_somewhere(statuses: dict[str, set[str]], check_id: str) -> None:
    assert {"pass", "fail"} <= statuses.get(check_id, set()), statuses.get(check_id)


ADJACENT = [
    ("0a1b", "ecs.task.no_public_ip", "fail"),
    ("0c2d", "ecs.task.no_public_ip", "pass"),
    ("legacy-role", "ecs.service.no_admin_service_role", "fail"),
    ("linked-role", "ecs.service.no_admin_service_role", "pass"),
    ("scoped-role", "ecs.service.no_admin_service_role", "pass"),
    ("linked-role", "ecs.service.load_balancer_attached", None),
    ("loose", "ecs.cluster.exec_encryption", "fail"),
    ("secure", "ecs.cluster.exec_encryption", "pass"),
    ("secure", "ecs.cluster.managed_storage_kms", "pass"),
    ("FARGATE", "ecs.capacity_provider.managed_termination_protection", None),
    ("i-bad", "ecs.container_instance.agent_connected", "fail"),
    ("i-bad", "ecs.container_instance.imds_blocked_for_tasks", "fail"),
    ("i-good", "ecs.container_instance.imds_blocked_for_tasks", "pass"),
    ("i-good", "ecs.container_instance.ebs_encrypted", "pass"),
    ("i-bad", "ecs.container_instance.ebs_encrypted", "fail"),  # the data volume
    ("12abc34d567e8fa901bc2d34e56789f0", "ecs.account.guardduty_runtime_monitoring", "pass"),
    ("34cde56f789a0bc123de4f56a78901b2", "ecs.account.guardduty_runtime_monitoring", "fail"),
    (
        "111122223333 eu-west-1 (no GuardDuty detector)",
        "ecs.account.guardduty_runtime_monitoring",
        "fail",
    ),
    ("hardened", "elbv2.load_balancer.waf", "pass"),
    ("soft", "elbv2.load_balancer.waf", "fail"),
    ("containerInsights", "ecs.account.secure_settings", "fail"),
    ("awsvpcTrunking", "ecs.account.secure_settings", None),
    ("open", "ecr.repository.not_public", "fail"),
    ("good", "ecr.repository.not_public", "pass"),
    ("vpc-bare", "ec2.vpc.ecr_endpoints", "fail"),
    ("fs-bad", "efs.file_system.not_public", "fail"),
    ("fs-good", "efs.file_system.backup", "pass"),
    ("fsap-bad", "efs.access_point.root_directory", "fail"),
    ("/ecs/forever", "logs.log_group.retention", "pass"),
    ("/ecs/forever", "logs.log_group.kms", "fail"),
    ("k2", "kms.key.not_pending_deletion", "fail"),
    ("k3", "kms.key.rotation", None),
    ("nightly-report-public", "ecs.scheduled_task.no_public_ip", "fail"),
    ("nightly-report-public", "ecs.scheduled_task.fargate_latest_platform", "fail"),
    ("hourly-report", "ecs.scheduled_task.no_public_ip", "pass"),
    ("hourly-report", "ecs.scheduled_task.fargate_latest_platform", "pass"),  # FARGATE_SPOT
    ("on-upload", "ecs.scheduled_task.no_public_ip", "pass"),
    ("on-upload", "ecs.scheduled_task.fargate_latest_platform", None),  # EC2 launch type
    ("k1", "kms.key.policy_not_public", "pass"),  # Principal * restricted by kms:CallerAccount
    ("k2", "kms.key.policy_not_public", "pass"),
    ("k3", "kms.key.policy_not_public", None),  # AWS managed
    ("k4", "kms.key.policy_not_public", "fail"),  # kms:ViaService alone does not restrict
    ("k5", "kms.key.policy_not_public", "error"),  # customer key without its collected policy
    ("soft", "elbv2.load_balancer.hardened", "fail"),
    ("open-sg", "ecs.service.no_open_ingress", "fail"),
    ("lb-only-sg", "ecs.service.no_open_ingress", "pass"),
    ("lb-only-sg", "ecs.service.service_connect_tls", "pass"),
    ("tuned:1", "ecs.task_definition.no_system_controls", "fail"),
    ("tuned:1", "ecs.task_definition.memory_hard_limit", "fail"),
    ("plain", "elbv2.target_group.encrypted", "fail"),
]


@pytest.fixture(scope="module")
def adjacent() -> dict[tuple[str, str], str]:
    result = run_scan(load_inputs([str(DATA / "adjacent_snapshot.json")]), Config(), RunRequest())
    out = {}
    for f in result.results:
        res = f.resource
        key = res.name if res.name != res.id else res.id.rsplit("/", 1)[-1]
        if res.type == "AWS::ECS::Task":
            key = res.id.rsplit("/", 1)[-1]
        out[(key, f.check_id)] = f.status
    return out


@pytest.mark.parametrize(("name", "check", "status"), ADJACENT)
def test_adjacent_verdicts(
    adjacent: dict[tuple[str, str], str], name: str, check: str, status: str | None
) -> None:
    assert adjacent.get((name, check)) == status
