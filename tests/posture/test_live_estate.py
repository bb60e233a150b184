"""Services, task sets, clusters, capacity providers and the adjacent services, built in a
moto server, collected with the real collector, and judged: exact Security Hub verdicts."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from ecsguard.collect import aws
from ecsguard.collect.snapshot import load_snapshot
from ecsguard.config import Config
from ecsguard.model import InventoryBuilder
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.testing import client

PUBLIC_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "AnyoneDecrypts",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": "*",
        },
    ],
}


def _build(url: str) -> None:
    ecs: Any = client(url, "ecs")
    ec2: Any = client(url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="tasks", Description="d", VpcId=vpc)["GroupId"]
    open_sg = ec2.create_security_group(GroupName="open", Description="d", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=open_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    owner = [{"key": "owner", "value": "platform"}]
    ecs.create_cluster(
        clusterName="insights-enhanced",
        settings=[{"name": "containerInsights", "value": "enhanced"}],
        tags=owner,
    )
    ecs.create_cluster(
        clusterName="insights-enabled",
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=owner,
    )
    ecs.create_cluster(clusterName="insights-off")
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[{"name": "a", "image": "x"}],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
    )

    def service(name: str, public: str, sgs: list[str], **extra: Any) -> None:
        ecs.create_service(
            cluster="insights-enhanced",
            serviceName=name,
            taskDefinition="web",
            desiredCount=0,
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [sub],
                    "securityGroups": sgs,
                    "assignPublicIp": public,
                }
            },
            **extra,
        )

    service("public", "ENABLED", [sg], launchType="FARGATE", tags=owner)
    service(
        "fargate-old", "DISABLED", [sg], launchType="FARGATE", platformVersion="1.3.0", tags=owner
    )
    service(
        "fargate-140", "DISABLED", [sg], launchType="FARGATE", platformVersion="1.4.0", tags=owner
    )
    service("fargate-latest", "DISABLED", [open_sg], launchType="FARGATE", platformVersion="LATEST")
    service("ec2-old", "DISABLED", [sg], launchType="EC2", platformVersion="1.3.0", tags=owner)
    service(
        "blue-green",
        "DISABLED",
        [sg],
        launchType="FARGATE",
        deploymentController={"type": "EXTERNAL"},
        tags=owner,
    )
    for public in ("ENABLED", "DISABLED"):
        ecs.create_task_set(
            cluster="insights-enhanced",
            service="blue-green",
            taskDefinition="web",
            externalId=public,
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [sub],
                    "securityGroups": [sg],
                    "assignPublicIp": public,
                }
            },
        )
    asg: Any = client(url, "autoscaling")
    ec2.create_launch_template(
        LaunchTemplateName="ecs-lt",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
    )
    for name in ("asg-a", "asg-b"):
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": "ecs-lt"},
            MinSize=0,
            MaxSize=1,
            VPCZoneIdentifier=sub,
            NewInstancesProtectedFromScaleIn=True,
        )
    arn = {
        g["AutoScalingGroupName"]: g["AutoScalingGroupARN"]
        for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]
    }
    ecs.create_capacity_provider(
        name="cp-protected",
        autoScalingGroupProvider={
            "autoScalingGroupArn": arn["asg-a"],
            "managedScaling": {"status": "ENABLED"},
            "managedTerminationProtection": "ENABLED",
        },
    )
    ecs.create_capacity_provider(
        name="cp-unprotected",
        autoScalingGroupProvider={
            "autoScalingGroupArn": arn["asg-b"],
            "managedTerminationProtection": "DISABLED",
        },
    )
    ecs.put_cluster_capacity_providers(
        cluster="insights-enabled",
        capacityProviders=["cp-protected", "cp-unprotected"],
        defaultCapacityProviderStrategy=[],
    )
    ecr: Any = client(url, "ecr")
    ecr.create_repository(
        repositoryName="good",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    ecr.create_repository(repositoryName="bad")
    logs: Any = client(url, "logs")
    logs.create_log_group(logGroupName="/ecs/short")
    logs.put_retention_policy(logGroupName="/ecs/short", retentionInDays=30)
    logs.create_log_group(logGroupName="/ecs/year")
    logs.put_retention_policy(logGroupName="/ecs/year", retentionInDays=365)
    kms: Any = client(url, "kms")
    rotated = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=rotated)
    kms.create_key(Description="static")
    public = kms.create_key(Description="public")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=public)
    account = kms.describe_key(KeyId=public)["KeyMetadata"]["AWSAccountId"]
    kms.put_key_policy(KeyId=public, PolicyName="default", Policy=json.dumps(PUBLIC_KEY_POLICY))
    restricted = kms.create_key(Description="restricted")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=restricted)
    condition = {"StringEquals": {"kms:CallerAccount": account}}
    statement = {**PUBLIC_KEY_POLICY["Statement"][1], "Condition": condition}
    policy = {**PUBLIC_KEY_POLICY, "Statement": [PUBLIC_KEY_POLICY["Statement"][0], statement]}
    kms.put_key_policy(KeyId=restricted, PolicyName="default", Policy=json.dumps(policy))


@pytest.fixture(scope="module")
def judged(moto_url: str) -> dict[tuple[str, str], Any]:
    from ecsguard.testing import reset_moto

    reset_moto(moto_url)
    _build(moto_url)
    snapshot = aws.collect(aws.CollectOptions(regions=("us-east-1",), endpoint_url=moto_url))
    assert not [e for e in snapshot["errors"] if e["service"] == "ecs"], snapshot["errors"]
    snapshot = orjson.loads(orjson.dumps(snapshot, default=str))  # as written to a file
    builder = InventoryBuilder()
    load_snapshot(snapshot, "live", builder)
    result = run_scan(builder.build(), Config(), RunRequest())
    return {(f.resource.name, f.check_id): f for f in result.results}


def _status(judged: dict[tuple[str, str], Any], name: str, check: str) -> str | None:
    for (res, cid), finding in judged.items():
        if cid == check and (res == name or res.endswith("/" + name) or res.endswith(name)):
            return str(finding.status)
    return None


@pytest.mark.parametrize(
    ("name", "check", "status"),
    [
        ("public", "ecs.service.no_public_ip", "fail"),
        ("fargate-old", "ecs.service.no_public_ip", "pass"),
        ("fargate-old", "ecs.service.fargate_latest_platform", "fail"),
        ("fargate-140", "ecs.service.fargate_latest_platform", "pass"),
        ("fargate-latest", "ecs.service.fargate_latest_platform", "pass"),
        ("public", "ecs.service.fargate_latest_platform", "pass"),
        ("ec2-old", "ecs.service.fargate_latest_platform", None),
        ("fargate-latest", "ecs.service.tagged", "fail"),
        ("public", "ecs.service.tagged", "pass"),
        ("fargate-latest", "ecs.service.no_open_ingress", "fail"),
        ("public", "ecs.service.no_open_ingress", "pass"),
        ("insights-enhanced", "ecs.cluster.container_insights", "pass"),
        ("insights-enabled", "ecs.cluster.container_insights", "pass"),
        ("insights-off", "ecs.cluster.container_insights", "fail"),
        ("insights-off", "ecs.cluster.tagged", "fail"),
        ("insights-enabled", "ecs.cluster.tagged", "pass"),
        ("cp-protected", "ecs.capacity_provider.managed_termination_protection", "pass"),
        ("cp-unprotected", "ecs.capacity_provider.managed_termination_protection", "fail"),
        ("good", "ecr.repository.scan_on_push", "pass"),
        ("bad", "ecr.repository.scan_on_push", "fail"),
        ("good", "ecr.repository.tag_immutability", "pass"),
        ("bad", "ecr.repository.tag_immutability", "fail"),
        ("/ecs/short", "logs.log_group.retention", "fail"),
        ("/ecs/year", "logs.log_group.retention", "pass"),
    ],
)
def test_verdict(
    judged: dict[tuple[str, str], Any], name: str, check: str, status: str | None
) -> None:
    assert _status(judged, name, check) == status


def test_task_sets_judged_each(judged: dict[tuple[str, str], Any]) -> None:
    statuses = sorted(
        f.status for (_, cid), f in judged.items() if cid == "ecs.task_set.no_public_ip"
    )
    assert statuses == ["fail", "pass"]
    failing = next(
        f
        for (_, cid), f in judged.items()
        if cid == "ecs.task_set.no_public_ip" and f.status == "fail"
    )
    assert failing.resource.type == "AWS::ECS::TaskSet" and ":task-set/" in failing.resource.id


def test_kms_rotation(judged: dict[tuple[str, str], Any]) -> None:
    statuses = sorted(f.status for (_, cid), f in judged.items() if cid == "kms.key.rotation")
    assert statuses == ["fail", "pass", "pass", "pass"]


def test_kms_key_policy_public(judged: dict[tuple[str, str], Any]) -> None:
    found = [f for (_, cid), f in judged.items() if cid == "kms.key.policy_not_public"]
    assert sorted(f.status for f in found) == ["fail", "pass", "pass", "pass"]
    (failing,) = [f for f in found if f.status == "fail"]
    assert failing.evidence is not None and failing.evidence.value == ["AnyoneDecrypts"]


def test_scan_live(judged: dict[tuple[str, str], Any], moto_url: str, tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "live.json"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecsguard",
            "scan",
            "--live",
            "--endpoint-url",
            moto_url,
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "-o",
            str(out),
            "--check",
            "ecs.service.no_public_ip",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["inputs"] == ["live"]
    failing = {r["resource"]["name"] for r in doc["results"] if r["status"] == "fail"}
    assert failing == {"public"}
