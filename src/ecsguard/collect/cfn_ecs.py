"""CloudFormation ECS resources (PascalCase properties) to ECS API shapes (camelCase).

One generic PascalCase to camelCase conversion plus a table of the names CloudFormation
spells differently from the API; maps whose keys are the user's (labels, log options) are
kept as written.
"""

from __future__ import annotations

import re
from typing import Any

# CloudFormation name -> API name, wherever it appears in an ECS resource.
RENAMES = {
    "FilesystemId": "fileSystemId",
    "IAM": "iam",
    "EFSVolumeConfiguration": "efsVolumeConfiguration",
    "FSxWindowsFileServerVolumeConfiguration": "fsxWindowsFileServerVolumeConfiguration",
    "ProxyConfigurationProperties": "properties",
    "ClusterSettings": "settings",
    "PlacementStrategies": "placementStrategy",
    "EnableECSManagedTags": "enableECSManagedTags",
    "SizeInGiB": "sizeInGiB",
    "AwsVpcConfiguration": "awsvpcConfiguration",  # AWS::ECS::TaskSet's spelling
}
# Top-level properties of AWS::ECS::Service / TaskSet that the API names after the ARN.
SERVICE_RENAMES = {"Cluster": "clusterArn", "Role": "roleArn", "Service": "serviceArn"}
# Maps whose keys are user data (Docker labels, log driver options...): keys kept verbatim.
OPAQUE = {"DockerLabels", "Options", "DriverOpts", "Labels"}

_LEADING_CAPS = re.compile(r"^([A-Z]+)(?=[A-Z][a-z]|$)|^[A-Z]")


def camel(name: str) -> str:
    if name in RENAMES:
        return RENAMES[name]
    return _LEADING_CAPS.sub(lambda m: m.group(0).lower(), name, count=1)


def camelize(value: Any) -> Any:
    """Convert every key of a nested CloudFormation value to its API spelling."""
    if isinstance(value, dict):
        return {
            camel(str(key)): item if key in OPAQUE else camelize(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [camelize(item) for item in value]
    return value


def task_definition(props: dict[str, Any]) -> dict[str, Any]:
    return camelize(props)  # type: ignore[no-any-return]


def service(props: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_RENAMES.get(k, camel(k)): camelize(v) for k, v in props.items()}


def cluster(props: dict[str, Any]) -> dict[str, Any]:
    return camelize(props)  # type: ignore[no-any-return]


def capacity_provider(props: dict[str, Any]) -> dict[str, Any]:
    return camelize(props)  # type: ignore[no-any-return]


def task_set(props: dict[str, Any]) -> dict[str, Any]:
    return {SERVICE_RENAMES.get(k, camel(k)): camelize(v) for k, v in props.items()}


def add_associations(clusters: dict[str, dict[str, Any]], props: dict[str, Any]) -> None:
    """Fold AWS::ECS::ClusterCapacityProviderAssociations into its cluster (same template)."""
    target = clusters.get(str(props.get("Cluster")))
    if target is None:
        return
    for key in ("CapacityProviders", "DefaultCapacityProviderStrategy"):
        if key in props:
            target[camel(key)] = camelize(props[key])
