"""ECS hosts' EBS encryption, GuardDuty Runtime Monitoring and WAF on internet-facing ALBs from
a CloudFormation template and a Terraform plan written in the real schemas
(``data/hosts_guards.*``), and from snapshots with and without the data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .iac import judge_files

DATA = Path(__file__).parent / "data"
EBS = "ecs.container_instance.ebs_encrypted"
GD = "ecs.account.guardduty_runtime_monitoring"
WAF = "elbv2.load_balancer.waf"
ONLY = (EBS, GD, WAF)

# (resource id, check, status) — None = no finding
CFN = [
    ("EncryptedHosts", EBS, "pass"),
    ("PlainHosts", EBS, "fail"),  # /dev/xvda without Encrypted, /dev/xvdb encrypted
    ("AmiRootHosts", EBS, "fail"),  # no mappings: the AMI's unencrypted root snapshot
    ("ImportedHosts", EBS, "error"),
    ("LegacyHost", EBS, "fail"),
    ("RuntimeDetector", GD, "pass"),
    ("EksOnlyDetector", GD, "fail"),
    ("NoAgentDetector", GD, "fail"),
    ("SuspendedDetector", GD, "fail"),
    ("UndecidedDetector", GD, "error"),
    ("GuardedAlb", WAF, "pass"),
    ("SharedAclAlb", WAF, "pass"),  # associated with an imported web ACL
    ("BareAlb", WAF, "fail"),
    ("InternalAlb", WAF, None),
    ("PublicNlb", WAF, None),
]
TF = [
    ("aws_launch_template.encrypted", EBS, "pass"),
    ("aws_launch_template.plain", EBS, "fail"),  # encrypted = "" (unset)
    ("aws_launch_template.computed", EBS, "error"),
    ("aws_instance.legacy_host", EBS, "fail"),
    ("aws_instance.ami_root_host", EBS, "fail"),
    ("aws_instance.sealed_host", EBS, "pass"),
    ("aws_guardduty_detector.runtime", GD, "pass"),
    ("aws_guardduty_detector.eks_only", GD, "fail"),
    ("aws_guardduty_detector.no_agent", GD, "fail"),
    ("aws_guardduty_detector.suspended", GD, "fail"),
    ("aws_guardduty_detector.bare", GD, "fail"),  # no aws_guardduty_detector_feature
    ("aws_lb.guarded", WAF, "pass"),
    ("aws_lb.bare", WAF, "fail"),
    ("aws_lb.internal", WAF, None),
    ("aws_lb.tcp", WAF, None),
]


def _judge(*paths: Path) -> dict[tuple[str, str], Any]:
    return judge_files(*paths, only=ONLY)


@pytest.fixture(scope="module")
def cfn() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "hosts_guards.cfn.yaml")


@pytest.fixture(scope="module")
def tf() -> dict[tuple[str, str], Any]:
    return _judge(DATA / "hosts_guards.tfplan.json")


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


def test_evidence_names_the_failing_setting(
    cfn: dict[tuple[str, str], Any], tf: dict[tuple[str, str], Any]
) -> None:
    plain = cfn[("PlainHosts", EBS)]
    assert plain.evidence is not None
    assert plain.evidence.path == "LaunchTemplateData.BlockDeviceMappings[0].Ebs.Encrypted"
    assert "not set" in plain.detail
    legacy = cfn[("LegacyHost", EBS)]
    assert legacy.evidence is not None and legacy.evidence.value is False
    no_agent = tf[("aws_guardduty_detector.no_agent", GD)]
    assert no_agent.evidence is not None
    assert no_agent.evidence.path == "Features[0].AdditionalConfiguration[0].Status"
    assert no_agent.evidence.value == "DISABLED"
    eks = cfn[("EksOnlyDetector", GD)]
    assert eks.evidence is not None and eks.evidence.value == ["EKS_RUNTIME_MONITORING"]
    guarded = tf[("aws_lb.guarded", WAF)]
    assert guarded.evidence is not None
    assert guarded.evidence.value == "aws_wafv2_web_acl.edge"  # wired through the configuration


def _plan(tmp_path: Path, extra: list[tuple[str, str, dict[str, Any]]]) -> Path:
    plan = json.loads((DATA / "hosts_guards.tfplan.json").read_text())
    for kind, name, values in extra:
        common = {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name}
        plan["planned_values"]["root_module"]["resources"].append({**common, "values": values})
        change = {"actions": ["create"], "before": None, "after": values, "after_unknown": {}}
        plan["resource_changes"].append({**common, "change": change})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def test_encryption_by_default_covers_an_unset_flag(tmp_path: Path) -> None:
    path = _plan(tmp_path, [("aws_ebs_encryption_by_default", "on", {"enabled": True})])
    verdicts = _judge(path)
    for rid in ("aws_launch_template.plain", "aws_instance.ami_root_host"):
        assert verdicts[(rid, EBS)].status == "pass"
        assert "encryption by default" in verdicts[(rid, EBS)].detail
    # an undetermined flag stays undetermined
    assert verdicts[("aws_launch_template.computed", EBS)].status == "error"
    off = _judge(_plan(tmp_path, [("aws_ebs_encryption_by_default", "off", {"enabled": False})]))
    assert off[("aws_launch_template.plain", EBS)].status == "fail"


def test_hosts_are_judged_only_beside_an_ecs_cluster(tmp_path: Path) -> None:
    text = (DATA / "hosts_guards.cfn.yaml").read_text()
    template = tmp_path / "no_cluster.yaml"
    template.write_text(text.replace("Type: AWS::ECS::Cluster", "Type: AWS::SNS::Topic"))
    verdicts = _judge(template)
    assert not any(check == EBS for _, check in verdicts)
    assert verdicts[("BareAlb", WAF)].status == "fail"  # the other checks do not care


def _snapshot(tmp_path: Path, change: Any) -> Path:
    doc = json.loads((DATA / "adjacent_snapshot.json").read_text())
    change(doc)
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_snapshot_from_an_older_collector_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    def older(doc: dict[str, Any]) -> None:
        for name in list(doc["regions"]):
            if name != "us-east-1":
                del doc["regions"][name]
        region = doc["regions"]["us-east-1"]
        del region["ec2"]["volumes"], region["guardduty"]
        for lb in region["elbv2"]["loadBalancers"]:
            del lb["WebACL"]

    verdicts = _judge(_snapshot(tmp_path, older))
    statuses = {(rid.rsplit("/", 1)[-1], check): f.status for (rid, check), f in verdicts.items()}
    assert statuses == {
        ("ci-good", EBS): "error",
        ("ci-bad", EBS): "error",
        ("1", WAF): "error",
        ("2", WAF): "error",
    }  # and no GuardDuty verdict: the snapshot never looked
    assert "collected before volumes were read" in next(
        f.detail for (_, check), f in verdicts.items() if check == EBS
    )


def test_collection_errors_make_the_affected_resources_errors(tmp_path: Path) -> None:
    lb_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/hardened/1"

    def failed(doc: dict[str, Any]) -> None:
        region = doc["regions"]["us-east-1"]
        del region["elbv2"]["loadBalancers"][0]["WebACL"]
        region["ec2"]["volumes"] = [
            v for v in region["ec2"]["volumes"] if v["VolumeId"] != "vol-good"
        ]
        doc["regions"]["eu-west-1"]["guardduty"]["detectors"] = []
        doc["errors"] = [
            err("wafv2", "GetWebACLForResource", lb_arn),
            err("ec2", "DescribeVolumes", "*"),
            {**err("guardduty", "ListDetectors", "*"), "region": "eu-west-1"},
        ]

    def err(service: str, operation: str, resource: str) -> dict[str, str]:
        message = "AccessDeniedException: not authorized (injected)"
        return {
            "region": "us-east-1",
            "service": service,
            "operation": operation,
            "resource": resource,
            "message": message,
        }

    verdicts = _judge(_snapshot(tmp_path, failed))
    hardened = verdicts[(lb_arn, WAF)]
    assert hardened.status == "error" and "AccessDeniedException" in hardened.detail
    good = verdicts[("arn:aws:ecs:us-east-1:111122223333:container-instance/secure/ci-good", EBS)]
    assert good.status == "error" and "DescribeVolumes" in good.detail
    eu = [
        f
        for (rid, check), f in verdicts.items()
        if check == GD and f.resource.region == "eu-west-1"
    ]
    assert [f.status for f in eu] == ["error"]  # the listing failed: not "no detector"


def test_merged_inputs_keep_their_own_verdicts() -> None:
    before = _judge(DATA / "hosts_guards.cfn.yaml")
    merged = _judge(DATA / "hosts_guards.cfn.yaml", DATA / "adjacent_snapshot.json")
    for key, finding in before.items():
        assert merged[key].status == finding.status
