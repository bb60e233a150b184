"""SARIF 2.1.0 and OCSF Compliance Finding output, validated against their published schemas."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest

from ecsguard.posture.result import ScanResult
from ecsguard.report import render


def _errors(validator: jsonschema.protocols.Validator, doc: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("fixture", ["snapshot_result", "iac_result"])
def test_sarif_validates(
    fixture: str, request: pytest.FixtureRequest, sarif_validator: jsonschema.Draft4Validator
) -> None:
    result: ScanResult = request.getfixturevalue(fixture)
    doc = json.loads(render(result, "sarif"))
    assert _errors(sarif_validator, doc) == []


def test_sarif_schema_rejects_a_broken_log(sarif_validator: jsonschema.Draft4Validator) -> None:
    # Proves the vendored schema is strict enough to catch our own mistakes.
    broken = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}],
    }
    assert _errors(sarif_validator, broken)


def test_sarif_iac_results_point_at_file_and_line(iac_result: ScanResult) -> None:
    doc = json.loads(render(iac_result, "sarif", base_dir="/nowhere"))
    run = doc["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) == 3  # one rule per failing check
    by_rule = {r["ruleId"]: r for r in run["results"]}
    privileged = by_rule["ecs.task_definition.no_privileged_containers"]
    physical = privileged["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "infra/stack%20template.yaml"
    assert physical["region"]["startLine"] == 42
    assert privileged["level"] == "error"
    assert privileged["partialFingerprints"]["ecsguardFindingId/v1"] == iac_result.results[0].id
    assert run["tool"]["driver"]["rules"][privileged["ruleIndex"]]["id"] == privileged["ruleId"]
    rule = run["tool"]["driver"]["rules"][privileged["ruleIndex"]]
    assert "privileged" in rule["help"]["text"]
    assert rule["properties"]["security-severity"] == "8.0"
    assert "pci-dss-4.0 7.2.1" in rule["properties"]["tags"]
    assert all(
        r["ruleId"] != "ecs.task_definition.readonly_root_filesystem" for r in run["results"]
    )


def test_sarif_absolute_paths_become_relative_to_base_dir(iac_result: ScanResult) -> None:
    finding = iac_result.results[0]
    assert finding.location is not None
    finding.location.file = "/repo/infra/app.yaml"
    doc = json.loads(render(iac_result, "sarif", base_dir="/repo"))
    uris = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    }
    assert uris[finding.check_id] == "infra/app.yaml"


def test_sarif_snapshot_results_use_logical_locations(snapshot_result: ScanResult) -> None:
    doc = json.loads(render(snapshot_result, "sarif"))
    results = doc["runs"][0]["results"]
    first = results[0]["locations"][0]
    assert "physicalLocation" not in first
    assert first["logicalLocations"][0]["fullyQualifiedName"].startswith("arn:aws:ecs:")
    suppressed = [r for r in results if r.get("suppressions")]
    assert [s["ruleId"] for s in suppressed] == ["ecs.service.no_public_ip"]
    notifications = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("kms.key.rotation" in n["message"]["text"] for n in notifications)


def test_sarif_escapes_markup_and_strips_escapes(iac_result: ScanResult) -> None:
    text = render(iac_result, "sarif")
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\u001b" not in text and "\x1b" not in text


@pytest.mark.parametrize("fixture", ["snapshot_result", "iac_result"])
def test_ocsf_validates(
    fixture: str,
    request: pytest.FixtureRequest,
    ocsf_validator: jsonschema.Draft202012Validator,
    now: dt.datetime,
) -> None:
    result: ScanResult = request.getfixturevalue(fixture)
    events = json.loads(render(result, "ocsf", now=now))
    assert len(events) == len(result.results)
    for event in events:
        assert _errors(ocsf_validator, event) == []


def test_ocsf_schema_rejects_a_wrong_class(
    snapshot_result: ScanResult, ocsf_validator: jsonschema.Draft202012Validator
) -> None:
    event = json.loads(render(snapshot_result, "ocsf"))[0]
    event["class_uid"] = 2004
    event["surprise"] = True
    assert len(_errors(ocsf_validator, event)) == 2


def test_ocsf_carries_compliance_and_cloud(snapshot_result: ScanResult, now: dt.datetime) -> None:
    events = json.loads(render(snapshot_result, "ocsf", frameworks=["pci-dss-4.0"], now=now))
    first = events[0]
    assert (first["class_uid"], first["type_uid"], first["severity_id"]) == (2003, 200301, 4)
    assert first["time"] == int(now.timestamp() * 1000)
    assert first["compliance"]["standards"] == ["pci-dss-4.0"]
    assert "pci-dss-4.0 7.2.1" in first["compliance"]["requirements"]
    assert first["compliance"]["status_id"] == 3
    assert first["cloud"]["account"]["uid"] == "111122223333"
    statuses = {e["finding_info"]["types"][0]: e["status"] for e in events}
    assert statuses["ecs.service.no_public_ip"] == "Suppressed"
    unknown = [e for e in events if e["compliance"]["status"] == "Unknown"]
    assert [e["compliance"]["control"] for e in unknown] == ["kms.key.rotation"]
