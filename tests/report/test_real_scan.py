"""Every format over real engine output: the bundled sample estate and a CloudFormation template."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import botocore.session
import jsonschema
import pytest
from botocore.validate import validate_parameters

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.frameworks import load_frameworks
from ecsguard.posture.result import ScanResult
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.redact import secret_kind, secret_name
from ecsguard.report import FORMATS, render
from ecsguard.report.evidence import build_evidence_pack
from ecsguard.report.html import render_evidence_html
from ecsguard.sample import load_snapshot, snapshot_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "tests" / "loaders" / "data" / "estate.yaml"


def _planted() -> list[str]:
    """Secret values the sample estate plants in environment variables (found, not assumed)."""
    found: list[str] = []
    for region in load_snapshot()["regions"].values():
        for task_definition in region["ecs"]["taskDefinitions"]:
            for container in task_definition.get("containerDefinitions", []):
                for variable in container.get("environment", []):
                    value = str(variable.get("value", ""))
                    if len(value) >= 8 and (
                        secret_name(variable.get("name")) or secret_kind(value)
                    ):
                        found.append(value)
    return found


PLANTED = _planted()


@pytest.fixture(scope="module")
def sample_result() -> ScanResult:
    inventory = load_inputs([str(snapshot_path())])
    return run_scan(inventory, Config(), RunRequest(today=dt.date(2026, 12, 1)))


@pytest.fixture(scope="module")
def template_result() -> ScanResult:
    inventory = load_inputs([os.path.relpath(TEMPLATE)])
    return run_scan(inventory, Config(), RunRequest())


def test_the_sample_plants_secrets() -> None:
    assert len(PLANTED) >= 2  # else the leak tests below prove nothing


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_no_format_leaks_a_secret_value(sample_result: ScanResult, fmt: str) -> None:
    text = render(sample_result, fmt)
    assert text
    for value in PLANTED:
        assert value not in text, fmt


def test_evidence_packs_leak_no_secret_and_cover_every_requirement(
    sample_result: ScanResult,
) -> None:
    for framework in load_frameworks().values():
        pack = build_evidence_pack(sample_result, framework)
        assert len(pack.requirements) == len(framework.requirements)
        text = render_evidence_html(pack) + json.dumps(pack.to_dict())
        for value in PLANTED:
            assert value not in text, framework.id
    pci = build_evidence_pack(sample_result, load_frameworks()["pci-dss-4.0"])
    assert pci.summary["by_status"]["fail"] > 0  # the sample estate is deliberately flawed


def test_sample_sarif_and_ocsf_validate(
    sample_result: ScanResult,
    sarif_validator: jsonschema.Draft4Validator,
    ocsf_validator: jsonschema.Draft202012Validator,
) -> None:
    sarif = json.loads(render(sample_result, "sarif"))
    assert list(sarif_validator.iter_errors(sarif)) == []
    assert sarif["runs"][0]["results"]
    for event in json.loads(render(sample_result, "ocsf")):
        assert list(ocsf_validator.iter_errors(event)) == []


def test_sample_asff_passes_botocore_validation_in_batches(sample_result: ScanResult) -> None:
    findings: list[dict[str, Any]] = json.loads(render(sample_result, "asff"))
    assert len(findings) > 100  # so batching matters
    shape = (
        botocore.session.get_session()
        .get_service_model("securityhub")
        .operation_model("BatchImportFindings")
        .input_shape
    )
    for start in range(0, len(findings), 100):
        validate_parameters({"Findings": findings[start : start + 100]}, shape)
    assert {f["AwsAccountId"] for f in findings} == {sample_result_account(sample_result)}


def sample_result_account(result: ScanResult) -> str:
    arns = [f.resource.id for f in result.results if f.resource.id.startswith("arn:")]
    return arns[0].split(":")[4]


def test_template_sarif_annotates_template_lines(
    template_result: ScanResult, sarif_validator: jsonschema.Draft4Validator
) -> None:
    doc = json.loads(render(template_result, "sarif", base_dir=str(ROOT)))
    assert list(sarif_validator.iter_errors(doc)) == []
    results = doc["runs"][0]["results"]
    assert results
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "tests/loaders/data/estate.yaml"
        line = physical["region"]["startLine"]
        assert 1 <= line <= len(lines)
        # The line is inside the Resources section, where the flagged resource is declared.
        assert line > next(i for i, text in enumerate(lines, 1) if text.startswith("Resources:"))
