"""KMS key policies and EventBridge-scheduled ECS tasks from a CloudFormation template and a
Terraform plan written in the real schemas (``data/schedules_keys.*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.posture.run import RunRequest, run_scan

DATA = Path(__file__).parent / "data"

# (resource id, check, status) — None = no finding
CFN = [
    ("PublicKey", "kms.key.policy_not_public", "fail"),
    ("OrgKey", "kms.key.policy_not_public", "pass"),
    ("DefaultPolicyKey", "kms.key.policy_not_public", "pass"),
    ("ImportedPrincipalKey", "kms.key.policy_not_public", "error"),
]
TF = [
    ("aws_kms_key.public", "kms.key.policy_not_public", "fail"),
    ("aws_kms_key.caller_account", "kms.key.policy_not_public", "pass"),
    ("aws_kms_key.default_policy", "kms.key.policy_not_public", "pass"),
    ("aws_kms_key.separate", "kms.key.policy_not_public", "fail"),  # aws_kms_key_policy
    ("aws_kms_key.computed_policy", "kms.key.policy_not_public", "error"),
]


def _judge(path: Path) -> dict[tuple[str, str], Any]:
    result = run_scan(load_inputs([str(path)]), Config(), RunRequest())
    return {(f.resource.id, f.check_id): f for f in result.results}


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
