"""EventBridge rules that start ECS tasks: created in the real moto server next to the sample
estate, collected by ``ecsguard collect`` (a subprocess), judged; and a rule whose targets
could not be read (an injected fault) is an error, never a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from collect_testlib import Run, by, run_collect

from ecsguard.collect.snapshot import load_snapshot
from ecsguard.config import Config
from ecsguard.model import InventoryBuilder
from ecsguard.posture.run import RunRequest, run_scan
from ecsguard.sample.estate import Estate
from ecsguard.testing import client

PARTIAL = 3
ACCOUNT = "123456789012"


def _ecs(public: str, **extra: Any) -> dict[str, Any]:
    return {
        "TaskDefinitionArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/report:1",
        "TaskCount": 1,
        "NetworkConfiguration": {
            "awsvpcConfiguration": {
                "Subnets": ["subnet-0a"],
                "SecurityGroups": ["sg-0a"],
                "AssignPublicIp": public,
            }
        },
        "EnableECSManagedTags": True,
        "PropagateTags": "TASK_DEFINITION",
        "Tags": [{"Key": "owner", "Value": "reports"}],
        **extra,
    }


@pytest.fixture(scope="module")
def rules(estate: Estate) -> Estate:
    events: Any = client(estate.url, "events")
    cluster = estate.ids["cluster:platform"]
    role = f"arn:aws:iam::{ACCOUNT}:role/ecsEventsRole"
    events.put_rule(Name="nightly-report-public", ScheduleExpression="cron(0 3 * * ? *)")
    events.put_targets(
        Rule="nightly-report-public",
        Targets=[
            {
                "Id": "report",
                "Arn": cluster,
                "RoleArn": role,
                "EcsParameters": _ecs("ENABLED", LaunchType="FARGATE", PlatformVersion="1.3.0"),
            }
        ],
    )
    events.put_rule(Name="hourly-report", ScheduleExpression="rate(1 hour)")
    events.put_targets(
        Rule="hourly-report",
        Targets=[
            {
                "Id": "report",
                "Arn": cluster,
                "RoleArn": role,
                "EcsParameters": _ecs("DISABLED", LaunchType="FARGATE", PlatformVersion="LATEST"),
            }
        ],
    )
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    events.put_targets(
        Rule="tick",
        Targets=[{"Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tick"}],
    )
    return estate


def _judge(run: Run) -> dict[str, dict[str, str]]:
    builder = InventoryBuilder()
    load_snapshot(run.snapshot, "snapshot.json", builder)
    result = run_scan(builder.build(), Config(), RunRequest(only=("ecs.scheduled_task",)))
    out: dict[str, dict[str, str]] = {}
    for f in result.results:
        out.setdefault(f.check_id, {})[f.resource.name] = f.status
    return out


def test_rules_with_ecs_targets_are_collected_in_the_api_shape(
    rules: Estate, tmp_path: Path
) -> None:
    run = run_collect(rules.url, tmp_path)
    assert run.code == 0, run.stderr
    collected = by(run.region["events"]["rules"], "Name")
    assert set(collected) == {"nightly-report-public", "hourly-report"}  # no Lambda-only rule
    nightly = collected["nightly-report-public"]
    assert nightly["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert nightly["Arn"].endswith(":rule/nightly-report-public")
    (target,) = nightly["Targets"]
    assert target["Arn"] == rules.ids["cluster:platform"]
    ecs = target["EcsParameters"]
    assert ecs["NetworkConfiguration"]["awsvpcConfiguration"]["AssignPublicIp"] == "ENABLED"
    assert (ecs["LaunchType"], ecs["PlatformVersion"]) == ("FARGATE", "1.3.0")
    assert ecs["Tags"] == [{"Key": "owner", "Value": "reports"}]
    verdicts = _judge(run)
    assert verdicts["ecs.scheduled_task.no_public_ip"] == {
        "nightly-report-public": "fail",
        "hourly-report": "pass",
    }
    assert verdicts["ecs.scheduled_task.fargate_latest_platform"] == {
        "nightly-report-public": "fail",
        "hourly-report": "pass",
    }


def test_targets_that_could_not_be_read_are_an_error(rules: Estate, tmp_path: Path) -> None:
    faults = "events:ListTargetsByRule@hourly-report=AccessDenied"
    run = run_collect(rules.url, tmp_path, faults=faults)
    assert run.code == PARTIAL
    arn = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/hourly-report"
    assert [(e["service"], e["operation"], e["resource"]) for e in run.snapshot["errors"]] == [
        ("events", "ListTargetsByRule", arn)
    ]
    assert run.snapshot["errors"][0]["message"].startswith("AccessDeniedException:")
    assert {r["Name"] for r in run.region["events"]["rules"]} == {"nightly-report-public"}
    verdicts = _judge(run)["ecs.scheduled_task.no_public_ip"]
    assert verdicts == {"nightly-report-public": "fail", "hourly-report": "error"}


def test_rules_that_could_not_be_listed_leave_the_region_in_error(
    rules: Estate, tmp_path: Path
) -> None:
    run = run_collect(
        rules.url, tmp_path, "--max-attempts", "2", faults="events:ListRules=Throttling"
    )
    assert run.code == PARTIAL
    assert [(e["service"], e["operation"]) for e in run.snapshot["errors"]] == [
        ("events", "ListRules")
    ]
    assert run.region["events"]["rules"] == []
    assert run.region["ecs"]["clusters"]  # the rest was read
    verdicts = _judge(run)
    assert set(verdicts["ecs.scheduled_task.no_public_ip"].values()) == {"error"}
