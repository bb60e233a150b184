"""Engine semantics: revisions, fail-closed errors, unknown values, not-applicable notes,
capacity-provider Fargate services, Service Connect TLS, and redaction of evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from ecsguard.collect.load import load_inputs
from ecsguard.config import Config
from ecsguard.model import InventoryBuilder, Origin
from ecsguard.model.base import Unknown
from ecsguard.posture.engine import ScanOptions, scan
from ecsguard.posture.registry import load_checks
from ecsguard.posture.run import RunRequest, run_scan

DATA = Path(__file__).parent / "data"


def _results(request: RunRequest | None = None) -> dict[tuple[str, str], Any]:
    inv = load_inputs([str(DATA / "services_snapshot.json")])
    result = run_scan(inv, Config(), request or RunRequest())
    return {(f.resource.name, f.check_id): f for f in result.results}


def test_latest_active_revision_only_by_default() -> None:
    found = _results()
    assert ("api:7", "ecs.task_definition.no_privileged_containers") in found
    assert ("api:6", "ecs.task_definition.no_privileged_containers") not in found
    assert ("api:8", "ecs.task_definition.no_privileged_containers") not in found


def test_all_revisions_judges_every_revision() -> None:
    found = _results(RunRequest(all_revisions=True))
    assert found[("api:6", "ecs.task_definition.no_privileged_containers")].status == "fail"
    assert found[("api:8", "ecs.task_definition.no_privileged_containers")].status == "fail"


def test_old_revision_secrets_reported_masked() -> None:
    found = _results()
    finding = found[("api:6", "ecs.task_definition.no_secrets_in_old_revisions")]
    assert finding.status == "fail"
    assert finding.evidence.value == "***"
    assert "AWS_SECRET_ACCESS_KEY" in finding.detail
    assert "wJalr" not in msgspec.json.encode(finding).decode()


def test_fargate_platform_through_capacity_providers() -> None:
    found = _results()
    check = "ecs.service.fargate_latest_platform"
    assert found[("cp-strategy-old", check)].status == "fail"
    assert found[("default-strategy-old", check)].status == "fail"  # cluster default is FARGATE
    assert found[("windows-100", check)].status == "pass"  # 1.0.0 is Windows' latest
    assert found[("windows-latest", check)].status == "pass"  # Prowler's precedence bug fails it


def test_exec_and_service_connect() -> None:
    found = _results()
    assert found[("cp-strategy-old", "ecs.service.no_execute_command")].status == "fail"
    assert found[("default-strategy-old", "ecs.service.no_execute_command")].status == "pass"
    tls = found[("mesh", "ecs.service.service_connect_tls")]
    assert (
        tls.status == "fail" and tls.evidence.path == "serviceConnectConfiguration.services[0].tls"
    )
    assert found[("prod", "ecs.cluster.exec_logging")].status == "fail"


def test_aws_tags_do_not_count() -> None:
    found = _results()
    assert found[("prod", "ecs.cluster.tagged")].status == "fail"
    assert found[("windows-latest", "ecs.service.tagged")].status == "fail"


def test_log_destination_cross_check() -> None:
    finding = _results()[("api:7", "ecs.task_definition.log_destination_protected")]
    assert finding.status == "fail"
    assert "retention 30 days" in finding.detail and "no KMS key" in finding.detail


def test_collection_errors_fail_closed() -> None:
    inv = load_inputs([str(DATA / "services_snapshot.json")])
    result = run_scan(inv, Config(), RunRequest())
    errors = [f for f in result.results if f.status == "error"]
    whole_region = [
        f
        for f in errors
        if f.resource.region == "eu-west-1"
        and f.check_id == "ecs.task_definition.no_privileged_containers"
    ]
    assert len(whole_region) == 1 and "AccessDenied" in whole_region[0].detail
    throttled = [f for f in errors if f.resource.id.endswith("task-definition/batch:3")]
    assert {f.check_id for f in throttled} >= {"ecs.task_definition.no_privileged_containers"}
    assert all(f.status == "error" for f in throttled)


def _taskdef(item: dict[str, Any], kind: str = "cloudformation") -> Any:
    builder = InventoryBuilder()
    from ecsguard.model import InputInfo

    builder.inputs.append(InputInfo(path="t.yaml", kind=kind))
    builder.add(
        "ecs",
        "taskDefinitions",
        item,
        source="t.yaml",
        place="Resources.Td",
        origin=Origin(kind=kind, file="t.yaml", line=3, address="Td"),
        given_id="Td",
    )
    return builder.build()


def test_unknown_value_is_error_never_pass() -> None:
    inv = _taskdef(
        {
            "family": "x",
            "containerDefinitions": [
                {
                    "name": "a",
                    "image": "i",
                    "privileged": Unknown("!Ref Priv"),
                    "user": "1000",
                    "readonlyRootFilesystem": True,
                }
            ],
        }
    )
    found = {f.check_id: f for f in scan(inv).results}
    assert found["ecs.task_definition.no_privileged_containers"].status == "error"
    assert found["ecs.task_definition.linux_non_root_user"].status == "pass"
    assert found["ecs.task_definition.no_privileged_containers"].location.line == 3


def test_unknown_container_list_is_error() -> None:
    inv = _taskdef(
        {"family": "x", "containerDefinitions": [Unknown("!If"), {"name": "a", "image": "i"}]}
    )
    found = {f.check_id: f for f in scan(inv).results}
    assert found["ecs.task_definition.no_privileged_containers"].status == "error"
    # indexes after an undetermined item are not the template's, so nothing is pinned to one
    assert found["ecs.task_definition.linux_non_root_user"].status == "error"


def test_not_applicable_noted_once_per_kind() -> None:
    inv = _taskdef(
        {"family": "x", "containerDefinitions": [{"name": "a", "image": "i"}]}, kind="taskdef"
    )
    result = scan(inv)
    assert "ecs.service.no_public_ip: not applicable for taskdef" in result.notes
    assert len([n for n in result.notes if n.startswith("ecs.service.no_public_ip")]) == 1
    assert not [f for f in result.results if f.check_id.startswith("ecs.service.")]


def test_predicate_exception_is_error() -> None:
    inv = _taskdef({"family": "x", "containerDefinitions": [{"name": "a", "image": "i"}]})
    check = load_checks()["ecs.task_definition.no_privileged_containers"]
    boom = msgspec.structs.replace(check, predicate=lambda res, ctx: 1 / 0)
    result = scan(inv, checks=[boom])
    assert [f.status for f in result.results] == ["error"]
    assert "ZeroDivisionError" in result.results[0].detail


def test_legacy_check_is_opt_in() -> None:
    inv = _taskdef(
        {
            "family": "x",
            "networkMode": "host",
            "containerDefinitions": [{"name": "a", "image": "i"}],
        }
    )
    ids = {f.check_id for f in scan(inv).results}
    assert "ecs.task_definition.host_network_user" not in ids
    legacy = {f.check_id: f for f in scan(inv, options=ScanOptions(include_legacy=True)).results}
    assert legacy["ecs.task_definition.host_network_user"].status == "fail"


def test_tag_errors_only_undetermine_tag_checks(tmp_path: Path) -> None:
    import json

    doc = json.loads((DATA / "services_snapshot.json").read_text())
    doc["errors"] = [
        {
            "region": "us-east-1",
            "service": "ecs",
            "operation": "ListTagsForResource",
            "resource": "arn:aws:ecs:us-east-1:111122223333:task-definition/api:7",
            "message": "denied",
        }
    ]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    result = run_scan(load_inputs([str(path)]), Config(), RunRequest())
    found = {(f.resource.name, f.check_id): f.status for f in result.results}
    assert found[("api:7", "ecs.task_definition.tagged")] == "error"
    assert found[("api:7", "ecs.task_definition.no_privileged_containers")] == "pass"


def test_secret_reference_hygiene(tmp_path: Path) -> None:
    import json

    arn = "arn:aws:ssm:us-east-1:111122223333:parameter"
    sm = "arn:aws:secretsmanager:us-east-1:111122223333:secret"
    td = {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/refs:1",
        "family": "refs",
        "revision": 1,
        "status": "ACTIVE",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "i",
                "secrets": [
                    {"name": "PLAIN", "valueFrom": f"{arn}/app/plain"},
                    {"name": "SECURE", "valueFrom": f"{arn}/app/secure"},
                    {"name": "DB", "valueFrom": f"{sm}:db-AbCdEf:password::"},
                ],
                "environmentFiles": [{"value": "arn:aws:s3:::public-config/app.env", "type": "s3"}],
            }
        ],
    }
    doc = {
        "ecsguard_snapshot": 1,
        "account_id": "111122223333",
        "regions": {
            "us-east-1": {
                "ecs": {"taskDefinitions": [td]},
                "ssm": {
                    "parameters": [
                        {"Name": "/app/plain", "ARN": f"{arn}/app/plain", "Type": "String"},
                        {"Name": "/app/secure", "ARN": f"{arn}/app/secure", "Type": "SecureString"},
                    ]
                },
                "secretsmanager": {
                    "secrets": [{"ARN": f"{sm}:db-AbCdEf", "Name": "db", "RotationEnabled": False}]
                },
                "s3": {"buckets": [{"Name": "public-config", "PolicyStatus": {"IsPublic": True}}]},
            }
        },
        "errors": [],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    result = run_scan(load_inputs([str(path)]), Config(), RunRequest())
    finding = next(
        f for f in result.results if f.check_id == "ecs.task_definition.secret_references_protected"
    )
    assert finding.status == "fail"
    assert finding.evidence.path == "containerDefinitions[0].secrets[0].valueFrom"
    assert "PLAIN" in finding.detail and "type String" in finding.detail
    assert "rotation disabled" in finding.detail and "public bucket public-config" in finding.detail
    assert "SECURE" not in finding.detail
