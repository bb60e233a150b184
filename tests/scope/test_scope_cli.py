"""``ecsguard scope`` end to end: formats, drift gate, errors as one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scope_estate import perm
from scope_payment import payment_estate

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from ecsguard.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    e = payment_estate()
    (tmp_path / "old.json").write_text(json.dumps(e.doc))
    e.doc["regions"]["us-east-1"]["ec2"]["securityGroups"][2]["IpPermissions"].append(
        perm("tcp", 8080, cidrs=["10.0.0.0/16"])
    )
    (tmp_path / "new.json").write_text(json.dumps(e.doc))
    (tmp_path / "flows.yaml").write_text(
        "flows:\n  - {id: F1, from: 'external:customer', to: payment-api, elements: [PAN], port: 443}\n"
    )
    (tmp_path / "scope.yaml").write_text(
        "workloads:\n  reports: {chd: [none], justification: batch reports on aggregates}\n"
    )
    (tmp_path / "ecsguard.toml").write_text("[scope]\ncotenancy = 'cde'\n")
    return tmp_path


def test_formats_and_drift_gate(files: Path) -> None:
    out = _run(
        "scope",
        "new.json",
        "--format",
        "json",
        "--flows",
        "flows.yaml",
        "--declarations",
        "scope.yaml",
        cwd=files,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["ecsguard_scope"] == 1
    reports = next(
        c for c in report["components"] if c["name"] == "reports" and c["kind"] == "service"
    )
    assert (
        reports["declaration"]["source"] == "scope.yaml" and reports["category"] == "connected-to"
    )
    gate = _run("scope", "new.json", "--baseline", "old.json", "--fail-on-drift", cwd=files)
    assert gate.returncode == 1 and "NEW_CDE_INGRESS_PATH" in gate.stdout
    same = _run("scope", "old.json", "--baseline", "old.json", "--fail-on-drift", cwd=files)
    assert same.returncode == 0, same.stdout
    for fmt, marker in (("dot", "digraph"), ("mermaid", "flowchart"), ("html", "<!DOCTYPE html>")):
        res = _run("scope", "old.json", "--format", fmt, "-o", f"out.{fmt}", cwd=files)
        assert res.returncode == 0 and (files / f"out.{fmt}").read_text().lstrip().startswith(
            marker
        )


def test_stored_scope_json_is_a_baseline(files: Path) -> None:
    assert (
        _run("scope", "old.json", "--format", "json", "-o", "old.scope.json", cwd=files).returncode
        == 0
    )
    res = _run("scope", "new.json", "--baseline", "old.scope.json", "--format", "json", cwd=files)
    assert res.returncode == 0
    types = {e["type"] for e in json.loads(res.stdout)["events"]}
    assert {"NEW_CDE_INGRESS_PATH", "SCOPE_EXPANDED", "SEGMENTATION_BROKEN"} <= types


def test_bad_inputs_exit_2_with_one_line(files: Path) -> None:
    (files / "bad.yaml").write_text("flows:\n  - {id: F1, to: x}\n")
    res = _run("scope", "old.json", "--flows", "bad.yaml", cwd=files)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
    assert "bad.yaml:flows[0].from" in res.stderr
    (files / "bad.toml").write_text("[scope]\ncotenancy = 'maybe'\n")
    res = _run("scope", "old.json", "--config", "bad.toml", cwd=files)
    assert res.returncode == 2 and "scope.cotenancy" in res.stderr
    res = _run("scope", "missing.json", cwd=files)
    assert res.returncode == 2 and "missing.json" in res.stderr


def test_record_then_since_compares_with_the_stored_run(files: Path) -> None:
    db = str(files / "hist.db")
    assert _run("scope", "old.json", "--db", db, "--record", cwd=files).returncode == 0
    same = _run(
        "scope", "old.json", "--db", db, "--since", "2999-01-01", "--fail-on-drift", cwd=files
    )
    assert same.returncode == 0, same.stdout + same.stderr
    moved = _run(
        "scope", "new.json", "--db", db, "--since", "2999-01-01", "--fail-on-drift", cwd=files
    )
    assert moved.returncode == 1 and "NEW_CDE_INGRESS_PATH" in moved.stdout
    early = _run("scope", "new.json", "--db", db, "--since", "2000-01-01", cwd=files)
    assert early.returncode == 2 and "no scope report or run is stored" in early.stderr
