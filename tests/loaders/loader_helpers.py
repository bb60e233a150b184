"""Helpers for the loader tests: comparing inventories from different input kinds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec

from ecsguard.collect.load import load_inputs
from ecsguard.model import Inventory, Resource

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
ECSGUARD = str(Path(sys.executable).parent / "ecsguard")

# Fields only a live account has (runtime state, timestamps, API-assigned ids) or API
# defaults that a template leaves implicit; equivalence is judged without them.
RUNTIME = {
    "__id",
    "__origin",
    "__region",
    "Origin",
    "revision",
    "status",
    "registeredAt",
    "registeredBy",
    "compatibilities",
    "requiresAttributes",
    "runningCount",
    "pendingCount",
    "deployments",
    "createdAt",
    "createdBy",
    "roleArn",
    "platformFamily",
    "schedulingStrategy",
    "deploymentController",
    "enableECSManagedTags",
    "healthCheckGracePeriodSeconds",
    "registeredContainerInstancesCount",
    "runningTasksCount",
    "activeServicesCount",
    "OwnerId",
    "DNSName",
    "State",
    "VpcId_lb",
    "ZoneName",
    "LoadBalancerArns",
    "creationTime",
    "storedBytes",
    "arn",
    "logGroupClass",
    "CreationDate",
    "RoleId",
    "KeyState",
    "HealthCheckProtocol",
    "ProtocolVersion",
    "IpAddressType",
    "cpu_0",
    "hostPort",
    "UserId",
    "timeout",
    "Aliases",
    "MultiRegion",
    "__rules",
    "availabilityZoneRebalancing",
    "enableFaultInjection",
}
# Load balancer attributes the fixtures set explicitly (an API reply lists all of them).
LB_ATTRIBUTES = {"routing.http.drop_invalid_header_fields.enabled"}


def load(*names: str) -> Inventory:
    return load_inputs([str(DATA / name) for name in names])


def _canonical(res: Resource) -> str:
    name = getattr(res, "description", None) if res.TYPE == "AWS::KMS::Key" else None
    if res.TYPE == "AWS::ECS::TaskDefinition":
        name = getattr(res, "family", None)
    return f"<{res.TYPE}:{name or res.name}>"


def _tokens(inv: Inventory) -> dict[str, str]:
    out: dict[str, str] = {}
    for res in inv.resources():
        token = _canonical(res)
        keys = [res.id, res.given_id]
        if res.ARN_FIELD:
            keys.append(str(getattr(res, res.ARN_FIELD, "") or ""))
        for key in ("group_id", "key_id", "log_group_name", "role_name", "cluster_name"):
            keys.append(str(getattr(res, key, "") or ""))
        out.update({k: token for k in keys if k})
    return out


def _scrub(value: Any, tokens: dict[str, str], parent: str = "") -> Any:
    if isinstance(value, dict):
        return {
            k: _scrub(v, tokens, k)
            for k, v in sorted(value.items())
            if k not in RUNTIME and not (k == "VpcId" and parent == "lb") and v not in ([], {}, ())
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, tokens, parent) for v in value]
    if isinstance(value, str):
        return tokens.get(value, value)
    return value


def normalised(inv: Inventory, context: Inventory | None = None) -> dict[str, dict[str, Any]]:
    """Every record as builtins, ids replaced by a canonical token, runtime fields dropped.

    ``context`` supplies the records that references point at when ``inv`` lacks them.
    """
    tokens = {**_tokens(context), **_tokens(inv)} if context is not None else _tokens(inv)
    out: dict[str, dict[str, Any]] = {}
    for res in inv.resources():
        data = msgspec.to_builtins(res)
        if res.TYPE == "AWS::ECS::TaskDefinition":
            for container in data.get("containerDefinitions", []):
                if container.get("cpu") == 0:
                    del container["cpu"]
        if res.TYPE == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            data.pop("VpcId", None)
            data["Attributes"] = [
                a for a in data.get("Attributes", ()) if a["Key"] in LB_ATTRIBUTES
            ]
        if res.TYPE == "AWS::KMS::Key" and isinstance(data.get("Policy"), str):
            data["Policy"] = json.loads(data["Policy"])  # GetKeyPolicy returns JSON text
        if res.TYPE == "AWS::IAM::Role":
            for policy in data.get("AttachedPolicies", []):
                policy.pop("PolicyDocument", None)
        if res.TYPE == "AWS::EC2::SecurityGroup":
            data["rules"] = sorted(
                (
                    r.direction,
                    r.protocol,
                    r.from_port,
                    r.to_port,
                    r.peer_kind,
                    tokens.get(r.peer, r.peer),
                    r.description or "",
                )
                for r in res.rules
            )
            data.pop("IpPermissions", None)
            data.pop("IpPermissionsEgress", None)
        out[_canonical(res)] = _scrub(data, tokens)
    return out


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ECSGUARD, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
