"""`ecsguard report` and `ecsguard frameworks` end to end through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from ecsguard.cli import main
from ecsguard.posture.result import ScanResult


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def saved(tmp_path: Path, snapshot_result: ScanResult) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes(orjson.dumps(snapshot_result.to_dict()))
    return path


def test_report_writes_html_and_json(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attest = tmp_path / "attest.yaml"
    attest.write_text(
        "attestations:\n  - {framework: pci-dss-4.0, requirement: '12.5.2', owner: J,"
        " date: 2026-01-01, expires: 2099-01-01, evidence: https://x}\n",
        encoding="utf-8",
    )
    scope = tmp_path / "scope.json"
    scope.write_text(
        json.dumps({"ecsguard_scope": 1, "components": [{"id": "a", "category": "cde"}]})
    )
    html_out = tmp_path / "evidence.html"
    code, _, err = _run(
        [
            "report",
            str(saved),
            "--framework",
            "pci",
            "-o",
            str(html_out),
            "--attestations",
            str(attest),
            "--scope",
            str(scope),
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert html_out.read_text(encoding="utf-8").startswith("<!doctype html>")
    json_out = tmp_path / "evidence.json"
    code, _, _ = _run(
        [
            "report",
            str(saved),
            "--framework",
            "pci-dss-4.0",
            "-o",
            str(json_out),
            "--attestations",
            str(attest),
            "--scope",
            str(scope),
        ],
        capsys,
    )
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    assert code == 0
    by_id = {r["id"]: r for r in doc["requirements"]}
    assert by_id["12.5.2"]["status"] == "pass"
    assert by_id["12.5.2"]["scope_evidence"]["by_category"] == {"cde": 1}
    assert by_id["7.2.1"]["status"] == "fail"


def test_report_to_stdout_as_json(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["report", str(saved), "--framework", "aws-fsbp", "--format", "json"], capsys
    )
    assert code == 0
    assert json.loads(out)["framework"]["id"] == "aws-fsbp"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "attestations:\n  - {framework: pci-dss-4.0, requirement: '99'}\n",
            "has no requirement '99'",
        ),
        ("attestations: [", "not valid YAML"),
    ],
)
def test_bad_attestations_exit_2_with_one_line(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    attest = tmp_path / "attest.yaml"
    attest.write_text(content, encoding="utf-8")
    code, _, err = _run(
        ["report", str(saved), "--framework", "pci", "--attestations", str(attest)], capsys
    )
    assert code == 2
    assert err.startswith(f"ecsguard: error: {attest}") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_inputs_exit_2(tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"tool": {"name": "ecsguard"}, "results": [{"id": 1}]}', encoding="utf-8")
    for argv, message in [
        (["report", str(saved), "--framework", "sox"], "unknown framework 'sox'"),
        (["report", str(broken), "--framework", "pci"], "not an ecsguard scan result"),
        (["report", str(tmp_path / "missing.json"), "--framework", "pci"], "cannot read"),
    ]:
        code, _, err = _run(argv, capsys)
        assert code == 2, argv
        assert message in err and "Traceback" not in err


def test_frameworks_lists_shipped_frameworks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["frameworks", "--format", "json"], capsys)
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["pci-dss-4.0"]["requirements"] >= 30
    assert rows["hipaa-security-rule"]["manual"] > 0
    code, out, _ = _run(["frameworks"], capsys)
    assert "nist-800-53-r5" in out and "aws-fsbp" in out
    code, out, _ = _run(["frameworks", "pci"], capsys)
    assert "12.5.2" in out and "fargate: aws" in out
    assert "- ecs.service.no_public_ip [securityhub]" in out


def test_report_scans_raw_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ecsguard.sample import snapshot_path

    template = Path(__file__).resolve().parents[1] / "loaders" / "data" / "estate.yaml"
    for source in (snapshot_path(), template):
        out = tmp_path / "pack.json"
        code, _, err = _run(
            [
                "report",
                str(source),
                "--framework",
                "pci",
                "--launch-type",
                "fargate",
                "-o",
                str(out),
            ],
            capsys,
        )
        assert (code, err) == (0, ""), source
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["summary"]["findings"]["fail"] > 0
        assert doc["framework"]["launch_type"] == "fargate"
        checks = {c["check_id"] for r in doc["requirements"] for c in r["checks"] if c["resources"]}
        assert "ecs.task_definition.no_privileged_containers" in checks
