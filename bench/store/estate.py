"""A synthetic snapshot of N task definitions in realistic DescribeTaskDefinition shape."""

from __future__ import annotations

from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"


def container(family: str, name: str, index: int, revision: int) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{family}:{revision}.{index}",
        "cpu": 256,
        "memory": 512,
        "essential": index == 0,
        "portMappings": [
            {"containerPort": 8080 + index, "hostPort": 8080 + index, "protocol": "tcp"}
        ],
        "environment": [
            {"name": "SPRING_PROFILES_ACTIVE", "value": "prod"},
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "UPSTREAM_URL", "value": f"https://{family}.internal.example.com:8443/api"},
            {"name": "FEATURE_FLAGS", "value": "a,b,c"},
        ],
        "secrets": [
            {
                "name": "DB_PASSWORD",
                "valueFrom": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{family}/db-AbCdEf",
            }
        ],
        "mountPoints": [],
        "volumesFrom": [],
        "user": "1000",
        "readonlyRootFilesystem": True,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/{family}",
                "awslogs-region": REGION,
                "awslogs-stream-prefix": name,
            },
        },
        "healthCheck": {
            "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
            "interval": 30,
            "timeout": 5,
            "retries": 3,
        },
    }


def task_definition(number: int, revision: int = 1) -> dict[str, Any]:
    family = f"svc-{number:05d}"
    return {
        "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}",
        "family": family,
        "revision": revision,
        "containerDefinitions": [
            container(family, n, i, revision) for i, n in enumerate(("app", "envoy"))
        ],
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{family}-task",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
        "networkMode": "awsvpc",
        "volumes": [],
        "status": "ACTIVE",
        "requiresAttributes": [
            {"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"},
            {"name": "ecs.capability.execution-role-awslogs"},
            {"name": "ecs.capability.secrets.asm.environment-variables"},
        ],
        "compatibilities": ["EC2", "FARGATE"],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "registeredAt": 1764000000.0 + number,
        "registeredBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci",
        "tags": [{"key": "team", "value": f"team-{number % 40}"}],
    }


def snapshot(count: int, changed: int = 0) -> dict[str, Any]:
    """A snapshot of ``count`` task definitions; the first ``changed`` are at revision 2."""
    tds = [task_definition(n, 2 if n < changed else 1) for n in range(count)]
    return {
        "ecsguard_snapshot": 1,
        "collected_at": "2026-11-29T06:00:00Z",
        "account_id": ACCOUNT,
        "partition": "aws",
        "regions": {REGION: {"ecs": {"taskDefinitions": tds}}},
        "errors": [],
    }
