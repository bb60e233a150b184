"""A synthetic but API-shaped ECS estate for the posture benchmarks, in three input forms.

``task_definitions(n)`` gives DescribeTaskDefinition items (API spelling) cycling through
variants: clean, privileged + root + host PID, secrets in environment + EFS without TLS,
host network + docker.sock, capabilities + writable root FS. ``to_cloudformation`` and
``to_terraform_plan`` render the same definitions as a template and a ``terraform show -json``
plan, so every tool judges the same estate.
"""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:1.4.2"
VARIANTS = ("clean", "privileged", "secrets", "hostnet", "caps")


def _container(name: str, variant: str, i: int) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "cpu": 128,
        "memory": 256,
        "essential": name == "app",
        "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
        "environment": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "SERVICE_URL", "value": f"https://svc-{i}.internal:8443"},
        ],
        "user": "1000:1000",
        "readonlyRootFilesystem": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/app-{i % 50}",
                "awslogs-region": REGION,
                "mode": "non-blocking",
            },
        },
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]},
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
        "mountPoints": [],
        "volumesFrom": [],
    }
    if variant == "privileged":
        c["privileged"] = True
        c["user"] = "0:0"
    elif variant == "secrets":
        c["environment"].append(
            {"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"}
        )
        c["environment"].append({"name": "DB_PASSWORD", "value": f"S3cr3tP4ssw0rd!{i}"})
    elif variant == "hostnet":
        c["mountPoints"] = [{"sourceVolume": "docker", "containerPath": "/var/run/docker.sock"}]
        c.pop("user")
    elif variant == "caps":
        c["linuxParameters"] = {"capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]}}
        c["readonlyRootFilesystem"] = False
    return c


def task_definition(i: int, revision: int = 1) -> dict[str, Any]:
    variant = VARIANTS[i % len(VARIANTS)]
    family = f"svc-{i:05d}"
    td: dict[str, Any] = {
        "taskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}",
        "family": family,
        "revision": revision,
        "status": "ACTIVE",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{family}-task",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecs-execution",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [_container("app", variant, i), _container("sidecar", "clean", i)],
        "volumes": [],
        "tags": [{"key": "owner", "value": "payments"}],
    }
    if variant == "privileged":
        td["pidMode"] = "host"
        td["requiresCompatibilities"] = ["EC2"]
    elif variant == "secrets":
        td["volumes"] = [
            {
                "name": "data",
                "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"},
            },
            {
                "name": "more",
                "efsVolumeConfiguration": {"fileSystemId": "fs-2", "transitEncryption": "DISABLED"},
            },
        ]
    elif variant == "hostnet":
        td["networkMode"] = "host"
        td["requiresCompatibilities"] = ["EC2"]
        td["volumes"] = [{"name": "docker", "host": {"sourcePath": "/var/run/docker.sock"}}]
    return td


def task_definitions(n: int) -> list[dict[str, Any]]:
    return [task_definition(i) for i in range(n)]


def snapshot(tds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ecsguard_snapshot": 1,
        "collected_at": "2026-12-01T00:00:00Z",
        "account_id": ACCOUNT,
        "partition": "aws",
        "regions": {REGION: {"ecs": {"taskDefinitions": tds}}},
        "errors": [],
    }


def _pascal(value: Any) -> Any:
    """API camelCase keys to CloudFormation PascalCase (container-definition properties)."""
    special = {"efsVolumeConfiguration": "EFSVolumeConfiguration"}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = special.get(key, key[:1].upper() + key[1:])
            # option maps keep their keys verbatim (awslogs-group, mode)
            out[name] = item if key in ("options",) else _pascal(item)
        return out
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    return value


