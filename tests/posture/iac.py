"""The same task-definition requests as a CloudFormation template and a Terraform plan.

Spellings follow the real schemas, including their quirks: CloudFormation's
``EFSVolumeConfiguration.FilesystemId`` and ``AuthorizationConfig.IAM``, verbatim log-option
keys; Terraform's ``container_definitions`` as a JSON string and block lists for volumes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VERBATIM = {"options", "dockerLabels"}
SPECIAL = {
    "efsVolumeConfiguration": "EFSVolumeConfiguration",
    "fileSystemId": "FilesystemId",
    "iam": "IAM",
}


def pascal(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            SPECIAL.get(k, k[:1].upper() + k[1:]): (v if k in VERBATIM else pascal(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def logical_id(family: str) -> str:
    return "Td" + "".join(part.capitalize() for part in family.split("-"))


def cloudformation(requests: list[dict[str, Any]]) -> dict[str, Any]:
    resources = {}
    for req in requests:
        props = pascal(req)
        props["Tags"] = [{"Key": t["key"], "Value": t["value"]} for t in req.get("tags", [])]
        if not props["Tags"]:
            del props["Tags"]
        resources[logical_id(req["family"])] = {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": props,
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _tf_volume(vol: dict[str, Any]) -> dict[str, Any]:
    efs = vol.get("efsVolumeConfiguration")
    efs_block = []
    if efs:
        auth = efs.get("authorizationConfig")
        efs_block.append(
            {
                "file_system_id": efs["fileSystemId"],
                "transit_encryption": efs.get("transitEncryption"),
                "transit_encryption_port": 0,
                "root_directory": "/",
                "authorization_config": [{"iam": auth.get("iam"), "access_point_id": None}]
                if auth
                else [],
            }
        )
    return {
        "name": vol["name"],
        "host_path": (vol.get("host") or {}).get("sourcePath"),
        "efs_volume_configuration": efs_block,
        "docker_volume_configuration": [],
        "fsx_windows_file_server_volume_configuration": [],
        "configure_at_launch": False,
    }


def tf_values(req: dict[str, Any]) -> dict[str, Any]:
    platform = req.get("runtimePlatform")
    return {
        "family": req["family"],
        "container_definitions": json.dumps(req["containerDefinitions"]),
        "network_mode": req.get("networkMode"),
        "pid_mode": req.get("pidMode"),
        "ipc_mode": req.get("ipcMode"),
        "requires_compatibilities": req.get("requiresCompatibilities", []),
        "cpu": req.get("cpu"),
        "memory": req.get("memory"),
        "task_role_arn": req.get("taskRoleArn"),
        "execution_role_arn": req.get("executionRoleArn"),
        "runtime_platform": [
            {
                "operating_system_family": platform["operatingSystemFamily"],
                "cpu_architecture": platform.get("cpuArchitecture"),
            }
        ]
        if platform
        else [],
        "volume": [_tf_volume(v) for v in req.get("volumes", [])],
        "tags": {t["key"]: t["value"] for t in req.get("tags", [])} or None,
        "placement_constraints": [],
        "proxy_configuration": [],
        "ephemeral_storage": [],
        "skip_destroy": False,
    }


def tf_address(family: str) -> str:
    return "aws_ecs_task_definition." + family.replace("-", "_")


def terraform_plan(requests: list[dict[str, Any]]) -> dict[str, Any]:
    resources = []
    for req in requests:
        name = req["family"].replace("-", "_")
        resources.append(
            {
                "address": tf_address(req["family"]),
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 1,
                "values": tf_values(req),
                "sensitive_values": {},
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {
                "address": r["address"],
                "mode": "managed",
                "type": r["type"],
                "name": r["name"],
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": r["values"],
                    "after_unknown": {"arn": True, "revision": True},
                },
            }
            for r in resources
        ],
        "configuration": {"root_module": {}},
    }


def judge_files(*paths: Path, only: tuple[str, ...] = ()) -> dict[tuple[str, str], Any]:
    """Findings of a scan of ``paths`` (checks ``only``, or all) by (resource id, check id)."""
    from ecsguard.collect.load import load_inputs
    from ecsguard.config import Config
    from ecsguard.posture.run import RunRequest, run_scan

    result = run_scan(load_inputs([str(p) for p in paths]), Config(), RunRequest(only=only))
    return {(f.resource.id, f.check_id): f for f in result.results}
