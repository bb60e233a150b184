"""Terraform ECS resources (``aws_ecs_*``, snake_case with nested blocks as lists) to ECS API
shapes. ``container_definitions`` is already API JSON, given as a string."""

from __future__ import annotations

from typing import Any

import orjson

from ecsguard.collect.tf_common import as_list, blocks, camel_block, one, pick, present, tags_of
from ecsguard.errors import InputError
from ecsguard.model import Unknown

Item = dict[str, Any]


def _ecs_tags(values: Item) -> Any:
    tags = tags_of(values)
    if isinstance(tags, Unknown):
        return tags
    return [{"key": k, "value": v} for k, v in (tags or {}).items()]


def container_definitions(raw: Any, where: tuple[str, str]) -> Any:
    if isinstance(raw, Unknown) or raw is None:
        return raw
    if isinstance(raw, list):
        return raw
    try:
        parsed = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise InputError(
            where[0], f"{where[1]}.container_definitions", f"invalid JSON: {exc}"
        ) from None
    if not isinstance(parsed, list):
        raise InputError(where[0], f"{where[1]}.container_definitions", "expected a JSON list")
    return parsed


_TD = {
    "family": "family",
    "task_role_arn": "taskRoleArn",
    "execution_role_arn": "executionRoleArn",
    "network_mode": "networkMode",
    "cpu": "cpu",
    "memory": "memory",
    "pid_mode": "pidMode",
    "ipc_mode": "ipcMode",
    "requires_compatibilities": "requiresCompatibilities",
    "revision": "revision",
    "enable_fault_injection": "enableFaultInjection",
}
_VOLUME_SINGLES = frozenset(
    {
        "efs_volume_configuration",
        "authorization_config",
        "docker_volume_configuration",
        "fsx_windows_file_server_volume_configuration",
    }
)


def task_definition(arn: str, values: Item, where: tuple[str, str]) -> Item:
    out: Item = {"taskDefinitionArn": arn, **pick(values, _TD)}
    if not values.get("revision"):
        out.pop("revision", None)
    out["containerDefinitions"] = container_definitions(values.get("container_definitions"), where)
    out["volumes"] = [_volume(v) for v in blocks(values.get("volume"))]
    out["placementConstraints"] = camel_block(blocks(values.get("placement_constraints")))
    for key, api in (("runtime_platform", "runtimePlatform"), ("proxy_configuration", None)):
        block = one(values.get(key))
        if block is not None and api:
            out[api] = camel_block(block)
    proxy = one(values.get("proxy_configuration"))
    if isinstance(proxy, dict):
        props = proxy.get("properties") or {}
        out["proxyConfiguration"] = {
            "type": proxy.get("type"),
            "containerName": proxy.get("container_name"),
            "properties": [{"name": k, "value": v} for k, v in props.items()],
        }
    storage = one(values.get("ephemeral_storage"))
    if isinstance(storage, dict):
        out["ephemeralStorage"] = {"sizeInGiB": storage.get("size_in_gib")}
    out["tags"] = _ecs_tags(values)
    return out


