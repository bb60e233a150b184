"""ASFF (botocore validation and a real BatchImportFindings call), CSV and the terminal table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from ecsguard.errors import UsageError
from ecsguard.posture.result import ScanResult
from ecsguard.report import FORMATS, render
from ecsguard.report.asff import RESOURCE_TYPES
from ecsguard.testing import boto_session


def _batches(findings: list[dict[str, Any]], size: int = 100) -> list[list[dict[str, Any]]]:
    return [findings[i : i + size] for i in range(0, len(findings), size)]


def _input_shape() -> Any:
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


@pytest.mark.parametrize("fixture", ["snapshot_result", "iac_result"])
def test_asff_passes_botocore_parameter_validation(
    fixture: str, request: pytest.FixtureRequest, now: dt.datetime
) -> None:
    result: ScanResult = request.getfixturevalue(fixture)
    findings = json.loads(render(result, "asff", now=now, account_id="444455556666"))
    assert len(findings) == len(result.results)
    for batch in _batches(findings):
        validate_parameters({"Findings": batch}, _input_shape())  # raises on any shape error


def test_botocore_validation_catches_a_broken_finding(snapshot_result: ScanResult) -> None:
    finding = json.loads(render(snapshot_result, "asff"))[0]
    del finding["AwsAccountId"]
    finding["Severity"]["Label"] = 4
    with pytest.raises(Exception, match="AwsAccountId"):
        validate_parameters({"Findings": [finding]}, _input_shape())


def test_asff_imports_into_security_hub(moto_url: str, snapshot_result: ScanResult) -> None:
    findings = json.loads(render(snapshot_result, "asff"))
    hub = boto_session(moto_url).client("securityhub", endpoint_url=moto_url)
    response = hub.batch_import_findings(Findings=findings)
    assert response["FailedCount"] == 0
    assert response["SuccessCount"] == len(findings)


def test_asff_fields(snapshot_result: ScanResult, iac_result: ScanResult, now: dt.datetime) -> None:
    findings = json.loads(render(snapshot_result, "asff", now=now))
    first = findings[0]
    assert first["AwsAccountId"] == "111122223333"
    assert first["ProductArn"] == (
        "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"
    )
    assert first["CreatedAt"] == "2026-12-01T12:00:00.000Z"
    assert first["Resources"][0]["Type"] == "AwsEcsTaskDefinition"
    assert first["Compliance"]["SecurityControlId"] == "ECS.4"
    assert "pci-dss-4.0 7.2.1" in first["Compliance"]["RelatedRequirements"]
    by_check = {f["GeneratorId"]: f for f in findings}
    assert by_check["ecsguard/ecs.service.no_public_ip"]["Workflow"]["Status"] == "SUPPRESSED"
    assert by_check["ecsguard/kms.key.rotation"]["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert by_check["ecsguard/kms.key.rotation"]["Resources"][0]["Region"] == "eu-west-1"
    iac = json.loads(render(iac_result, "asff", account_id="444455556666", region="eu-central-1"))
    assert {f["AwsAccountId"] for f in iac} == {"444455556666"}
    assert iac[0]["Resources"][0]["Region"] == "eu-central-1"
    assert all(len(f["Title"]) <= 256 and len(f["Description"]) <= 1024 for f in findings)


def test_asff_resource_types_are_security_hub_types() -> None:
    model = botocore.session.get_session().get_service_model("securityhub")
    known = set(model.shape_for("ResourceDetails").members)
    assert set(RESOURCE_TYPES.values()) <= known


def test_asff_ids_are_stable_across_runs(snapshot_result: ScanResult) -> None:
    first = [f["Id"] for f in json.loads(render(snapshot_result, "asff"))]
    again = [f["Id"] for f in json.loads(render(snapshot_result, "asff"))]
    assert first == again and len(set(first)) == len(first)


def test_csv_round_trips_and_neutralises_formulas(snapshot_result: ScanResult) -> None:
    rows = list(csv.DictReader(io.StringIO(render(snapshot_result, "csv"))))
    assert len(rows) == len(snapshot_result.results)
    insights = next(r for r in rows if r["check_id"] == "ecs.cluster.container_insights")
    assert insights["resource_name"] == '\'=HYPERLINK("http://x")'
    privileged = next(r for r in rows if r["resource_id"].endswith("task-definition/web:3"))
    assert "\x1b" not in privileged["resource_name"]
    assert "pci-dss-4.0 7.2.1" in privileged["frameworks"]
    assert (
        next(r for r in rows if r["check_id"] == "ecs.service.no_public_ip")["suppressed"] == "yes"
    )


def test_table_groups_by_severity_and_strips_terminal_escapes(snapshot_result: ScanResult) -> None:
    for color in (False, True):
        text = render(snapshot_result, "table", color=color, width=160)
        assert "]0;owned" not in text and "\x07" not in text
        assert "HIGH (1)" in text  # web:3 privileged; the payments secret finding is critical
        assert "CRITICAL (1)" in text
        assert "PCI DSS 4.0.1 (pci-dss-4.0)" in text
    plain = render(snapshot_result, "table")
    assert "\x1b" not in plain
    assert "ecs.service.no_public_ip" not in plain  # suppressed failures are not listed


def test_table_respects_framework_selection(snapshot_result: ScanResult) -> None:
    for chosen in ("hipaa-security-rule", "hipaa"):  # aliases work as on the command line
        text = render(snapshot_result, "table", frameworks=[chosen], width=160)
        assert "(hipaa-security-rule)" in text and "pci-dss-4.0)" not in text
    csv_text = render(snapshot_result, "csv", frameworks=["pci"])
    assert "pci-dss-4.0 7.2.1" in csv_text and "nist-800-53-r5" not in csv_text


def test_every_format_renders_and_unknown_format_is_usage_error(iac_result: ScanResult) -> None:
    for fmt in FORMATS:
        assert render(iac_result, fmt)
    assert json.loads(render(iac_result, "json")) == iac_result.to_dict()
    with pytest.raises(UsageError, match="unknown format"):
        render(iac_result, "pdf")


def test_table_groups_by_check_past_max_rows(snapshot_result: ScanResult) -> None:
    text = render(snapshot_result, "table", max_rows=1, width=160)
    assert "failures grouped by check" in text
    assert "resources" in text
    assert "\x07" not in text and "]0;owned" not in text