def to_cloudformation(tds: list[dict[str, Any]]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for td in tds:
        props = {
            k: v
            for k, v in _pascal(td).items()
            if k not in ("TaskDefinitionArn", "Revision", "Status")
        }
        props["Tags"] = [{"Key": t["key"], "Value": t["value"]} for t in td["tags"]]
        for vol in props.get("Volumes", []):
            efs = vol.get("EFSVolumeConfiguration")
            if efs:
                efs["FilesystemId"] = efs.pop("FileSystemId")
        logical = "Td" + td["family"].replace("-", "")
        resources[logical] = {"Type": "AWS::ECS::TaskDefinition", "Properties": props}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _tf_values(td: dict[str, Any]) -> dict[str, Any]:
    volumes = []
    for vol in td["volumes"]:
        efs = vol.get("efsVolumeConfiguration")
        volumes.append(
            {
                "name": vol["name"],
                "host_path": (vol.get("host") or {}).get("sourcePath"),
                "efs_volume_configuration": [
                    {
                        "file_system_id": efs["fileSystemId"],
                        "transit_encryption": efs["transitEncryption"],
                        "root_directory": "/",
                        "authorization_config": [],
                        "transit_encryption_port": 0,
                    }
                ]
                if efs
                else [],
                "docker_volume_configuration": [],
                "fsx_windows_file_server_volume_configuration": [],
                "configure_at_launch": False,
            }
        )
    return {
        "family": td["family"],
        "container_definitions": json.dumps(td["containerDefinitions"]),
        "network_mode": td["networkMode"],
        "pid_mode": td.get("pidMode"),
        "ipc_mode": None,
        "requires_compatibilities": td["requiresCompatibilities"],
        "cpu": td["cpu"],
        "memory": td["memory"],
        "task_role_arn": td["taskRoleArn"],
        "execution_role_arn": td["executionRoleArn"],
        "volume": volumes,
        "tags": {t["key"]: t["value"] for t in td["tags"]},
        "runtime_platform": [],
        "placement_constraints": [],
        "proxy_configuration": [],
        "ephemeral_storage": [],
        "inference_accelerator": [],
        "skip_destroy": False,
        "track_latest": False,
    }


def to_terraform_plan(tds: list[dict[str, Any]]) -> dict[str, Any]:
    resources = []
    changes = []
    for td in tds:
        name = td["family"].replace("-", "_")
        address = f"aws_ecs_task_definition.{name}"
        values = _tf_values(td)
        resources.append(
            {
                "address": address,
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 1,
                "values": values,
                "sensitive_values": {},
            }
        )
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": {"arn": True, "id": True, "revision": True},
                },
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}
            },
            "root_module": {},
        },
    }


def clusters_and_services(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """n clusters (every other one without Container Insights) and n Fargate services
    (every third with a public IP, every fourth on platform 1.3.0)."""
    clusters = [
        {"name": f"cl-{i:03d}", "insights": "disabled" if i % 2 else "enhanced"} for i in range(n)
    ]
    services = [
        {
            "name": f"api-{i:03d}",
            "cluster": f"cl-{i:03d}",
            "family": f"svc-{i:05d}",
            "public": i % 3 == 0,
            "platform": "1.3.0" if i % 4 == 0 else "LATEST",
        }
        for i in range(n)
    ]
    return clusters, services


def cloudformation_extras(
    clusters: list[dict[str, Any]], services: list[dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in clusters:
        out["Cl" + c["name"].replace("-", "")] = {
            "Type": "AWS::ECS::Cluster",
            "Properties": {
                "ClusterName": c["name"],
                "ClusterSettings": [{"Name": "containerInsights", "Value": c["insights"]}],
            },
        }
    for s in services:
        out["Svc" + s["name"].replace("-", "")] = {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "ServiceName": s["name"],
                "Cluster": {"Ref": "Cl" + s["cluster"].replace("-", "")},
                "TaskDefinition": {"Ref": "Td" + s["family"].replace("-", "")},
                "LaunchType": "FARGATE",
                "PlatformVersion": s["platform"],
                "DesiredCount": 1,
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {
                        "AssignPublicIp": "ENABLED" if s["public"] else "DISABLED",
                        "Subnets": ["subnet-0123456789abcdef0"],
                        "SecurityGroups": ["sg-0123456789abcdef0"],
                    }
                },
            },
        }
    return out


def terraform_extras(
    clusters: list[dict[str, Any]], services: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    out = []
    for c in clusters:
        out.append(
            {
                "address": f"aws_ecs_cluster.{c['name'].replace('-', '_')}",
                "mode": "managed",
                "type": "aws_ecs_cluster",
                "name": c["name"].replace("-", "_"),
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": {
                    "name": c["name"],
                    "setting": [{"name": "containerInsights", "value": c["insights"]}],
                    "configuration": [],
                    "service_connect_defaults": [],
                    "tags": None,
                },
                "sensitive_values": {},
            }
        )
    for s in services:
        out.append(
            {
                "address": f"aws_ecs_service.{s['name'].replace('-', '_')}",
                "mode": "managed",
                "type": "aws_ecs_service",
                "name": s["name"].replace("-", "_"),
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": {
                    "name": s["name"],
                    "launch_type": "FARGATE",
                    "platform_version": s["platform"],
                    "desired_count": 1,
                    "enable_execute_command": False,
                    "network_configuration": [
                        {
                            "assign_public_ip": s["public"],
                            "subnets": ["subnet-0123456789abcdef0"],
                            "security_groups": ["sg-0123456789abcdef0"],
                        }
                    ],
                    "capacity_provider_strategy": [],
                    "load_balancer": [],
                    "service_registries": [],
                    "tags": None,
                },
                "sensitive_values": {},
            }
        )
    return out
