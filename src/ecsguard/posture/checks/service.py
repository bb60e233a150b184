"""Service, task-set, standalone-task and scheduled-task predicates (metadata in service.yaml)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ecsguard.model.ecs import AwsVpcConfiguration, Service, Task
from ecsguard.model.services import EventRule
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import (
    Outcome,
    Outcomes,
    error,
    fail,
    passed,
    undetermined,
    unknown_at,
)
from ecsguard.posture.registry import Predicate

FARGATE_PROVIDERS = frozenset({"FARGATE", "FARGATE_SPOT"})
OPEN = frozenset({"0.0.0.0/0", "::/0"})
PUBLIC_IP = "networkConfiguration.awsvpcConfiguration.assignPublicIp"


def _public_ip(res: Any, vpc: AwsVpcConfiguration | None) -> Outcomes:
    if res.unknown and unknown_at(res.unknown, PUBLIC_IP):
        return [undetermined(PUBLIC_IP)]
    value = vpc.assign_public_ip if vpc else None
    if value == "ENABLED":
        return [fail(PUBLIC_IP, value, "tasks get a public IP automatically")]
    return [passed(PUBLIC_IP, value)]


def service_no_public_ip(svc: Service, ctx: Context) -> Outcomes:
    return _public_ip(svc, svc.awsvpc)


def task_set_no_public_ip(ref: Any, ctx: Context) -> Outcomes:
    nc = ref.task_set.network_configuration
    return _public_ip(ref, nc.awsvpc_configuration if nc else None)


def task_no_public_ip(task: Task, ctx: Context) -> Outcomes:
    enis = task.eni_ids
    if not enis or task.last_status in ("STOPPED", "DEPROVISIONING"):
        return None
    out: list[Outcome] = []
    for index, eni_id in enumerate(enis):
        eni = ctx.find("network_interfaces", eni_id)
        path = f"attachments[{index}].networkInterfaceId"
        if eni is None:
            out.append(error(path, f"network interface {eni_id} is not in the input"))
        elif eni.association and eni.association.public_ip:
            out.append(
                fail(
                    path,
                    eni_id,
                    f"standalone task ENI {eni_id} has public IP {eni.association.public_ip}",
                )
            )
    return out


def service_no_open_ingress(svc: Service, ctx: Context) -> Outcomes:
    vpc = svc.awsvpc
    if vpc is None:
        return None
    out: list[Outcome] = []
    for index, ref in enumerate(vpc.security_groups):
        path = f"networkConfiguration.awsvpcConfiguration.securityGroups[{index}]"
        sg = ctx.inventory.security_group(ref)
        if sg is None:
            out.append(error(path, f"security group {ref} is not in the input"))
            continue
        for rule in sg.rules:
            if rule.direction == "ingress" and rule.peer in OPEN:
                ports = (
                    "all ports"
                    if rule.from_port == -1
                    else f"{rule.protocol}/{rule.from_port}-{rule.to_port}"
                )
                out.append(
                    fail(path, rule.rule_id, f"{sg.group_id or ref} allows {rule.peer} on {ports}")
                )
    return out


def _is_fargate(
    launch_type: str | None, strategy: Sequence[Any], cluster_ref: str | None, ctx: Context
) -> bool:
    """Whether tasks started this way (a service, a RunTask call) land on Fargate."""
    if launch_type:
        return launch_type == "FARGATE"
    if not strategy:
        cluster = ctx.inventory.cluster(cluster_ref)
        strategy = cluster.default_capacity_provider_strategy if cluster else ()
    if not strategy:
        return False  # ECS defaults to the EC2 launch type
    return any(item.capacity_provider in FARGATE_PROVIDERS for item in strategy)


def _version(text: str) -> tuple[int, ...]:
    try:
        parts = [int(p) for p in text.split(".")]
    except ValueError:
        return ()
    return tuple(parts + [0] * (3 - len(parts)))


def _platform_outcome(
    ctx: Context, path: str, given: str | None, family: str | None, td_ref: str | None
) -> Outcome:
    """LATEST or at least the policy's latest version for the OS family passes."""
    version = given or "LATEST"
    if version == "LATEST":
        return passed(path, given)
    family = (family or "").upper()
    if not family:
        td = ctx.inventory.task_definition(td_ref)
        family = "WINDOWS" if td is not None and td.is_windows else "LINUX"
    windows = family.startswith("WINDOWS")
    latest = ctx.policy.fargate_windows_version if windows else ctx.policy.fargate_linux_version
    have = _version(version)
    if have and have >= _version(latest):
        return passed(path, version)
    os_name = "Windows" if windows else "Linux"
    return fail(path, version, f"Fargate {os_name} platform {version}, latest is {latest}")


def fargate_latest_platform(svc: Service, ctx: Context) -> Outcomes:
    for path in ("launchType", "capacityProviderStrategy", "platformVersion"):
        if svc.unknown and unknown_at(svc.unknown, path):
            return [undetermined(path)]
    if not _is_fargate(svc.launch_type, svc.capacity_provider_strategy, svc.cluster_arn, ctx):
        return None
    return [
        _platform_outcome(
            ctx, "platformVersion", svc.platform_version, svc.platform_family, svc.task_definition
        )
    ]


