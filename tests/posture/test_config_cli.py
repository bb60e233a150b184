"""ecsguard.toml (severity, suppressions with expiry, policy) and the scan/checks commands:
exit codes, JSON contract, scope marks, bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecsguard.collect.load import load_inputs
from ecsguard.config import load_config, parse_config
from ecsguard.errors import InputError
from ecsguard.posture.run import RunRequest, exit_code, run_scan

DATA = Path(__file__).parent / "data"
SNAPSHOT = str(DATA / "services_snapshot.json")


def ecsguard(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecsguard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_policy_and_severity_override(tmp_path: Path) -> None:
    conf = parse_config(
        {
            "severity": {"ecs.service.no_execute_command": "critical"},
            "policy": {
                "fargate_linux_version": "1.3.0",
                "log_retention_days": 7,
                "required_tags": ["cost-center"],
            },
        }
    )
    result = run_scan(load_inputs([SNAPSHOT]), conf, RunRequest())
    found = {(f.resource.name, f.check_id): f for f in result.results}
    assert found[("cp-strategy-old", "ecs.service.no_execute_command")].severity == "critical"
    assert found[("cp-strategy-old", "ecs.service.fargate_latest_platform")].status == "pass"
    tagged = found[("cp-strategy-old", "ecs.service.tagged")]
    assert tagged.status == "fail" and "cost-center" in tagged.detail


def test_suppressions_and_expiry() -> None:
    conf = parse_config(
        {
            "suppressions": [
                {
                    "check": "ecs.service.no_execute_command",
                    "resource": "*cp-strategy-old",
                    "reason": "break-glass",
                    "expires": dt.date(2030, 1, 1),
                },
                {
                    "check": "ecs.cluster.*",
                    "resource": "arn:aws:ecs:*:cluster/prod",
                    "reason": "legacy",
                    "expires": dt.date(2020, 1, 1),
                },
            ]
        }
    )
    result = run_scan(load_inputs([SNAPSHOT]), conf, RunRequest(today=dt.date(2026, 12, 1)))
    found = {(f.resource.name, f.check_id): f for f in result.results}
    live = found[("cp-strategy-old", "ecs.service.no_execute_command")]
    assert live.suppressed == {"reason": "break-glass", "expires": "2030-01-01", "expired": False}
    expired = found[("prod", "ecs.cluster.exec_logging")]
    assert expired.suppressed["expired"] is True and "expired" in expired.detail
    summary = result.summary()
    unsuppressed_fails = [
        f
        for f in result.results
        if f.status == "fail" and not (f.suppressed and not f.suppressed["expired"])
    ]
    assert summary["fail"] == len(unsuppressed_fails)
    only_exec = [
        f
        for f in result.results
        if f.status != "pass" and f.check_id != "ecs.service.no_execute_command"
    ]
    result.results = [live]
    assert exit_code(result, "info") == 0
    result.results = [expired]
    assert exit_code(result, "info") == 1
    assert only_exec


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "ecsguard.toml"
    bad.write_text(
        '[policy]\nlog_mode = "sometimes"\nnot_a_param = 1\n[severity]\n"ecs.nope" = "high"\n'
    )
    with pytest.raises(InputError) as info:
        load_config(str(bad))
    text = str(info.value)
    assert "ecsguard.toml:policy" in text and "not_a_param" in text
    reason = tmp_path / "r.toml"
    reason.write_text('[[suppressions]]\ncheck = "ecs.service.tagged"\nreason = ""\n')
    with pytest.raises(InputError, match="reason"):
        load_config(str(reason))


def test_generic_section_accessor(tmp_path: Path) -> None:
    path = tmp_path / "ecsguard.toml"
    path.write_text('[scope]\ncotenancy = "cde"\n')
    assert load_config(str(path)).section("scope") == {"cotenancy": "cde"}
    assert load_config(str(path)).section("absent") == {}


def test_scan_json_contract_and_exit_codes(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = ecsguard("scan", SNAPSHOT, "--format", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text())
    assert set(doc) >= {"tool", "inputs", "summary", "results"}
    assert doc["tool"]["name"] == "ecsguard" and doc["inputs"] == [SNAPSHOT]
    first: dict[str, Any] = doc["results"][0]
    assert set(first) >= {"id", "check_id", "title", "severity", "status", "resource", "references"}
    assert set(first["resource"]) >= {"type", "id", "name", "region"}
    statuses = {r["status"] for r in doc["results"]}
    assert statuses == {"pass", "fail", "error"}
    assert doc["summary"]["fail"] == sum(r["status"] == "fail" for r in doc["results"])
    assert "wJalrXUtnFEMI" not in out.read_text()
    clean = ecsguard(
        "scan",
        SNAPSHOT,
        "--format",
        "json",
        "--check",
        "ecs.service.service_connect_tls",
        "--skip-check",
        "ecs.service.service_connect_tls",
    )
    assert clean.returncode == 0, clean.stderr


def test_fail_on_threshold(tmp_path: Path) -> None:
    args = (
        "scan",
        SNAPSHOT,
        "--format",
        "json",
        "--check",
        "ecs.service.no_execute_command",
        "-o",
        str(tmp_path / "o"),
    )
    assert ecsguard(*args, "--fail-on", "medium").returncode == 1
    assert ecsguard(*args, "--fail-on", "high").returncode == 0


def test_scope_marks_and_cde_only(tmp_path: Path) -> None:
    scope = tmp_path / "scope.json"
    scope.write_text(
        json.dumps(
            {
                "ecsguard_scope": 1,
                "components": [
                    {
                        "id": "arn:aws:ecs:us-east-1:111122223333:service/prod/mesh",
                        "kind": "service",
                        "name": "mesh",
                        "category": "cde",
                        "reasons": [],
                    },
                    {
                        "id": "arn:aws:ecs:us-east-1:111122223333:cluster/prod",
                        "kind": "cluster",
                        "name": "prod",
                        "category": "security-impacting",
                        "reasons": [],
                    },
                ],
                "edges": [],
                "events": [],
                "unknowns": [],
            }
        )
    )
    out = tmp_path / "r.json"
    ecsguard("scan", SNAPSHOT, "--format", "json", "--scope", str(scope), "-o", str(out))
    results = json.loads(out.read_text())["results"]
    by_name = {r["resource"]["name"]: r["scope"] for r in results}
    assert by_name["mesh"] == "cde" and by_name["prod"] == "security-impacting"
    assert by_name["windows-100"] == "undetermined"
    ecsguard(
        "scan", SNAPSHOT, "--format", "json", "--scope", str(scope), "--cde-only", "-o", str(out)
    )
    names = {r["resource"]["name"] for r in json.loads(out.read_text())["results"]}
    assert names == {"mesh"}


def test_bad_input_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"ecsguard_snapshot": 1, "regions": []}')
    proc = ecsguard("scan", str(bad))
    assert proc.returncode == 2
    assert (
        proc.stderr.strip().startswith("ecsguard: error:")
        and len(proc.stderr.strip().splitlines()) == 1
    )
    assert ecsguard("scan").returncode == 2
    assert ecsguard("scan", SNAPSHOT, "--cde-only").returncode == 2


def test_checks_command() -> None:
    proc = ecsguard("checks", "--format", "json")
    assert proc.returncode == 0
    checks = json.loads(proc.stdout)
    assert any(c["id"] == "ecs.task_definition.no_privileged_containers" for c in checks)
    table = ecsguard("checks").stdout
    assert "ECS.4" in table and "host_network_user" not in table
    assert "host_network_user" in ecsguard("checks", "--all").stdout


def test_docs_catalogue_is_current() -> None:
    from ecsguard.posture.catalogue import catalogue_markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
    assert docs.read_text() == catalogue_markdown(), (
        "regenerate: ecsguard checks --format markdown > docs/checks.md"
    )


def test_quiet_lists_failing_results_and_counts_all(tmp_path: Path) -> None:
    full = ecsguard("scan", SNAPSHOT, "--format", "json")
    quiet = ecsguard("scan", SNAPSHOT, "--format", "json", "--quiet")
    assert full.returncode == quiet.returncode == 1, quiet.stderr
    full_doc, quiet_doc = json.loads(full.stdout), json.loads(quiet.stdout)
    assert {r["status"] for r in quiet_doc["results"]} == {"fail", "error"}
    assert quiet_doc["summary"] == full_doc["summary"] and quiet_doc["summary"]["pass"] > 0
    assert quiet_doc["results"] == [r for r in full_doc["results"] if r["status"] != "pass"]
    csv_full = ecsguard("scan", SNAPSHOT, "--format", "csv").stdout.splitlines()
    csv_quiet = ecsguard("scan", SNAPSHOT, "--format", "csv", "-q").stdout.splitlines()
    assert len(csv_quiet) == len(quiet_doc["results"]) + 1  # header
    assert len(csv_full) == len(full_doc["results"]) + 1
    for fmt in ("html", "table"):
        refused = ecsguard("scan", SNAPSHOT, "--format", fmt, "--quiet")
        assert refused.returncode == 2 and "--quiet applies to finding lists" in refused.stderr


def test_large_output_to_a_pipe_is_complete(tmp_path: Path) -> None:
    # batch commands leave through os._exit: everything written must be flushed first
    doc = json.loads(Path(SNAPSHOT).read_text())
    region = next(iter(doc["regions"].values()))
    template = region["ecs"]["taskDefinitions"][0]
    region["ecs"]["taskDefinitions"] = [
        {
            **template,
            "family": f"fam-{i}",
            "taskDefinitionArn": f"arn:aws:ecs:us-east-1:111122223333:task-definition/fam-{i}:1",
        }
        for i in range(400)
    ]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(doc))
    proc = ecsguard("scan", str(big), "--format", "json", "--check", "ecs.task_definition")
    assert proc.returncode == 1, proc.stderr
    assert len(proc.stdout) > 1_000_000
    result = json.loads(proc.stdout)
    families = {r["resource"]["name"].split(":")[0] for r in result["results"]}
    assert {f"fam-{i}" for i in range(400)} <= families
