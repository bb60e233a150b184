"""A scan result shaped like the engine's: real check ids and metadata, hostile resource names."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ecsguard.frameworks import frameworks_for
from ecsguard.posture.registry import load_checks
from ecsguard.posture.result import (
    Evidence,
    Finding,
    Location,
    ResourceRef,
    ScanResult,
    finding_id,
)

ACCOUNT = "111122223333"
HOSTILE = "<img src=x onerror=alert(1)>\x1b]0;owned\x07\x1b[31mred\x1b[0m"
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def make_finding(
    check_id: str,
    resource: ResourceRef,
    status: str = "fail",
    *,
    location: Location | None = None,
    evidence: Evidence | None = None,
    suppressed: dict[str, object] | None = None,
) -> Finding:
    check = load_checks()[check_id]
    return Finding(
        id=finding_id(check_id, resource.id),
        check_id=check_id,
        title=check.title,
        severity=check.severity,
        status=status,
        resource=resource,
        location=location,
        evidence=evidence,
        detail=f"{check.title}: {'no' if status == 'fail' else 'yes'} for {resource.name}",
        remediation=check.remediation.text,
        references={k: list(v) for k, v in check.references.items() if v},
        frameworks=frameworks_for(check_id),
        suppressed=suppressed,
    )


def td_ref(family: str, revision: int = 1, name: str | None = None) -> ResourceRef:
    arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{family}:{revision}"
    return ResourceRef(
        type="AWS::ECS::TaskDefinition",
        id=arn,
        name=name or f"{family}:{revision}",
        region="us-east-1",
    )


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def snapshot_result() -> ScanResult:
    """Findings as a snapshot scan produces them: ARNs, regions, no file locations."""
    service_arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod/payments"
    results = [
        make_finding(
            "ecs.task_definition.no_privileged_containers",
            td_ref("web", 3, name=HOSTILE),
            evidence=Evidence(path="containerDefinitions[0].privileged", value=True),
        ),
        make_finding("ecs.task_definition.no_privileged_containers", td_ref("payments", 7), "pass"),
        make_finding("ecs.task_definition.logging_configured", td_ref("payments", 7), "pass"),
        make_finding(
            "ecs.task_definition.no_environment_secrets",
            td_ref("payments", 7),
            evidence=Evidence(path="containerDefinitions[0].environment.DB_PASSWORD", value="***"),
        ),
        make_finding(
            "ecs.service.no_public_ip",
            ResourceRef(
                type="AWS::ECS::Service", id=service_arn, name="payments", region="us-east-1"
            ),
            suppressed={
                "reason": "legacy VPC, ticket SEC-12",
                "expires": "2027-01-01",
                "expired": False,
            },
        ),
        make_finding(
            "kms.key.rotation",
            ResourceRef(
                type="AWS::KMS::Key",
                id=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                region="eu-west-1",
            ),
            "error",
        ),
        make_finding(
            "ecs.cluster.container_insights",
            ResourceRef(
                type="AWS::ECS::Cluster",
                id=f'arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/=HYPERLINK("http://x")',
                name='=HYPERLINK("http://x")',
                region="us-east-1",
            ),
        ),
    ]
    return ScanResult(tool_version="0.1.0", inputs=["snapshot.json"], results=results)


@pytest.fixture
def iac_result() -> ScanResult:
    """Findings as a CloudFormation scan produces them: logical ids, file and line."""
    results = [
        make_finding(
            "ecs.task_definition.no_privileged_containers",
            ResourceRef(type="AWS::ECS::TaskDefinition", id="WebTask", name="WebTask"),
            location=Location(file="infra/stack template.yaml", line=42),
            evidence=Evidence(path="ContainerDefinitions[0].Privileged", value=True),
        ),
        make_finding(
            "ecs.task_definition.linux_non_root_user",
            ResourceRef(type="AWS::ECS::TaskDefinition", id="WebTask", name="WebTask"),
            location=Location(file="infra/stack template.yaml", line=40),
        ),
        make_finding(
            "ecs.service.no_public_ip",
            ResourceRef(type="AWS::ECS::Service", id="WebService", name=HOSTILE),
            location=Location(file="infra/stack template.yaml", line=88),
        ),
        make_finding(
            "ecs.task_definition.readonly_root_filesystem",
            ResourceRef(type="AWS::ECS::TaskDefinition", id="WebTask", name="WebTask"),
            "pass",
            location=Location(file="infra/stack template.yaml", line=40),
        ),
    ]
    return ScanResult(
        tool_version="0.1.0",
        inputs=["infra/stack template.yaml"],
        results=results,
        notes=["ecs.service.fargate_latest_platform needs the live platform version"],
    )


SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = _schema("sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="session")
def ocsf_validator() -> jsonschema.Draft202012Validator:
    schema = _schema("ocsf-1.5.0-compliance_finding-cloud.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)