def _unknown_ecs_targets(rule: EventRule) -> list[Outcome]:
    """Errors for targets (or the whole list) the input left undetermined."""
    if not rule.unknown:
        return []
    if unknown_at(rule.unknown, "Targets"):
        return [undetermined("Targets")]
    return [
        undetermined(f"Targets[{index}].EcsParameters")
        for index, target in enumerate(rule.targets)
        if target.ecs_parameters is None
        and unknown_at(rule.unknown, f"Targets[{index}].EcsParameters")
    ]


def scheduled_task_no_public_ip(rule: EventRule, ctx: Context) -> Outcomes:
    out = _unknown_ecs_targets(rule)
    for index, target in rule.ecs_targets:
        path = f"Targets[{index}].EcsParameters.NetworkConfiguration.awsvpcConfiguration"
        path += ".AssignPublicIp"
        vpc = target.ecs_parameters.awsvpc if target.ecs_parameters else None
        if rule.unknown and unknown_at(rule.unknown, path):
            out.append(undetermined(path))
        elif vpc is not None and vpc.assign_public_ip == "ENABLED":
            what = f"target {target.id}" if target.id else "a target"
            out.append(fail(path, "ENABLED", f"{what} starts tasks with a public IP"))
        else:
            out.append(passed(path, vpc.assign_public_ip if vpc else None))
    return out or None


def scheduled_task_fargate_latest_platform(rule: EventRule, ctx: Context) -> Outcomes:
    out = _unknown_ecs_targets(rule)
    for index, target in rule.ecs_targets:
        ecs = target.ecs_parameters
        if ecs is None:
            continue
        prefix = f"Targets[{index}].EcsParameters"
        fields = ("LaunchType", "CapacityProviderStrategy", "PlatformVersion")
        unknown = [f for f in fields if rule.unknown and unknown_at(rule.unknown, f"{prefix}.{f}")]
        if unknown:
            out.append(undetermined(f"{prefix}.{unknown[0]}"))
            continue
        if not _is_fargate(ecs.launch_type, ecs.capacity_provider_strategy, target.arn, ctx):
            continue
        path = f"{prefix}.PlatformVersion"
        out.append(
            _platform_outcome(ctx, path, ecs.platform_version, None, ecs.task_definition_arn)
        )
    return out or None


def service_no_execute_command(svc: Service, ctx: Context) -> Outcomes:
    if svc.unknown and unknown_at(svc.unknown, "enableExecuteCommand"):
        return [undetermined("enableExecuteCommand")]
    if svc.enable_execute_command:
        return [fail("enableExecuteCommand", True, "ECS Exec is enabled")]
    return [passed("enableExecuteCommand", svc.enable_execute_command)]


def service_connect_tls(svc: Service, ctx: Context) -> Outcomes:
    sc = svc.effective_service_connect
    if sc is None or not sc.enabled:
        return None
    out: list[Outcome] = []
    for index, item in enumerate(sc.services):
        tls = item.tls
        if tls is None or tls.issuer_certificate_authority is None:
            path = f"serviceConnectConfiguration.services[{index}].tls"
            out.append(fail(path, None, f"Service Connect port {item.port_name} has no TLS"))
    return out


def service_no_admin_role(svc: Service, ctx: Context) -> Outcomes:
    from ecsguard.posture.iam import role_outcomes

    if not svc.role_arn:
        return None
    if "/aws-service-role/" in svc.role_arn:
        return [passed("roleArn", svc.role_arn)]
    return role_outcomes(ctx, "roleArn", svc.role_arn, "service role")


def service_load_balancer_attached(svc: Service, ctx: Context) -> Outcomes:
    if svc.scheduling_strategy == "DAEMON":
        return None
    sc = svc.effective_service_connect
    if svc.load_balancers or (sc is not None and sc.enabled and sc.services):
        return [passed("loadBalancers", len(svc.load_balancers))]
    return [
        fail(
            "loadBalancers",
            [],
            "replica service without a load balancer or Service Connect endpoint",
        )
    ]


def service_tagged(svc: Service, ctx: Context) -> Outcomes:
    return ctx.tags_outcome(svc, svc.tags)


CHECKS: dict[str, Predicate] = {
    "service_no_public_ip": service_no_public_ip,
    "task_set_no_public_ip": task_set_no_public_ip,
    "task_no_public_ip": task_no_public_ip,
    "service_no_open_ingress": service_no_open_ingress,
    "fargate_latest_platform": fargate_latest_platform,
    "service_no_execute_command": service_no_execute_command,
    "service_connect_tls": service_connect_tls,
    "service_no_admin_role": service_no_admin_role,
    "service_load_balancer_attached": service_load_balancer_attached,
    "service_tagged": service_tagged,
    "scheduled_task_no_public_ip": scheduled_task_no_public_ip,
    "scheduled_task_fargate_latest_platform": scheduled_task_fargate_latest_platform,
}
