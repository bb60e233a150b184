"""CloudWatch Logs and Security Hub sinks against a real moto server."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from ecsguard.sinks.cloudwatch import (
    EVENT_OVERHEAD,
    MAX_BATCH_BYTES,
    CloudWatchLogsSink,
    SinkError,
    batches,
    parse_spec,
)
from ecsguard.sinks.securityhub import SecurityHubSink
from ecsguard.testing import boto_session, client


def test_spec_parsing() -> None:
    t = parse_spec("cloudwatch:/ecsguard/findings")
    assert (t.group, t.create) == ("/ecsguard/findings", False)
    assert t.stream.startswith("ecsguard-")
    t = parse_spec("cloudwatch:/ecsguard/findings/run-1")
    assert (t.group, t.stream) == ("/ecsguard/findings", "run-1")
    t = parse_spec("cloudwatch:/a/b/c/?create=true&retention=365")
    assert (t.group, t.create, t.retention_days) == ("/a/b/c", True, 365)
    assert parse_spec("cloudwatch:g?stream=s").stream == "s"


def test_batches_respect_limits() -> None:
    big = "x" * 200_000
    events = [{"timestamp": 1_700_000_000_000 + i, "message": big} for i in range(12)]
    out = list(batches(events))
    assert sum(len(b) for b in out) == 12
    for batch in out:
        assert sum(len(e["message"]) + EVENT_OVERHEAD for e in batch) <= MAX_BATCH_BYTES
    many = [{"timestamp": 1, "message": "m"} for _ in range(25_000)]
    assert [len(b) for b in batches(many)] == [10_000, 10_000, 5_000]
    day = 24 * 3600 * 1000
    spread = [{"timestamp": t, "message": "m"} for t in (0, 1, day + 5)]
    assert [len(b) for b in batches(spread)] == [2, 1]


def records(n: int, secret: str = "") -> list[dict[str, Any]]:
    return [
        {
            "check_id": "ecs.task_definition.no_privileged_containers",
            "status": "fail",
            "resource": {"id": f"arn:aws:ecs:us-east-1:123456789012:task-definition/web:{i}"},
            "evidence": {"path": "containerDefinitions[0].environment[0]", "value": secret},
        }
        for i in range(n)
    ]


def test_cloudwatch_creates_group_and_delivers(clean_moto: str) -> None:
    canary = "AKIAIOSFODNN7CANARY1"
    sink = CloudWatchLogsSink(
        "cloudwatch:/ecsguard/findings/scan-1?create=true&retention=400",
        session=boto_session(clean_moto),
        endpoint_url=clean_moto,
    )
    report = sink.send(records(30, secret=canary))
    assert (report.sent, report.batches) == (30, 1)
    logs: Any = client(clean_moto, "logs")
    group = logs.describe_log_groups(logGroupNamePrefix="/ecsguard/findings")["logGroups"][0]
    assert group["retentionInDays"] == 400
    events = logs.get_log_events(logGroupName="/ecsguard/findings", logStreamName="scan-1")[
        "events"
    ]
    assert len(events) == 30
    first = orjson.loads(events[0]["message"])
    assert first["check_id"] == "ecs.task_definition.no_privileged_containers"
    assert all(canary not in e["message"] for e in events)
    # A second send appends to the same stream.
    sink.send(records(5))
    events = logs.get_log_events(logGroupName="/ecsguard/findings", logStreamName="scan-1")[
        "events"
    ]
    assert len(events) == 35


def test_cloudwatch_missing_group_is_a_clear_error(clean_moto: str) -> None:
    sink = CloudWatchLogsSink(
        "cloudwatch:/does/not/exist/", session=boto_session(clean_moto), endpoint_url=clean_moto
    )
    with pytest.raises(SinkError, match=r"log group /does/not/exist does not exist"):
        sink.send(records(1))


def asff(finding_id: str, status: str, account: str = "123456789012") -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": f"arn:aws:securityhub:us-east-1:{account}:product/{account}/default",
        "GeneratorId": "ecsguard/ecs.task_definition.no_privileged_containers",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2026-12-01T00:00:00.000Z",
        "UpdatedAt": "2026-12-01T00:00:00.000Z",
        "Severity": {"Label": "HIGH"},
        "Title": "Containers run privileged",
        "Description": "containerDefinitions[0].privileged is true",
        "Resources": [{"Type": "AwsEcsTaskDefinition", "Id": f"arn:aws:ecs:::td/{finding_id}"}],
        "Compliance": {"Status": status},
    }


def test_securityhub_imports_in_batches_and_updates_in_place(clean_moto: str) -> None:
    hub: Any = client(clean_moto, "securityhub")
    hub.enable_security_hub()
    sink = SecurityHubSink(session=boto_session(clean_moto), endpoint_url=clean_moto)
    first = [asff(f"id-{i}", "FAILED") for i in range(250)]
    report = sink.send(first)
    assert (report.sent, report.batches, report.failed) == (250, 3, [])
    # Second run: same ids; id-0 now passes. Nothing duplicates; id-0 is archived.
    second = [asff("id-0", "PASSED")] + [asff(f"id-{i}", "FAILED") for i in range(1, 250)]
    sink.send(second)
    found = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        page = hub.get_findings(**kwargs)
        found += page["Findings"]
        token = page.get("NextToken")
        if not token:
            break
    assert len(found) == 250
    resolved = next(f for f in found if f["Id"] == "id-0")
    assert resolved["Compliance"]["Status"] == "PASSED"
    assert resolved["RecordState"] == "ARCHIVED"


def make_alert(i: int) -> Any:
    from ecsguard.runtime.alerts import Alert

    return Alert(
        rule_id="reverse_shell",
        finding_type="Execution:Runtime/ReverseShell",
        severity="high",
        title="Reverse shell",
        detail="bash connected its stdin to a socket",
        time_ms=1_764_500_000_000 + i,
        event_uids=[f"e{i}"],
        resource={
            "cluster": "payments",
            "task_arn": "arn:aws:ecs:us-east-1:123456789012:task/payments/0123456789abcdef0123456789abcdef",
            "container": "app",
        },
        process={"name": "bash", "cmdline": "bash -i", "pid": 100 + i, "ancestors": ["node"]},
        mitre=["T1059"],
    )


def test_alert_sinks_deliver_through_monitor_protocol(
    clean_moto: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecsguard.sinks.alerts import CloudWatchAlertSink, SecurityHubAlertSink

    monkeypatch.setenv("AWS_ENDPOINT_URL", clean_moto)
    hub: Any = client(clean_moto, "securityhub")
    hub.enable_security_hub()
    cw = CloudWatchAlertSink("cloudwatch:/ecsguard/alerts/monitor-1?create=true")
    sh = SecurityHubAlertSink()
    for i in range(150):
        alert = make_alert(i)
        cw.emit(alert)
        sh.emit(alert)
    cw.close()
    sh.close()
    logs: Any = client(clean_moto, "logs")
    events = logs.get_log_events(logGroupName="/ecsguard/alerts", logStreamName="monitor-1")[
        "events"
    ]
    assert len(events) == 150
    assert orjson.loads(events[0]["message"])["finding_type"] == "Execution:Runtime/ReverseShell"
    findings = hub.get_findings(MaxResults=100)
    assert len(findings["Findings"]) == 100 and findings.get("NextToken")


def test_monitor_sends_alerts_to_cloudwatch_and_security_hub(
    clean_moto: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys
    from pathlib import Path

    hub: Any = client(clean_moto, "securityhub")
    hub.enable_security_hub()
    events = Path(__file__).resolve().parents[2] / "src/ecsguard/sample/runtime/events.jsonl"
    env = {**__import__("os").environ, "AWS_ENDPOINT_URL": clean_moto}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecsguard",
            "monitor",
            "--source",
            f"file:{events}",
            "--sink",
            "cloudwatch:/ecsguard/alerts/demo?create=true",
            "--sink",
            "securityhub",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    logs: Any = client(clean_moto, "logs")
    delivered = logs.get_log_events(logGroupName="/ecsguard/alerts", logStreamName="demo")["events"]
    assert delivered, "no alert reached CloudWatch Logs"
    types = {orjson.loads(e["message"])["finding_type"] for e in delivered}
    assert "Execution:Runtime/ReverseShell" in types
    findings = hub.get_findings(MaxResults=100)["Findings"]
    assert len(findings) == len(delivered)
