"""Container-instance EBS volumes, GuardDuty detectors and WAF associations: set up in the real
moto server next to the sample estate, collected by ``ecsguard collect`` (a subprocess) and
judged; calls that fail (injected faults) make the affected resources errors, never passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from collect_testlib import Run, by, run_collect

from ecsguard.collect.snapshot import load_snapshot
from ecsguard.config import Config
from ecsguard.model import InventoryBuilder
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.sample.estate import Estate
from ecsguard.testing import client

PARTIAL = 3
ACCOUNT = "123456789012"
EBS = "ecs.container_instance.ebs_encrypted"
GD = "ecs.account.guardduty_runtime_monitoring"
WAF = "elbv2.load_balancer.waf"
VISIBILITY = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}


@pytest.fixture(scope="module")
def guarded(estate: Estate) -> Estate:
    ec2: Any = client(estate.url, "ec2")
    ecs: Any = client(estate.url, "ecs")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "Encrypted": True}}
        ],
    )["Instances"][0]
    document = {
        "instanceId": instance["InstanceId"],
        "region": "us-east-1",
        "accountId": ACCOUNT,
        "availabilityZone": instance["Placement"]["AvailabilityZone"],
    }
    ecs.register_container_instance(
        cluster="platform", instanceIdentityDocument=json.dumps(document)
    )
    estate.ids["i:sealed"] = instance["InstanceId"]
    guardduty: Any = client(estate.url, "guardduty")
    guardduty.create_detector(
        Enable=True,
        Features=[
            {
                "Name": "RUNTIME_MONITORING",
                "Status": "ENABLED",
                "AdditionalConfiguration": [
                    {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "ENABLED"}
                ],
            }
        ],
    )
    elbv2: Any = client(estate.url, "elbv2")
    public = elbv2.describe_load_balancers(Names=["public-alb"])["LoadBalancers"][0]
    bare = elbv2.create_load_balancer(
        Name="bare-alb",
        Subnets=[z["SubnetId"] for z in public["AvailabilityZones"]],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    estate.ids["lb:bare-alb"] = bare["LoadBalancerArn"]
    waf: Any = client(estate.url, "wafv2")
    acl = waf.create_web_acl(
        Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=public["LoadBalancerArn"])
    estate.ids["waf:edge"] = acl["ARN"]
    return estate


def _judge(run: Run) -> dict[str, dict[str, str]]:
    builder = InventoryBuilder()
    load_snapshot(run.snapshot, "snapshot.json", builder)
    result = run_scan(builder.build(), Config(), RunRequest(only=(EBS, GD, WAF)))
    out: dict[str, dict[str, str]] = {}
    for f in result.results:
        out.setdefault(f.check_id, {})[f.resource.name] = f.status
    return out


def test_volumes_detectors_and_web_acls_are_collected_and_judged(
    guarded: Estate, tmp_path: Path
) -> None:
    run = run_collect(guarded.url, tmp_path, "--regions", "us-east-1,us-west-2")
    assert run.code == 0, run.stderr
    ids = guarded.ids
    region = run.region
    volumes = region["ec2"]["volumes"]
    attached = {a["InstanceId"]: v for v in volumes for a in v["Attachments"]}
    assert attached[ids["i:sealed"]]["Encrypted"] is True
    assert attached[ids["i:storefront"]]["Encrypted"] is False  # estate_spec.ENCRYPTED_ROOT
    assert attached[ids["i:platform"]]["Encrypted"] is True
    assert {"VolumeId", "Size", "VolumeType", "Attachments"} <= set(attached[ids["i:sealed"]])
    assert region["ec2"]["ebsEncryptionByDefault"] == [{"EbsEncryptionByDefault": False}]
    (detector,) = region["guardduty"]["detectors"]
    assert detector["Status"] == "ENABLED" and detector["DetectorId"]
    # moto keeps Features as given (no UpdatedAt timestamps, unlike AWS)
    (feature,) = detector["Features"]
    assert feature["Name"] == "RUNTIME_MONITORING"
    assert feature["AdditionalConfiguration"] == [
        {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "ENABLED"}
    ]
    assert run.snapshot["regions"]["us-west-2"]["guardduty"] == {"detectors": []}
    balancers = by(region["elbv2"]["loadBalancers"], "LoadBalancerName")
    assert balancers["public-alb"]["WebACL"]["ARN"] == ids["waf:edge"]
    assert balancers["public-alb"]["WebACL"]["Name"] == "edge"
    assert balancers["bare-alb"]["WebACL"] is None
    verdicts = _judge(run)
    assert verdicts[EBS][ids["i:sealed"]] == "pass"
    assert {c: verdicts[EBS][ids[f"i:{c}"]] for c in ("payments", "storefront", "platform")} == {
        "payments": "pass",
        "storefront": "fail",
        "platform": "pass",
    }  # the estate's root volumes as estate_spec.ENCRYPTED_ROOT asks
    assert verdicts[GD] == {
        detector["DetectorId"]: "pass",
        f"{ACCOUNT} us-west-2 (no GuardDuty detector)": "fail",
    }
    assert verdicts[WAF] == {"public-alb": "pass", "bare-alb": "fail"}


def test_an_association_that_could_not_be_read_is_an_error(guarded: Estate, tmp_path: Path) -> None:
    faults = "wafv2:GetWebACLForResource@public-alb=AccessDenied"
    run = run_collect(guarded.url, tmp_path, faults=faults)
    assert run.code == PARTIAL
    public = guarded.ids["lb:public-alb"]
    assert [(e["service"], e["operation"], e["resource"]) for e in run.snapshot["errors"]] == [
        ("wafv2", "GetWebACLForResource", public)
    ]
    balancers = by(run.region["elbv2"]["loadBalancers"], "LoadBalancerName")
    assert "WebACL" not in balancers["public-alb"]  # unknown, not "none"
    assert _judge(run)[WAF] == {"public-alb": "error", "bare-alb": "fail"}


def test_unreadable_volumes_and_detectors_are_errors(guarded: Estate, tmp_path: Path) -> None:
    faults = "ec2:DescribeVolumes=AccessDenied;guardduty:ListDetectors=AccessDenied"
    run = run_collect(guarded.url, tmp_path, faults=faults)
    assert run.code == PARTIAL
    assert sorted((e["service"], e["operation"]) for e in run.snapshot["errors"]) == [
        ("ec2", "DescribeVolumes"),
        ("guardduty", "ListDetectors"),
    ]
    assert run.region["ec2"]["volumes"] == [] and run.region["guardduty"]["detectors"] == []
    verdicts = _judge(run)
    assert set(verdicts[EBS].values()) == {"error"}
    assert set(verdicts[GD].values()) == {"error"}  # not "no detector"
