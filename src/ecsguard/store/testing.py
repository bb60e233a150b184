"""Test helpers: a throw-away store on SQLite or on a private schema of a real PostgreSQL.

``ECSGUARD_TEST_PG_URL`` names the server; each ``pg_schema_url`` gets its own schema (via
``search_path``), so parallel test workers sharing one database never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ecsguard.model import Inventory, InventoryBuilder

PG_ENV = "ECSGUARD_TEST_PG_URL"


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def pg_schema_url(base: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


ACCOUNT = "111122223333"
REGION = "us-east-1"


def _td(family: str, revision: int, user: str, env: dict[str, str]) -> dict[str, Any]:
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"
    return {
        "taskDefinitionArn": arn,
        "family": family,
        "revision": revision,
        "status": "ACTIVE",
        "networkMode": "awsvpc",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{family}-task",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": 1764000000.0 + revision * 3600,
        "registeredBy": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci",
        "containerDefinitions": [
            {
                "name": "web",
                "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{family}:{revision}",
                "essential": True,
                "user": user,
                "portMappings": [{"containerPort": 8443, "hostPort": 8443, "protocol": "tcp"}],
                "environment": [{"name": k, "value": v} for k, v in env.items()],
                "secrets": [
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{family}/db",
                    }
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": f"/ecs/{family}", "awslogs-region": REGION},
                },
            }
        ],
        "tags": [{"key": "team", "value": "payments"}],
    }


def _sg(group_id: str, name: str, ingress: list[tuple[int, str]]) -> dict[str, Any]:
    return {
        "GroupId": group_id,
        "GroupName": name,
        "Description": name,
        "VpcId": "vpc-0a1b2c3d",
        "OwnerId": ACCOUNT,
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}
            for port, cidr in ingress
        ],
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        "Tags": [{"Key": "Name", "Value": name}],
    }


def sample_snapshot(
    *,
    revisions: int = 1,
    user: str = "1000",
    env: dict[str, str] | None = None,
    ingress: list[tuple[int, str]] | None = None,
    collected_at: str = "2026-11-29T06:00:00Z",
) -> dict[str, Any]:
    """A small snapshot (DESIGN §3.2) in real API shapes: one family, a service, an SG."""
    env = env if env is not None else {"LOG_LEVEL": "info"}
    ingress = ingress if ingress is not None else [(8443, "10.0.0.0/16")]
    cluster = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"
    tds = [_td("payment-api", r, user, env) for r in range(1, revisions + 1)]
    service = {
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/prod/payment-api",
        "serviceName": "payment-api",
        "clusterArn": cluster,
        "status": "ACTIVE",
        "desiredCount": 1,
        "runningCount": 1,
        "launchType": "FARGATE",
        "taskDefinition": tds[-1]["taskDefinitionArn"],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-0aa"],
                "securityGroups": ["sg-0payment"],
                "assignPublicIp": "DISABLED",
            }
        },
        "tags": [{"key": "pci:chd", "value": "process"}],
    }
    return {
        "ecsguard_snapshot": 1,
        "collected_at": collected_at,
        "account_id": ACCOUNT,
        "partition": "aws",
        "regions": {
            REGION: {
                "ecs": {
                    "clusters": [
                        {"clusterArn": cluster, "clusterName": "prod", "status": "ACTIVE"}
                    ],
                    "services": [service],
                    "taskDefinitions": tds,
                },
                "ec2": {"securityGroups": [_sg("sg-0payment", "payment-api", ingress)]},
            }
        },
        "errors": [
            {
                "region": REGION,
                "service": "ecr",
                "operation": "DescribeRepositories",
                "resource": "",
                "message": "AccessDenied",
            }
        ],
    }


def snapshot_inventory(doc: dict[str, Any], source: str = "snapshot.json") -> Inventory:
    from ecsguard.collect.snapshot import load_snapshot

    builder = InventoryBuilder()
    load_snapshot(doc, source, builder)
    return builder.build()
