"""Every task-definition variant judged from a moto snapshot, a CloudFormation template and a
Terraform plan: the right checks fail at the right field, Security Hub-mapped ones exactly."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
import yaml

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.testing import client

from . import iac
from .variants import ACCOUNT, SH, VARIANTS, check_id, requests

SH_CHECKS = {*SH.values(), "ecs.task_definition.host_network_user"}


def _snapshot_from_moto(url: str, prefix: str) -> dict[str, Any]:
    ecs: Any = client(url, "ecs")
    items = []
    for req in requests():
        req["family"] = prefix + req["family"]
        arn = ecs.register_task_definition(**req)["taskDefinition"]["taskDefinitionArn"]
        reply = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        item = reply["taskDefinition"]
        item["tags"] = reply.get("tags", [])
        items.append(item)
    return {
        "ecsguard_snapshot": 1,
        "account_id": ACCOUNT,
        "regions": {"us-east-1": {"ecs": {"taskDefinitions": items}}},
        "errors": [],
    }


def _by_variant(findings: list[Any], key: Any) -> dict[tuple[str, str], Any]:
    out = {}
    for f in findings:
        variant = key(f.resource)
        if variant in VARIANTS:
            out[(variant, f.check_id)] = f
    return out


@pytest.fixture(scope="module")
def judged(
    moto_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[tuple[str, str], Any]]:
    tmp = tmp_path_factory.mktemp("forms")
    prefix = f"v{uuid.uuid4().hex[:6]}-"
    snap = tmp / "snapshot.json"
    snap.write_bytes(orjson.dumps(_snapshot_from_moto(moto_url, prefix), default=str))
    cfn = tmp / "template.yaml"
    cfn.write_text(yaml.safe_dump(iac.cloudformation(requests()), sort_keys=False))
    plan = tmp / "plan.json"
    plan.write_bytes(orjson.dumps(iac.terraform_plan(requests())))
    request = RunRequest(legacy=True)
    out = {}
    result = run_scan(load_inputs([str(snap)]), Config(), request)
    out["snapshot"] = _by_variant(result.results, lambda r: r.name.split(":")[0][len(prefix) :])
    logical = {iac.logical_id(f): f for f in VARIANTS}
    result = run_scan(load_inputs([str(cfn)]), Config(), request)
    out["cloudformation"] = _by_variant(result.results, lambda r: logical.get(r.id, ""))
    address = {iac.tf_address(f): f for f in VARIANTS}
    result = run_scan(load_inputs([str(plan)]), Config(), request)
    out["terraform"] = _by_variant(result.results, lambda r: address.get(r.id, ""))
    return out


FORMS = ("snapshot", "cloudformation", "terraform")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant(judged: dict[str, Any], form: str, variant: str) -> None:
    findings = judged[form]
    expected = {
        check_id(k.split("@")[0]): v
        for k, v in VARIANTS[variant][1].items()
        if "@" not in k or k.endswith("@" + form)
    }
    assert any(key[0] == variant for key in findings), f"{variant} not judged from {form}"
    for cid, want in expected.items():
        finding = findings.get((variant, cid))
        if want is False:
            assert finding is None or finding.status != "fail", cid
            continue
        assert finding is not None, f"{cid} produced no finding for {variant}"
        assert finding.status == "fail", (cid, finding.status, finding.detail)
        if isinstance(want, str):
            assert finding.evidence is not None and finding.evidence.path == want
    for cid in SH_CHECKS - set(expected):
        finding = findings.get((variant, cid))
        assert finding is None or finding.status == "pass", (cid, finding.status, finding.detail)


def test_secret_values_never_in_output(judged: dict[str, Any]) -> None:
    for form in FORMS:
        text = msgspec.json.encode(list(judged[form].values())).decode()
        for secret in (
            "hunter2",
            "AKIAIOSFODNN7EXAMPLE",
            "pa55word",
            "Sup3rS3cret",
            "00000000-1111-2222",
        ):
            assert secret not in text, (form, secret)


def test_windows_exempt_from_linux_checks(judged: dict[str, Any]) -> None:
    snap = judged["snapshot"]
    assert ("windows-admin", SH["ECS.5"]) not in snap
    assert ("windows-admin", SH["ECS.20"]) not in snap
    assert snap[("windows-user", SH["ECS.21"])].status == "pass"


def test_locations_point_into_the_template(judged: dict[str, Any], tmp_path: Path) -> None:
    finding = judged["cloudformation"][("pid-host", SH["ECS.3"])]
    assert finding.location is not None and finding.location.line and finding.location.line > 1
