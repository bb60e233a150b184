"""Task-definition predicates about data: logging, storage, roles, images, tags (secrets in
``_td_secrets``)."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from ecsguard.model.ecs import ContainerDefinition, TaskDefinition
from ecsguard.posture.checks import _td_secrets
from ecsguard.posture.checks._td import field_unknown, is_fargate, per_container
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import (
    Outcome,
    Outcomes,
    error,
    fail,
    passed,
    undetermined,
)
from ecsguard.posture.registry import Predicate


def logging_configured(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[None, str] | None:
        if c.log_configuration is None or not c.log_configuration.log_driver:
            return (None, "has no logConfiguration.logDriver")
        return None

    return per_container(td, "logConfiguration.logDriver", judge)


def log_driver_mode(td: TaskDefinition, ctx: Context) -> Outcomes:
    want = ctx.policy.log_mode
    if want == "any":
        return None
    default = ctx.account_settings.get((td.region, "defaultLogDriverMode")) or "non-blocking"
    out: list[Outcome] = []
    for ci, c in enumerate(td.container_definitions):
        lc = c.log_configuration
        if lc is None or not lc.log_driver:
            continue
        path = f"containerDefinitions[{ci}].logConfiguration.options.mode"
        if field_unknown(td, path):
            out.append(undetermined(path))
            continue
        mode = lc.options.get("mode")
        effective = mode or default
        if effective != want:
            how = f"mode is {mode}" if mode else f"mode unset (effective default {default})"
            out.append(fail(path, mode, f"{c.name or ci}: {how}; policy requires {want}"))
    return out


def log_destination_protected(td: TaskDefinition, ctx: Context) -> Outcomes:
    if not any(_awslogs(c) for c in td.container_definitions):
        return None
    out: list[Outcome] = []
    policy = ctx.policy
    for ci, c in enumerate(td.container_definitions):
        lc = c.log_configuration
        if lc is None or lc.log_driver != "awslogs":
            continue
        path = f"containerDefinitions[{ci}].logConfiguration.options.awslogs-group"
        name = lc.options.get("awslogs-group")
        if field_unknown(td, path) or not name:
            out.append(undetermined(path))
            continue
        group = ctx.find("log_groups", name)
        if group is None:
            out.append(error(path, f"log group {name} is not in the input"))
            continue
        days = group.retention_in_days
        problems = []
        if days is None and not policy.log_retention_never_expire_ok:
            problems.append("retention never expires (policy requires a limit)")
        elif days is not None and days < policy.log_retention_days:
            problems.append(f"retention {days} days < {policy.log_retention_days}")
        if not group.kms_key_id:
            problems.append("no KMS key")
        if problems:
            out.append(fail(path, name, f"{c.name or ci}: log group {name}: {', '.join(problems)}"))
    return out


def _awslogs(c: ContainerDefinition) -> bool:
    return c.log_configuration is not None and c.log_configuration.log_driver == "awslogs"


def _efs_volumes(td: TaskDefinition) -> list[tuple[int, object]]:
    return [
        (i, v.efs_volume_configuration)
        for i, v in enumerate(td.volumes)
        if v.efs_volume_configuration
    ]


def efs_transit_encryption(td: TaskDefinition, ctx: Context) -> Outcomes:
    vols = _efs_volumes(td)
    if not vols:
        return None
    out: list[Outcome] = []
    for index, efs in vols:
        path = f"volumes[{index}].efsVolumeConfiguration.transitEncryption"
        if field_unknown(td, path):
            out.append(undetermined(path))
            continue
        value = getattr(efs, "transit_encryption", None)
        if value != "ENABLED":
            out.append(
                fail(
                    path,
                    value,
                    f"EFS volume {td.volumes[index].name}: transitEncryption is {value or 'unset (DISABLED)'}",
                )
            )
    return out


def efs_iam_authorization(td: TaskDefinition, ctx: Context) -> Outcomes:
    vols = _efs_volumes(td)
    if not vols:
        return None
    out: list[Outcome] = []
    for index, efs in vols:
        path = f"volumes[{index}].efsVolumeConfiguration.authorizationConfig.iam"
        auth = getattr(efs, "authorization_config", None)
        if field_unknown(td, path):
            out.append(undetermined(path))
        elif auth is None or auth.iam != "ENABLED":
            out.append(
                fail(
                    path,
                    auth.iam if auth else None,
                    f"EFS volume {td.volumes[index].name}: IAM authorisation off",
                )
            )
    return out


def distinct_task_and_execution_roles(td: TaskDefinition, ctx: Context) -> Outcomes:
    if field_unknown(td, "taskRoleArn") or field_unknown(td, "executionRoleArn"):
        return [undetermined("taskRoleArn")]
    if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
        return [fail("taskRoleArn", td.task_role_arn, "task role is also the execution role")]
    return [passed("taskRoleArn", td.task_role_arn)]


def task_role_least_privilege(td: TaskDefinition, ctx: Context) -> Outcomes:
    from ecsguard.posture.iam import role_outcomes

    if field_unknown(td, "taskRoleArn"):
        return [undetermined("taskRoleArn")]
    if not td.task_role_arn:
        if is_fargate(td):
            return [passed("taskRoleArn", None, "no task role (no AWS credentials in the task)")]
        return [
            fail(
                "taskRoleArn",
                None,
                "no task role on EC2: containers fall back to the instance profile",
            )
        ]
    return role_outcomes(ctx, "taskRoleArn", td.task_role_arn, "task role")


def memory_hard_limit(td: TaskDefinition, ctx: Context) -> Outcomes:
    if td.memory not in (None, "", 0):
        return [passed("memory", td.memory)]
    return per_container(
        td, "memory", lambda c: (None, "no memory hard limit") if not c.memory else None
    )


def health_check(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[None, str] | None:
        if c.essential is False or (c.health_check and c.health_check.command):
            return None
        return (None, "essential container without healthCheck")

    return per_container(td, "healthCheck", judge)


_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def image_pinned(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[str | None, str] | None:
        image = c.image or ""
        if _DIGEST.search(image):
            return None
        last = image.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        if not tag:
            return (image, "image has no tag (pulls latest)")
        if tag == "latest":
            return (image, "image uses the mutable latest tag")
        return None

    return per_container(td, "image", judge)


_ECR = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")


def image_registry_allowed(td: TaskDefinition, ctx: Context) -> Outcomes:
    allowed = ctx.policy.allowed_registries
    account = ctx.inventory.account_id

    def judge(c: ContainerDefinition) -> tuple[str | None, str] | None:
        image = c.image or ""
        if allowed:
            ok = any(
                fnmatchcase(image, p) or fnmatchcase(image, p.rstrip("/") + "/*") for p in allowed
            )
            return None if ok else (image, "registry not in allowed_registries")
        match = _ECR.match(image)
        if match is None:
            return (image, "image is not from Amazon ECR")
        if account and match.group(1) != account:
            return (image, f"image is from another account's ECR ({match.group(1)})")
        return None

    return per_container(td, "image", judge)


def tagged(td: TaskDefinition, ctx: Context) -> Outcomes:
    return ctx.tags_outcome(td, td.tags)


CHECKS: dict[str, Predicate] = {
    **_td_secrets.CHECKS,
    "logging_configured": logging_configured,
    "log_driver_mode": log_driver_mode,
    "log_destination_protected": log_destination_protected,
    "efs_transit_encryption": efs_transit_encryption,
    "efs_iam_authorization": efs_iam_authorization,
    "distinct_task_and_execution_roles": distinct_task_and_execution_roles,
    "task_role_least_privilege": task_role_least_privilege,
    "memory_hard_limit": memory_hard_limit,
    "health_check": health_check,
    "image_pinned": image_pinned,
    "image_registry_allowed": image_registry_allowed,
    "tagged": tagged,
}
