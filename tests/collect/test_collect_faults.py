"""Fail-closed collection: faults injected into real clients (botocore ``before-send`` hooks,
through ``ECSGUARD_FAULTS``) against the real moto server still yield a snapshot with the rest,
precise ``errors`` entries and the partial exit code."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from collect_testlib import ECSGUARD, Run, by, run_collect

from ecsguard.cli import main
from ecsguard.collect.aws import Clients, CollectOptions
from ecsguard.collect.aws_faults import Fault, parse_faults
from ecsguard.collect.snapshot import load_snapshot
from ecsguard.config import Config
from ecsguard.errors import UsageError
from ecsguard.model import InventoryBuilder
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.sample.estate import Estate
from ecsguard.sample.estate_spec import SERVICES

PARTIAL = 3


def _errors(run: Run) -> dict[tuple[str, str, str], str]:
    return {
        (e["service"], e["operation"], e["resource"]): e["message"] for e in run.snapshot["errors"]
    }


def test_access_denied_and_throttling_leave_the_rest(estate: Estate, tmp_path: Path) -> None:
    faults = (
        "ecs:DescribeTaskDefinition@payment-api=AccessDenied;ec2:DescribeSecurityGroups=Throttling"
    )
    run = run_collect(estate.url, tmp_path, "--max-attempts", "2", faults=faults)
    assert run.code == PARTIAL
    assert "partial: 3 calls failed" in run.stderr
    assert "us-east-1 ec2:DescribeSecurityGroups x1" in run.stderr
    assert "us-east-1 ecs:DescribeTaskDefinition x2" in run.stderr
    errors = _errors(run)
    td_arn = estate.ids["td:payment-api"]
    # the family's latest revision, then the revision the service and its tasks reference
    assert set(errors) == {
        ("ecs", "DescribeTaskDefinition", "payment-api"),
        ("ecs", "DescribeTaskDefinition", td_arn),
        ("ec2", "DescribeSecurityGroups", "*"),
    }
    assert errors[("ecs", "DescribeTaskDefinition", td_arn)].startswith("AccessDeniedException:")
    throttled = errors[("ec2", "DescribeSecurityGroups", "*")]
    assert throttled.startswith("RequestLimitExceeded: throttled after 1 retries")
    for entry in run.snapshot["errors"]:
        assert entry["region"] == "us-east-1"
    families = {t["family"] for t in run.region["ecs"]["taskDefinitions"]}
    assert families == set(SERVICES) - {"payment-api"}
    assert run.region["ec2"]["securityGroups"] == []
    assert run.region["ec2"]["securityGroupRules"]  # the rest of ec2 was read
    assert len(run.region["ecs"]["services"]) == len(SERVICES)
    assert run.region["kms"]["keys"] and run.region["iam"]["roles"]


def test_a_whole_service_and_one_resource_denied(estate: Estate, tmp_path: Path) -> None:
    key_id = estate.ids["kms:payments"].rsplit("/", 1)[-1]
    faults = f"secretsmanager:*=AccessDenied;kms:DescribeKey@{key_id}=AccessDenied"
    run = run_collect(estate.url, tmp_path, faults=faults)
    assert run.code == PARTIAL
    assert set(_errors(run)) == {
        ("secretsmanager", "ListSecrets", "*"),
        ("kms", "DescribeKey", key_id),
    }
    assert run.region["secretsmanager"]["secrets"] == []
    keys = by(run.region["kms"]["keys"], "KeyId")
    assert key_id not in keys
    # every other key of the estate (moto adds aws/ebs for the encrypted host volumes)
    assert len(keys) == len(estate.c("kms").list_keys()["Keys"]) - 1
    assert len(run.region["ecs"]["clusters"]) == 3


def test_unsupported_timeouts_garbage_and_5xx_are_each_named(
    estate: Estate, tmp_path: Path
) -> None:
    faults = ";".join(
        [
            "logs:DescribeLogGroups=Unsupported",
            "efs:DescribeFileSystems=Timeout",
            "ecs:ListClusters=Truncated",
            "ec2:DescribeVpcs=Truncated",
            "elbv2:DescribeLoadBalancers=InternalError",
            "iam:GetAccountAuthorizationDetails@LocalManagedPolicy=Unavailable",
            "servicediscovery:ListNamespaces=Throttling",
            "s3:GetBucketTagging@audit-logs=AccessDenied",
            "us-west-2/ecs:*=AccessDenied",  # another region: must not fire
        ]
    )
    run = run_collect(estate.url, tmp_path, "--max-attempts", "2", faults=faults)
    assert run.code == PARTIAL
    errors = _errors(run)
    assert len(errors) == len(run.snapshot["errors"]) == 8
    unsupported = errors[("logs", "DescribeLogGroups", "*")]
    assert unsupported == "operation not supported by endpoint (HTTP 500 without an AWS error)"
    assert errors[("efs", "DescribeFileSystems", "*")].startswith("timeout:")
    assert errors[("ecs", "ListClusters", "*")] == "invalid response: no 'clusterArns' in the reply"
    assert errors[("ec2", "DescribeVpcs", "*")].startswith("invalid response (could not parse)")
    assert errors[("elbv2", "DescribeLoadBalancers", "*")].startswith(
        "InternalError: HTTP 500 from the service after 1 retries"
    )
    assert errors[("iam", "GetAccountAuthorizationDetails", "LocalManagedPolicy")].startswith(
        "ServiceUnavailable: HTTP 503"
    )
    assert errors[("servicediscovery", "ListNamespaces", "*")].startswith("ThrottlingException")
    assert errors[("s3", "GetBucketTagging", "audit-logs")].startswith("AccessDenied:")
    buckets = by(run.region["s3"]["buckets"], "Name")
    assert "Tags" not in buckets["audit-logs"]  # unknown, not "no tags"
    assert buckets["storefront-assets"]["Tags"]
    assert run.region["ecs"]["clusters"] == [] and run.region["ec2"]["vpcs"] == []
    assert run.region["iam"]["roles"]  # roles were read; only local policies are missing
    assert run.region["servicediscovery"]["services"]


def test_missing_operation_on_the_real_endpoint_is_not_retried(estate: Estate) -> None:
    """moto lacks UpdateClusterSettings and answers an HTML 500: recorded, and asked once."""
    clients = Clients(CollectOptions(endpoint_url=estate.url, max_attempts=5))
    caller = clients.caller("ecs", "us-east-1")
    settings = [{"name": "containerInsights", "value": "enabled"}]
    reply = caller.call("UpdateClusterSettings", "payments", cluster="payments", settings=settings)
    assert reply is None
    (entry,) = clients.log.entries
    assert entry["message"] == "operation not supported by endpoint (HTTP 500 without an AWS error)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fault", "nonsense"), "fault spec: cannot parse 'nonsense'"),
        (("--fault", "ecs:*=DelayX"), "Delay takes milliseconds"),
        (("--profile", "no-such-profile-xyz"), "--profile:"),
        (("-o", "/nonexistent-dir/x.json"), "not a writable directory"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["collect", "--endpoint-url", "http://127.0.0.1:9", "--regions", "us-east-1", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("ecsguard: error: ") and message in err
    assert err.strip().count("\n") == 0


def test_no_credentials_is_bad_usage(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
    )
    command = [str(ECSGUARD), "collect", "--endpoint-url", "http://127.0.0.1:9", "-o", "-"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == (
        "ecsguard: error: no AWS credentials found: use --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID\n"
    )
    assert done.stdout == ""


def test_unreachable_endpoint_is_bad_usage(tmp_path: Path) -> None:
    run = run_collect("http://127.0.0.1:9", tmp_path, "--max-attempts", "1")
    assert run.code == 2
    assert run.stderr.startswith("ecsguard: error: cannot use these credentials or this endpoint:")
    assert "connection failed" in run.stderr and run.stderr.count("\n") == 1


def test_fault_spec_grammar() -> None:
    faults = parse_faults("eu-west-1/ecs:DescribeServices@web=Throttling, *:*=Timeout;")
    assert faults == (
        Fault("eu-west-1", "ecs", "DescribeServices", "web", "Throttling"),
        Fault("*", "*", "*", "", "Timeout"),
    )
    assert faults[0].hits("eu-west-1", "ecs", "DescribeServices", '{"services": ["web"]}')
    assert not faults[0].hits("us-east-1", "ecs", "DescribeServices", "web")
    assert not faults[0].hits("eu-west-1", "ecs", "DescribeServices", "cart")
    for bad in ("ecs=AccessDenied", "ecs:ListClusters", ":X=Y"):
        with pytest.raises(UsageError):
            parse_faults(bad)


def test_a_key_policy_that_could_not_be_read_is_judged_error(
    estate: Estate, tmp_path: Path
) -> None:
    arn = estate.ids["kms:payments"]
    key_id = arn.rsplit("/", 1)[-1]
    run = run_collect(estate.url, tmp_path, faults=f"kms:GetKeyPolicy@{key_id}=AccessDenied")
    assert run.code == PARTIAL
    assert set(_errors(run)) == {("kms", "GetKeyPolicy", arn)}
    keys = by(run.region["kms"]["keys"], "KeyId")
    assert "Policy" not in keys[key_id]
    assert all("Policy" in key for kid, key in keys.items() if kid != key_id)
    builder = InventoryBuilder()
    load_snapshot(run.snapshot, "partial.json", builder)
    result = run_scan(builder.build(), Config(), RunRequest(only=("kms.key.policy_not_public",)))
    verdicts = {f.resource.id: f.status for f in result.results}
    assert verdicts.pop(arn) == "error"
    assert set(verdicts.values()) == {"pass"}
