"""The shipped deployment snippets are valid ECS API input (botocore's model, moto server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.testing import client

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((DEPLOY / name).read_bytes())
    return doc


@pytest.mark.parametrize(
    "name", ["fargate-sidecar-taskdef.json", "ec2-daemon-taskdef.json", "monitor-taskdef.json"]
)
def test_task_definitions_register(clean_moto: str, name: str) -> None:
    ecs: Any = client(clean_moto, "ecs")
    taskdef = ecs.register_task_definition(**_load(name))["taskDefinition"]
    assert taskdef["status"] == "ACTIVE"


def test_fargate_sidecar_shares_the_task_pid_namespace() -> None:
    doc = _load("fargate-sidecar-taskdef.json")
    assert doc["pidMode"] == "task"
    sidecar = next(c for c in doc["containerDefinitions"] if c["name"] == "ecsguard-agent")
    assert sidecar["command"][:3] == ["agent", "--mode", "procfs"]
    assert sidecar["linuxParameters"]["capabilities"]["add"] == ["SYS_PTRACE"]


def test_daemon_service_and_monitors(clean_moto: str) -> None:
    ecs: Any = client(clean_moto, "ecs")
    ecs.create_cluster(clusterName="payments")
    ecs.register_task_definition(**_load("ec2-daemon-taskdef.json"))
    service = ecs.create_service(**_load("ec2-daemon-service.json"))["service"]
    assert service["schedulingStrategy"] == "DAEMON"
    monitors = _load("monitor-service.json")
    assert monitors["desiredCount"] > 1