def _volume(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    out = camel_block(
        {k: v for k, v in block.items() if k not in ("host_path", "configure_at_launch")},
        _VOLUME_SINGLES,
        frozenset({"driver_opts", "labels"}),
    )
    efs = out.get("efsVolumeConfiguration")
    if isinstance(efs, dict) and not efs.get("transitEncryptionPort"):
        efs.pop("transitEncryptionPort", None)
    if present(block.get("host_path")):
        out["host"] = {"sourcePath": block["host_path"]}
    if block.get("configure_at_launch"):
        out["configuredAtLaunch"] = True
    return out


_SERVICE = {
    "name": "serviceName",
    "cluster": "clusterArn",
    "task_definition": "taskDefinition",
    "desired_count": "desiredCount",
    "launch_type": "launchType",
    "platform_version": "platformVersion",
    "scheduling_strategy": "schedulingStrategy",
    "enable_ecs_managed_tags": "enableECSManagedTags",
    "enable_execute_command": "enableExecuteCommand",
    "propagate_tags": "propagateTags",
    "health_check_grace_period_seconds": "healthCheckGracePeriodSeconds",
    "availability_zone_rebalancing": "availabilityZoneRebalancing",
}
_SC_SINGLES = frozenset({"log_configuration", "tls", "issuer_cert_authority", "timeout"})


def service(arn: str, values: Item) -> Item:
    out: Item = {"serviceArn": arn, **pick(values, _SERVICE)}
    role = values.get("iam_role")
    if isinstance(role, str) and role:
        out["roleArn"] = role
    network = one(values.get("network_configuration"))
    if isinstance(network, dict):
        out["networkConfiguration"] = {"awsvpcConfiguration": _awsvpc(network)}
    elif isinstance(network, Unknown):
        out["networkConfiguration"] = network
    out["loadBalancers"] = [_load_balancer(b) for b in blocks(values.get("load_balancer"))]
    out["serviceRegistries"] = camel_block(blocks(values.get("service_registries")))
    out["capacityProviderStrategy"] = camel_block(blocks(values.get("capacity_provider_strategy")))
    out["placementConstraints"] = camel_block(blocks(values.get("placement_constraints")))
    out["deploymentConfiguration"] = _deployment(values)
    controller = one(values.get("deployment_controller"))
    if isinstance(controller, dict):
        out["deploymentController"] = camel_block(controller)
    connect = one(values.get("service_connect_configuration"))
    if isinstance(connect, dict):
        out["serviceConnectConfiguration"] = _service_connect(connect)
    out["tags"] = _ecs_tags(values)
    return out


def _awsvpc(network: Item) -> Item:
    out: Item = {
        "subnets": as_list(network.get("subnets")) or [],
        "securityGroups": as_list(network.get("security_groups")) or [],
    }
    public = network.get("assign_public_ip")
    if isinstance(public, bool):
        out["assignPublicIp"] = "ENABLED" if public else "DISABLED"
    elif isinstance(public, Unknown):
        out["assignPublicIp"] = public
    return out


def _load_balancer(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    out = pick(
        block,
        {
            "target_group_arn": "targetGroupArn",
            "elb_name": "loadBalancerName",
            "container_name": "containerName",
            "container_port": "containerPort",
        },
    )
    return out


def _deployment(values: Item) -> Item:
    out: Item = pick(
        values,
        {
            "deployment_maximum_percent": "maximumPercent",
            "deployment_minimum_healthy_percent": "minimumHealthyPercent",
        },
    )
    breaker = one(values.get("deployment_circuit_breaker"))
    if breaker is not None:
        out["deploymentCircuitBreaker"] = camel_block(breaker)
    alarms = one(values.get("alarms"))
    if alarms is not None:
        out["alarms"] = camel_block(alarms)
    return out


def _service_connect(block: Item) -> Item:
    out: Item = pick(block, {"enabled": "enabled", "namespace": "namespace"})
    log = one(block.get("log_configuration"))
    if isinstance(log, dict):
        out["logConfiguration"] = _log_configuration(log)
    services = []
    for item in blocks(block.get("service")):
        if not isinstance(item, dict):
            services.append(item)
            continue
        entry = pick(
            item,
            {
                "port_name": "portName",
                "discovery_name": "discoveryName",
                "ingress_port_override": "ingressPortOverride",
            },
        )
        entry["clientAliases"] = camel_block(blocks(item.get("client_alias")))
        tls = one(item.get("tls"))
        if isinstance(tls, dict):
            authority = one(tls.get("issuer_cert_authority"))
            entry["tls"] = {
                "issuerCertificateAuthority": camel_block(authority) if authority else None,
                "kmsKey": tls.get("kms_key"),
                "roleArn": tls.get("role_arn"),
            }
        services.append(entry)
    out["services"] = services
    return out


def _log_configuration(log: Item) -> Item:
    return {
        "logDriver": log.get("log_driver"),
        "options": log.get("options") or {},
        "secretOptions": [
            {"name": s.get("name"), "valueFrom": s.get("value_from")}
            for s in blocks(log.get("secret_option"))
            if isinstance(s, dict)
        ],
    }


_CLUSTER_SINGLES = frozenset(
    {
        "configuration",
        "execute_command_configuration",
        "log_configuration",
        "managed_storage_configuration",
        "service_connect_defaults",
    }
)


def cluster(arn: str, values: Item) -> Item:
    out: Item = {"clusterArn": arn, **pick(values, {"name": "clusterName"})}
    out["settings"] = camel_block(blocks(values.get("setting")))
    config = one(values.get("configuration"))
    if config is not None:
        converted = camel_block(config, _CLUSTER_SINGLES)
        exec_config = (
            converted.get("executeCommandConfiguration") if isinstance(converted, dict) else None
        )
        log = exec_config.get("logConfiguration") if isinstance(exec_config, dict) else None
        if isinstance(log, dict) and "s3BucketEncryptionEnabled" in log:
            log["s3EncryptionEnabled"] = log.pop("s3BucketEncryptionEnabled")
        out["configuration"] = converted
    defaults = one(values.get("service_connect_defaults"))
    if defaults is not None:
        out["serviceConnectDefaults"] = camel_block(defaults)
    out["tags"] = _ecs_tags(values)
    return out


def capacity_provider(arn: str, values: Item) -> Item:
    out: Item = {"capacityProviderArn": arn, **pick(values, {"name": "name"})}
    asg = one(values.get("auto_scaling_group_provider"))
    if asg is not None:
        out["autoScalingGroupProvider"] = camel_block(asg, frozenset({"managed_scaling"}))
    out["tags"] = _ecs_tags(values)
    return out


def cluster_capacity_providers(values: Item) -> Item:
    return {
        "capacityProviders": as_list(values.get("capacity_providers")) or [],
        "defaultCapacityProviderStrategy": camel_block(
            blocks(values.get("default_capacity_provider_strategy"))
        ),
    }
