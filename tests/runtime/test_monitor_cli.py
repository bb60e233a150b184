"""``ecsguard monitor`` and ``ecsguard rules`` end to end through the click command group."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from ecsguard.cli import cli
from ecsguard.runtime.examples import build_event
from ecsguard.sample.runtime import events_path

ATTACK = build_event(
    {
        "class_uid": 1007,
        "process": {"name": "xmrig", "cmd_line": "xmrig -o stratum+tcp://198.51.100.9:3333"},
        "actor": {"process": {"name": "sh"}},
    }
)


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_monitor_json_lines_and_fail_on(tmp_path: Path) -> None:
    src = _write(
        tmp_path / "e.jsonl", [orjson.dumps(ATTACK), b"{bad", orjson.dumps({"class_uid": 1001})]
    )
    result = CliRunner().invoke(cli, ["monitor", "--source", f"file:{src}", "--fail-on", "high"])
    assert result.exit_code == 1, result.output
    (line,) = result.stdout.splitlines()
    alert = orjson.loads(line)
    assert (
        alert["finding_type"] == "Impact:Runtime/CryptoMinerExecuted"
        and alert["severity"] == "high"
    )
    assert f"{src}:2: malformed JSON" in result.stderr, result.stderr
    assert "3 events" not in result.stderr and "2 events, 1 malformed" in result.stderr
    quiet = CliRunner().invoke(cli, ["monitor", "--source", f"file:{src}", "--fail-on", "critical"])
    assert quiet.exit_code == 0


def test_monitor_formats_and_file_sink(tmp_path: Path) -> None:
    src = _write(tmp_path / "e.jsonl", [orjson.dumps(ATTACK)])
    out = tmp_path / "alerts.asff.jsonl"
    result = CliRunner().invoke(
        cli, ["monitor", "--source", str(src), "--format", "asff", "--sink", f"file:{out}"]
    )
    assert result.exit_code == 0 and result.stdout == ""
    finding = orjson.loads(out.read_bytes().splitlines()[0])
    assert (
        finding["SchemaVersion"] == "2018-10-08"
        and finding["GeneratorId"] == "ecsguard/ecsguard.exec.crypto_miner"
    )
    ocsf = CliRunner().invoke(cli, ["monitor", "--source", str(src), "--format", "ocsf"])
    assert orjson.loads(ocsf.stdout.splitlines()[0])["class_uid"] == 2004


def test_learn_then_detect_with_baseline_file(tmp_path: Path) -> None:
    normal = build_event(
        {
            "class_uid": 1007,
            "process": {"name": "java", "file": {"path": "/usr/bin/java"}},
            "actor": {"process": {"name": "tini"}},
        }
    )
    odd = build_event(
        {
            "class_uid": 1007,
            "process": {"name": "perl", "file": {"path": "/usr/bin/perl"}},
            "actor": {"process": {"name": "tini"}},
        },
        1,
    )
    base = tmp_path / "baseline.json"
    learn = CliRunner().invoke(
        cli,
        [
            "monitor",
            "--source",
            str(_write(tmp_path / "n.jsonl", [orjson.dumps(normal)])),
            "--learn",
            "--baseline",
            str(base),
        ],
    )
    assert learn.exit_code == 0 and base.exists() and learn.stdout == ""
    detect = CliRunner().invoke(
        cli,
        [
            "monitor",
            "--source",
            str(_write(tmp_path / "o.jsonl", [orjson.dumps(odd)])),
            "--baseline",
            str(base),
        ],
    )
    types = {orjson.loads(x)["finding_type"] for x in detect.stdout.splitlines()}
    assert types == {"Behavior:Runtime/NewExecutable", "Behavior:Runtime/NewProcessLineage"}


def test_bad_rules_file_warns_and_monitor_still_runs(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        "- rule: X\n  desc: x\n  condition: proc.name = (\n  output: x\n  priority: INFO\n"
    )
    src = _write(tmp_path / "e.jsonl", [orjson.dumps(ATTACK)])
    result = CliRunner().invoke(cli, ["monitor", "--source", str(src), "--rules", str(rules)])
    assert result.exit_code == 0
    assert f"{rules}:3:" in result.stderr and len(result.stdout.splitlines()) == 1


def test_bundled_demo_stream_alerts() -> None:
    result = CliRunner().invoke(cli, ["monitor", "--source", f"file:{events_path()}"])
    assert result.exit_code == 0
    alerts = [orjson.loads(x) for x in result.stdout.splitlines()]
    assert len(alerts) >= 5 and all(
        a["resource"]["task_arn"].startswith("arn:aws:ecs:us-east-1:123456789012:task/")
        for a in alerts
    )


def test_rules_lists_shipped_rules() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    rows = orjson.loads(result.stdout)
    assert {"ecsguard.exec.reverse_shell_cmdline", "ecsguard.privesc.release_agent"} <= {
        r["id"] for r in rows
    }
    table = CliRunner().invoke(cli, ["rules"])
    assert "Execution:Runtime/ReverseShell" in table.stdout
    cover = CliRunner().invoke(cli, ["rules", "--coverage"])
    assert (
        "| `PrivilegeEscalation:Runtime/CGroupsReleaseAgentModified` | `ecsguard.privesc.release_agent` |"
        in cover.stdout
    )


def test_db_keeps_alerts_and_baselines(tmp_path: Path) -> None:
    from ecsguard.store import open_store

    db = tmp_path / "ecsguard.db"
    normal = build_event(
        {
            "class_uid": 1007,
            "process": {"name": "java", "file": {"path": "/usr/bin/java"}},
            "actor": {"process": {"name": "tini"}},
        }
    )
    learn = CliRunner().invoke(
        cli,
        [
            "monitor",
            "--source",
            str(_write(tmp_path / "n.jsonl", [orjson.dumps(normal)])),
            "--learn",
            "--db",
            str(db),
        ],
    )
    assert learn.exit_code == 0, learn.output
    src = _write(tmp_path / "e.jsonl", [orjson.dumps(ATTACK)])
    result = CliRunner().invoke(cli, ["monitor", "--source", str(src), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with open_store(str(db)) as store:
        assert store.load_baseline("payments/payment-api/payment-api") is not None
        stored = {a["rule_id"] for a in store.alerts()}
    assert {"ecsguard.exec.crypto_miner", "baseline.executables"} <= stored
