"""``ecsguard diff``, ``history`` and ``prune`` as a user runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.cli import main
from ecsguard.posture.result import Finding, ResourceRef, finding_id
from ecsguard.store import open_store
from ecsguard.store.testing import sample_snapshot, snapshot_inventory

SECRET = "Pw-CliCanary-31337"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code: Any = main(list(argv))
    except SystemExit as exc:  # errors leave through sys.exit
        code = exc.code
    out, err = capsys.readouterr()
    return int(code or 0), out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    old = sample_snapshot(revisions=2)
    new = sample_snapshot(
        revisions=3,
        user="root",
        env={"LOG_LEVEL": "info", "DB_PASSWORD": SECRET},
        ingress=[(8443, "10.0.0.0/16"), (22, "0.0.0.0/0")],
        collected_at="2026-11-30T06:00:00Z",
    )
    paths = {}
    for name, doc in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.json"
        path.write_bytes(orjson.dumps(doc))
        paths[name] = str(path)
    paths["db"] = str(tmp_path / "h.db")
    return paths


def test_diff_two_snapshots_text_and_json(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, out, _ = run(capsys, "diff", files["old"], files["new"])
    assert code == 0
    td = "arn:aws:ecs:us-east-1:111122223333:task-definition/payment-api"
    assert out.splitlines()[0].endswith("7 changes, 7 security-relevant")
    assert out.splitlines()[1:] == [
        "! securityGroup sg-0payment ingress +tcp/22 from 0.0.0.0/0",
        f'! service payment-api taskDefinition: "{td}:2" -> "{td}:3"',
        "! taskDefinition payment-api:1 containerDefinitions[web].environment[DB_PASSWORD]:"
        ' + {"name":"DB_PASSWORD","value":"***"}',
        '! taskDefinition payment-api:1 containerDefinitions[web].user: "1000" -> "root"',
        "! taskDefinition payment-api:2 containerDefinitions[web].environment[DB_PASSWORD]:"
        ' + {"name":"DB_PASSWORD","value":"***"}',
        '! taskDefinition payment-api:2 containerDefinitions[web].user: "1000" -> "root"',
        f"! +taskDefinition payment-api:3 ({td}:3)",
    ]
    assert SECRET not in out
    code, out, _ = run(
        capsys, "diff", files["old"], files["new"], "--format", "json", "--security-only"
    )
    doc = orjson.loads(out)
    assert doc["ecsguard_diff"] == 1 and doc["old"] == files["old"] and len(doc["changes"]) == 7
    assert SECRET not in out


def test_revisions_from_an_input_and_from_the_store(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, out, _ = run(capsys, "diff", "payment-api:2", "payment-api:3", "--in", files["new"])
    assert code == 0
    assert out.splitlines()[1:] == [
        "! taskDefinition payment-api:3 containerDefinitions[web].image: "
        '"111122223333.dkr.ecr.us-east-1.amazonaws.com/payment-api:2" -> '
        '"111122223333.dkr.ecr.us-east-1.amazonaws.com/payment-api:3"'
    ]
    with open_store(files["db"]) as store:
        for name in ("old", "new"):
            inv = snapshot_inventory(orjson.loads(Path(files[name]).read_bytes()), files[name])
            store.record_run(inv, source=files[name], kind="collect")
    code, out, _ = run(capsys, "diff", "payment-api:1", "payment-api:3", "--db", files["db"])
    # both revisions as the latest run holding them (run 2) stored them
    assert code == 0 and out.splitlines()[1].endswith('payment-api:3"')
    code, out, _ = run(capsys, "diff", "run:1", "latest", "--db", files["db"], "--format", "json")
    assert {c["path"] for c in orjson.loads(out)["changes"]} >= {
        "IpPermissions[tcp/22 from 0.0.0.0/0]"
    }


STACK = str(Path(__file__).parent / "data" / "payment-stack.yaml")


def test_template_against_live_is_iac_drift(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, out, _ = run(capsys, "diff", STACK, files["old"])
    assert code == 0 and out.splitlines() == [
        f"diff {STACK} -> {files['old']}: 0 changes, 0 security-relevant"
    ]
    code, out, _ = run(capsys, "diff", STACK, files["new"])
    assert out.splitlines()[1:] == [
        "! securityGroup sg-0payment ingress +tcp/22 from 0.0.0.0/0",
        "! taskDefinition payment-api:3 containerDefinitions[web].environment[DB_PASSWORD]:"
        ' + {"name":"DB_PASSWORD","value":"***"}',
        '! taskDefinition payment-api:3 containerDefinitions[web].user: "1000" -> "root"',
    ]
    from ecsguard.collect.load import load_inputs
    from ecsguard.lifecycle.drift import iac_drift

    findings = iac_drift(load_inputs([STACK, files["new"]]))
    assert sorted(
        (f.resource.name, f.status, f.evidence.path if f.evidence else "") for f in findings
    ) == [
        ("payment-api", "fail", "IpPermissions[tcp/22 from 0.0.0.0/0]"),
        ("payment-api:3", "fail", "containerDefinitions[web].environment[DB_PASSWORD]"),
    ]
    assert SECRET not in str(findings)


def _finding(status: str) -> Finding:
    return Finding(
        id=finding_id("ecs.x", "arn:td"),
        check_id="ecs.x",
        title="x",
        severity="high",
        status=status,
        resource=ResourceRef(type="AWS::ECS::TaskDefinition", id="arn:td"),
    )


def test_history_estate_and_resource(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    with open_store(files["db"]) as store:
        for name, status in (("old", "pass"), ("new", "fail")):
            inv = snapshot_inventory(orjson.loads(Path(files[name]).read_bytes()), files[name])
            run_id = store.record_run(inv, source=files[name], kind="scan")
            store.record_findings(run_id, [_finding(status)])
    code, out, _ = run(capsys, "history", "--db", files["db"])
    assert code == 0
    assert "  run 2     +1 -0 !0  failing 1" in out
    assert (
        "  payment-api                    deployed      [1:registered, 2:registered, 3:deployed]"
        in out
    )
    code, out, _ = run(capsys, "history", "--db", files["db"], "--format", "json")
    doc: dict[str, Any] = orjson.loads(out)
    assert [s["finding"]["check_id"] for s in doc["findings"]] == ["ecs.x"]
    assert doc["as_of_run"] == 2 and doc["families"][0]["phase"] == "deployed"
    code, out, _ = run(capsys, "history", "sg-0payment", "--db", files["db"])
    assert code == 0
    assert out.splitlines()[1:] == [
        f"run 1     2026-11-29T06:00:00Z  appeared    securityGroup sg-0payment  ({files['old']})",
        f"run 2     2026-11-30T06:00:00Z  changed     securityGroup sg-0payment  ({files['new']})",
        "    ! securityGroup sg-0payment ingress +tcp/22 from 0.0.0.0/0",
    ]


def test_history_by_name_covers_every_resource_of_that_name(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    with open_store(files["db"]) as store:
        for name in ("old", "new"):
            inv = snapshot_inventory(orjson.loads(Path(files[name]).read_bytes()), files[name])
            store.record_run(inv, source=files[name], kind="collect")
    code, out, _ = run(capsys, "history", "payment-api", "--db", files["db"], "--format", "json")
    assert code == 0
    events = {(e["run_id"], e["event"], e["resource"]["name"]) for e in orjson.loads(out)["events"]}
    assert events == {
        (1, "appeared", "payment-api"),  # the service
        (1, "appeared", "payment-api:1"),
        (1, "appeared", "payment-api:2"),
        (2, "changed", "payment-api"),  # service moved to :3, group opened SSH
        (2, "changed", "payment-api:1"),
        (2, "changed", "payment-api:2"),
        (2, "appeared", "payment-api:3"),
    }


def test_configuration_at_a_time_and_who_registered_it(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    with open_store(files["db"]) as store:
        for name in ("old", "new"):
            inv = snapshot_inventory(orjson.loads(Path(files[name]).read_bytes()), files[name])
            store.record_run(inv, source=files[name], kind="collect")
    argv = ["history", "payment-api:2", "--db", files["db"], "--at"]
    code, out, _ = run(capsys, *argv, "2026-11-29T12:00:00Z")
    [then] = orjson.loads(out)["resources"]
    assert code == 0 and then["configuration"]["containerDefinitions"][0]["user"] == "1000"
    code, out, _ = run(capsys, *argv, "2026-12-01")
    [now] = orjson.loads(out)["resources"]
    assert now["configuration"]["containerDefinitions"][0]["user"] == "root"
    assert SECRET not in out and now["type"] == "AWS::ECS::TaskDefinition"
    code, out, _ = run(capsys, "history", "payment-api:3", "--db", files["db"])
    assert (
        "appeared    taskDefinition payment-api:3 by arn:aws:sts::111122223333:assumed-role/deployer/ci"
        in out
    )
    code, _, err = run(capsys, *argv, "2020-01-01")
    assert code == 2 and "no run before that time" in err


def test_bad_references_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, _, err = run(capsys, "diff", "no-such-file.json", files["new"], "--db", files["db"])
    assert (
        code == 2 and err.count("\n") == 1 and err.startswith("ecsguard: error: no-such-file.json:")
    )
    code, _, err = run(capsys, "diff", "run:99", files["new"], "--db", files["db"])
    assert code == 2 and "run:99: no such run" in err
    code, _, err = run(capsys, "history", "nothing-here", "--db", files["db"])
    assert code == 2 and "no stored resource matches" in err
    code, _, err = run(capsys, "diff", "payment-api:1", files["new"], "--in", files["new"])
    assert code == 2 and err.startswith("ecsguard: error:")


def test_prune(capsys: pytest.CaptureFixture[str], files: dict[str, str]) -> None:
    with open_store(files["db"]) as store:
        inv = snapshot_inventory(orjson.loads(Path(files["old"]).read_bytes()), files["old"])
        store.record_run(inv, source=files["old"], kind="collect")
    code, _, err = run(capsys, "prune", "--keep-days", "30", "--db", files["db"])
    assert code == 0 and err.startswith("pruned 0 runs")
    code, _, err = run(capsys, "prune", "--keep-days", "0", "--db", files["db"])
    assert code == 0 and err.startswith("pruned 1 runs")
    with open_store(files["db"]) as store:
        assert store.runs() == [] and store.counts()["blobs"] == 0
