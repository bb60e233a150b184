"""``ecsguard scope`` end to end: formats, drift gate, errors as one line with exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from scope_estate import perm
from scope_payment import payment_estate

from ecsguard.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[..., Result]


@pytest.fixture
def run(files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    """The console entry point in process, as ``sys.exit(main())`` runs it."""
    monkeypatch.chdir(files)

    def _run(*args: str) -> Result:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return Result(int(code or 0), out, err)

    return _run


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


def test_formats_and_drift_gate(files: Path, run: Runner) -> None:
    out = run(
        "scope",
        "new.json",
        "--format",
        "json",
        "--flows",
        "flows.yaml",
        "--declarations",
        "scope.yaml",
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
    gate = run("scope", "new.json", "--baseline", "old.json", "--fail-on-drift")
    assert gate.returncode == 1 and "NEW_CDE_INGRESS_PATH" in gate.stdout
    same = run("scope", "old.json", "--baseline", "old.json", "--fail-on-drift")
    assert same.returncode == 0, same.stdout
    for fmt, marker in (("dot", "digraph"), ("mermaid", "flowchart"), ("html", "<!DOCTYPE html>")):
        res = run("scope", "old.json", "--format", fmt, "-o", f"out.{fmt}")
        assert res.returncode == 0 and (files / f"out.{fmt}").read_text().lstrip().startswith(
            marker
        )


def test_stored_scope_json_is_a_baseline(files: Path, run: Runner) -> None:
    assert run("scope", "old.json", "--format", "json", "-o", "old.scope.json").returncode == 0
    res = run("scope", "new.json", "--baseline", "old.scope.json", "--format", "json")
    assert res.returncode == 0
    types = {e["type"] for e in json.loads(res.stdout)["events"]}
    assert {"NEW_CDE_INGRESS_PATH", "SCOPE_EXPANDED", "SEGMENTATION_BROKEN"} <= types


def test_bad_inputs_exit_2_with_one_line(files: Path, run: Runner) -> None:
    (files / "bad.yaml").write_text("flows:\n  - {id: F1, to: x}\n")
    res = run("scope", "old.json", "--flows", "bad.yaml")
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
    assert "bad.yaml:flows[0].from" in res.stderr
    (files / "bad.toml").write_text("[scope]\ncotenancy = 'maybe'\n")
    res = run("scope", "old.json", "--config", "bad.toml")
    assert res.returncode == 2 and "scope.cotenancy" in res.stderr
    res = run("scope", "missing.json")
    assert res.returncode == 2 and "missing.json" in res.stderr


def test_record_then_since_compares_with_the_stored_run(files: Path, run: Runner) -> None:
    db = str(files / "hist.db")
    assert run("scope", "old.json", "--db", db, "--record").returncode == 0
    same = run("scope", "old.json", "--db", db, "--since", "2999-01-01", "--fail-on-drift")
    assert same.returncode == 0, same.stdout + same.stderr
    moved = run("scope", "new.json", "--db", db, "--since", "2999-01-01", "--fail-on-drift")
    assert moved.returncode == 1 and "NEW_CDE_INGRESS_PATH" in moved.stdout
    early = run("scope", "new.json", "--db", db, "--since", "2000-01-01")
    assert early.returncode == 2 and "no scope report or run is stored" in early.stderr


def test_gate_with_a_baseline_fails_only_on_change(files: Path, run: Runner) -> None:
    # token-only flow declared: payment-api's other paths are undeclared in both runs
    (files / "tokens.yaml").write_text(
        "flows:\n  - {id: T1, from: payment-api, to: tokenizer, elements: [token], port: 8080}\n"
    )
    alone = run("scope", "old.json", "--flows", "tokens.yaml", "--fail-on-drift")
    assert alone.returncode == 1 and "UNDECLARED_FLOW" in alone.stdout
    same = run(
        "scope", "old.json", "--baseline", "old.json", "--flows", "tokens.yaml", "--fail-on-drift"
    )
    assert same.returncode == 0 and "UNDECLARED_FLOW" in same.stdout
    moved = run(
        "scope", "new.json", "--baseline", "old.json", "--flows", "tokens.yaml", "--fail-on-drift"
    )
    assert moved.returncode == 1
