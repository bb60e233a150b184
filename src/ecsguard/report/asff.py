"""AWS Security Finding Format: the ``Findings`` list of ``securityhub:BatchImportFindings``.

Output is a JSON array; import it in batches of up to 100 (the API limit). Limits that Security
Hub enforces beyond botocore's shape checks (Title <= 256, Description <= 1024, Recommendation
text <= 512, <= 32 related requirements, <= 50 product fields) are applied here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ecsguard.posture.result import Finding, ScanResult
from ecsguard.report.common import (
    arn_parts,
    estate_account,
    framework_labels,
    is_suppressed,
    iso,
    location_text,
    option_time,
)
from ecsguard.report.text import clip, one_line

SCHEMA_VERSION = "2018-10-08"
UNKNOWN_ACCOUNT = "000000000000"
LABELS = {
    "critical": "CRITICAL",
    "high": "HIGH",
    "medium": "MEDIUM",
    "low": "LOW",
    "info": "INFORMATIONAL",
}
COMPLIANCE = {"fail": "FAILED", "pass": "PASSED", "error": "NOT_AVAILABLE"}
TYPES = ["Software and Configuration Checks/AWS Security Best Practices"]
# CloudFormation type -> ASFF resource type (the names of botocore's ResourceDetails members);
# anything else is "Other" with the CloudFormation type kept in Details.Other.
RESOURCE_TYPES = {
    "AWS::ECS::Cluster": "AwsEcsCluster",
    "AWS::ECS::Service": "AwsEcsService",
    "AWS::ECS::Task": "AwsEcsTask",
    "AWS::ECS::TaskDefinition": "AwsEcsTaskDefinition",
    "AWS::ECR::Repository": "AwsEcrRepository",
    "AWS::EFS::AccessPoint": "AwsEfsAccessPoint",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "AwsElbv2LoadBalancer",
    "AWS::KMS::Key": "AwsKmsKey",
    "AWS::EC2::VPC": "AwsEc2Vpc",
    "AWS::EC2::Subnet": "AwsEc2Subnet",
    "AWS::EC2::SecurityGroup": "AwsEc2SecurityGroup",
    "AWS::EC2::Instance": "AwsEc2Instance",
    "AWS::EC2::NetworkInterface": "AwsEc2NetworkInterface",
    "AWS::EC2::NetworkAcl": "AwsEc2NetworkAcl",
    "AWS::EC2::RouteTable": "AwsEc2RouteTable",
    "AWS::EC2::VPCPeeringConnection": "AwsEc2VpcPeeringConnection",
    "AWS::IAM::Role": "AwsIamRole",
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::SQS::Queue": "AwsSqsQueue",
    "AWS::SecretsManager::Secret": "AwsSecretsManagerSecret",
    "AWS::RDS::DBInstance": "AwsRdsDbInstance",
}


def render_asff(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    findings = to_asff(result, frameworks=frameworks, **options)
    return orjson.dumps(findings, option=orjson.OPT_INDENT_2).decode() + "\n"


def to_asff(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> list[dict[str, Any]]:
    """ASFF dicts. Options: ``account_id`` and ``region`` for findings whose resource has no
    ARN (IaC inputs), ``partition`` (default aws), ``now`` (datetime; tests pin it)."""
    stamp = iso(option_time(options))
    options = {**options, "account_id": estate_account(result, options)}
    return [_finding(f, stamp, frameworks, options) for f in result.results]


def _finding(
    finding: Finding, stamp: str, frameworks: Sequence[str] | None, options: dict[str, Any]
) -> dict[str, Any]:
    arn = arn_parts(finding.resource.id)
    account = arn.get("account") or str(options.get("account_id") or UNKNOWN_ACCOUNT)
    region = finding.resource.region or arn.get("region") or str(options.get("region") or "")
    region = region or "us-east-1"
    partition = arn.get("partition") or str(options.get("partition") or "aws")
    out: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"ecsguard/{account}/{region}/{finding.id}",
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "ecsguard",
        "CompanyName": "ecsguard",
        "GeneratorId": f"ecsguard/{finding.check_id}",
        "AwsAccountId": account,
        "Types": TYPES,
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {
            "Label": LABELS.get(finding.severity, "INFORMATIONAL"),
            "Original": finding.severity,
        },
        "Title": clip(one_line(finding.title), 256),
        "Description": clip(one_line(finding.detail or finding.title), 1024),
        "Resources": [_resource(finding, partition, region)],
        "Compliance": _compliance(finding, frameworks),
        "ProductFields": _product_fields(finding),
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "SUPPRESSED" if is_suppressed(finding) else "NEW"},
    }
    if finding.remediation:
        out["Remediation"] = {"Recommendation": {"Text": clip(one_line(finding.remediation), 512)}}
    return out


def _resource(finding: Finding, partition: str, region: str) -> dict[str, Any]:
    kind = RESOURCE_TYPES.get(finding.resource.type, "Other")
    details: dict[str, str] = {}
    if finding.resource.name:
        details["Name"] = clip(one_line(finding.resource.name), 1024)
    if kind == "Other" and finding.resource.type:
        details["CloudFormationType"] = clip(one_line(finding.resource.type), 1024)
    resource: dict[str, Any] = {
        "Type": kind,
        "Id": clip(one_line(finding.resource.id), 512),
        "Partition": partition,
        "Region": region,
    }
    if details:
        resource["Details"] = {"Other": details}
    return resource


def _compliance(finding: Finding, frameworks: Sequence[str] | None) -> dict[str, Any]:
    compliance: dict[str, Any] = {"Status": COMPLIANCE.get(finding.status, "NOT_AVAILABLE")}
    related = framework_labels(finding, frameworks)[:32]
    if related:
        compliance["RelatedRequirements"] = related
    controls = finding.references.get("securityhub") or []
    if controls:
        compliance["SecurityControlId"] = controls[0]
    return compliance


def _product_fields(finding: Finding) -> dict[str, str]:
    fields = {"ecsguard/CheckId": finding.check_id, "ecsguard/FindingId": finding.id}
    if finding.location is not None and finding.location.file:
        fields["ecsguard/Location"] = location_text(finding)
    if finding.evidence is not None and finding.evidence.path:
        fields["ecsguard/EvidencePath"] = clip(one_line(finding.evidence.path), 1024)
    if finding.scope:
        fields["ecsguard/PciScope"] = finding.scope
    return fields
