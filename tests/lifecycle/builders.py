"""Small inventories in real API shapes for lifecycle unit tests (live, template, tasks)."""

from __future__ import annotations

from typing import Any

from ecsguard.model import Inventory, InventoryBuilder, Origin

ACCOUNT = "111122223333"
REGION = "us-east-1"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"


def td_arn(family: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


def live_td(family: str, revision: int, **container: Any) -> dict[str, Any]:
    """A DescribeTaskDefinition ``taskDefinition`` with the defaults the API fills in."""
    web = {
        "name": "web",
        "image": "nginx:1.25",
        "cpu": 0,
        "essential": True,
        "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
        "environment": [{"name": "LOG_LEVEL", "value": "info"}],
        "mountPoints": [],
        "volumesFrom": [],
        "user": "1000",
        "systemControls": [],
    }
    web.update(container)
    return {
        "taskDefinitionArn": td_arn(family, revision),
        "family": family,
        "revision": revision,
        "status": "ACTIVE",
        "networkMode": "awsvpc",
        "containerDefinitions": [web],
        "requiresCompatibilities": ["FARGATE"],
        "compatibilities": ["EC2", "FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": 1764000000.0 + revision,
        "registeredBy": f"arn:aws:iam::{ACCOUNT}:user/deployer",
    }


def template_td(family: str, **container: Any) -> dict[str, Any]:
    """The same definition as a CloudFormation AWS::ECS::TaskDefinition's properties give it."""
    web = {
        "name": "web",
        "image": "nginx:1.25",
        "portMappings": [{"containerPort": 8080}],
        "environment": [{"name": "LOG_LEVEL", "value": "info"}],
        "user": "1000",
    }
    web.update(container)
    return {
        "family": family,
        "networkMode": "awsvpc",
        "containerDefinitions": [web],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
    }


def service(
    name: str, desired: str, deployments: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/prod/{name}",
        "serviceName": name,
        "clusterArn": CLUSTER,
        "status": "ACTIVE",
        "taskDefinition": desired,
        "desiredCount": 1,
        "runningCount": 1,
        "deployments": deployments or [],
    }


def task(number: int, td: str, group: str, status: str = "RUNNING") -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/prod/{number:032x}",
        "clusterArn": CLUSTER,
        "taskDefinitionArn": td,
        "group": group,
        "lastStatus": status,
        "desiredStatus": "RUNNING",
    }


def inventory(
    *,
    tds: list[dict[str, Any]] = (),  # type: ignore[assignment]
    templates: dict[str, dict[str, Any]] | None = None,
    services: list[dict[str, Any]] = (),  # type: ignore[assignment]
    tasks: list[dict[str, Any]] = (),  # type: ignore[assignment]
    groups: list[dict[str, Any]] = (),  # type: ignore[assignment]
    collected_at: str = "2026-11-29T06:00:00Z",
) -> Inventory:
    builder = InventoryBuilder()
    builder.collected_at = collected_at
    live = Origin(kind="snapshot", file="snap.json")
    for key, items in (("taskDefinitions", tds), ("services", services), ("tasks", tasks)):
        for n, item in enumerate(items):
            builder.add(
                "ecs",
                key,
                item,
                source="snap.json",
                place=f"{key}[{n}]",
                region=REGION,
                origin=live,
            )
    for n, item in enumerate(groups):
        builder.add(
            "ec2",
            "securityGroups",
            item,
            source="snap.json",
            place=f"sg[{n}]",
            region=REGION,
            origin=live,
        )
    for logical, body in (templates or {}).items():
        origin = Origin(kind="cloudformation", file="stack.yaml", line=10, address=logical)
        builder.add(
            "ecs",
            "taskDefinitions",
            body,
            source="stack.yaml",
            place=logical,
            origin=origin,
            given_id=logical,
        )
    return builder.build()


def group(
    group_id: str, ingress: list[tuple[str, int, int, str]], egress: bool = True
) -> dict[str, Any]:
    perms = [
        {"IpProtocol": proto, "FromPort": lo, "ToPort": hi, "IpRanges": [{"CidrIp": cidr}]}
        for proto, lo, hi, cidr in ingress
    ]
    out = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}] if egress else []
    return {
        "GroupId": group_id,
        "GroupName": group_id,
        "IpPermissions": perms,
        "IpPermissionsEgress": out,
    }
