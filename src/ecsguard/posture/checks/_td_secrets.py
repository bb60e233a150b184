"""Task-definition predicates about secrets: environment, command lines, labels, log options,
secret references and older revisions. Values never leave here: evidence carries ``***``."""

from __future__ import annotations

from ecsguard.model.ecs import TaskDefinition
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import (
    MASK,
    Outcome,
    Outcomes,
    error,
    fail,
    passed,
    undetermined,
    unknown_at,
)
from ecsguard.posture.registry import Predicate

SH_SECRET_KEYS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"})


def no_aws_credential_env_keys(td: TaskDefinition, ctx: Context) -> Outcomes:
    out: list[Outcome] = []
    for ci, c in enumerate(td.container_definitions):
        for ei, env in enumerate(c.environment):
            if env.name in SH_SECRET_KEYS:
                out.append(
                    fail(
                        f"containerDefinitions[{ci}].environment[{ei}].name",
                        env.name,
                        f"{c.name or ci}: environment variable {env.name} is set in plain text",
                    )
                )
    if not out and td.unknown:
        out += _unknown_envs(td)
    return out


def _unknown_envs(td: TaskDefinition) -> list[Outcome]:
    out = []
    if unknown_at(td.unknown, "containerDefinitions"):
        out.append(undetermined("containerDefinitions"))
    for ci, _ in enumerate(td.container_definitions):
        path = f"containerDefinitions[{ci}].environment"
        # a name left undetermined could be one of the keys; an unknown value cannot matter
        if any(u == path or (u.startswith(path + "[") and u.endswith(".name")) for u in td.unknown):
            out.append(undetermined(path))
    return out


def env_secret_outcomes(td: TaskDefinition, ctx: Context) -> list[Outcome]:
    """Failures for every environment variable holding a secret, values masked."""
    out: list[Outcome] = []
    judge = ctx.secrets.pair
    for ci, c in enumerate(td.container_definitions):
        for ei, env in enumerate(c.environment):
            kind = judge(env.name, env.value)
            if kind:
                out.append(
                    fail(
                        f"containerDefinitions[{ci}].environment[{ei}].value",
                        MASK,
                        f"{c.name or ci}: variable {env.name} holds a secret ({kind})",
                    )
                )
    return out


def no_environment_secrets(td: TaskDefinition, ctx: Context) -> Outcomes:
    out = env_secret_outcomes(td, ctx)
    if not out and td.unknown and unknown_at(td.unknown, "containerDefinitions"):
        out.append(undetermined("containerDefinitions"))
    return out


def _elsewhere(td: TaskDefinition, ctx: Context) -> list[Outcome]:
    out: list[Outcome] = []
    judge = ctx.secrets
    for ci, c in enumerate(td.container_definitions):
        label = c.name or ci
        base = f"containerDefinitions[{ci}]"
        for field, args in (
            ("command", c.command),
            ("entryPoint", c.entry_point),
            ("healthCheck.command", c.health_check.command if c.health_check else ()),
        ):
            hit = judge.command(args) if args else None
            if hit:
                out.append(
                    fail(
                        f"{base}.{field}[{hit[0]}]",
                        MASK,
                        f"{label}: {field} holds a secret ({hit[1]})",
                    )
                )
        for key, value in c.docker_labels.items():
            kind = judge.pair(key, value)
            if kind:
                out.append(
                    fail(
                        f"{base}.dockerLabels.{key}",
                        MASK,
                        f"{label}: label {key} holds a secret ({kind})",
                    )
                )
        options = c.log_configuration.options if c.log_configuration else {}
        for key, value in options.items():
            kind = judge.pair(key, value)
            if kind:
                out.append(
                    fail(
                        f"{base}.logConfiguration.options.{key}",
                        MASK,
                        f"{label}: log option {key} holds a secret ({kind}); use secretOptions",
                    )
                )
    return out


def no_secrets_in_command_or_options(td: TaskDefinition, ctx: Context) -> Outcomes:
    return _elsewhere(td, ctx)


def secret_references_protected(td: TaskDefinition, ctx: Context) -> Outcomes:
    out: list[Outcome] = []
    for ci, c in enumerate(td.container_definitions):
        refs = [(f"containerDefinitions[{ci}].secrets[{si}]", s) for si, s in enumerate(c.secrets)]
        if c.log_configuration:
            refs += [
                (f"containerDefinitions[{ci}].logConfiguration.secretOptions[{si}]", s)
                for si, s in enumerate(c.log_configuration.secret_options)
            ]
        for path, secret in refs:
            out += _reference_outcome(path, secret.name, secret.value_from, ctx)
        for fi, env_file in enumerate(c.environment_files):
            out += _env_file_outcome(
                f"containerDefinitions[{ci}].environmentFiles[{fi}]", env_file.value, ctx
            )
    return out


def _env_file_outcome(path: str, arn: str, ctx: Context) -> list[Outcome]:
    """An S3 environment file holds plain-text variables: its bucket must not be public."""
    bucket_name = arn.split(":::", 1)[-1].split("/", 1)[0]
    bucket = ctx.find("s3_buckets", bucket_name)
    if bucket is None:
        return [error(f"{path}.value", f"bucket {bucket_name} is not in the input")]
    if (bucket.policy_status or {}).get("IsPublic"):
        return [fail(f"{path}.value", arn, f"environment file is in public bucket {bucket_name}")]
    return [passed(f"{path}.value", arn)]


def _reference_outcome(path: str, name: str, ref: str, ctx: Context) -> list[Outcome]:
    if ":secretsmanager:" in ref:
        arn = ref.split(":secret:", 1)
        base = ref if len(arn) == 1 else arn[0] + ":secret:" + arn[1].split(":", 1)[0]
        secret = ctx.find("secrets", base) or ctx.find("secrets", ref)
        if secret is None:
            return [error(f"{path}.valueFrom", f"secret for {name} is not in the input")]
        problems = []
        if not secret.kms_key_id or secret.kms_key_id.endswith("alias/aws/secretsmanager"):
            problems.append("no customer-managed KMS key")
        if not secret.rotation_enabled:
            problems.append("rotation disabled")
        if problems:
            return [fail(f"{path}.valueFrom", ref, f"secret for {name}: {', '.join(problems)}")]
        return [passed(f"{path}.valueFrom", ref)]
    param_name = ref.split(":parameter", 1)[-1] if ref.startswith("arn:") else ref
    param = ctx.find("ssm_parameters", ref) or ctx.find("ssm_parameters", param_name)
    if param is None:
        return [error(f"{path}.valueFrom", f"parameter for {name} is not in the input")]
    if param.type != "SecureString":
        return [fail(f"{path}.valueFrom", ref, f"{name} reads SSM parameter of type {param.type}")]
    return [passed(f"{path}.valueFrom", ref)]


def no_secrets_in_old_revisions(td: TaskDefinition, ctx: Context) -> Outcomes:
    return env_secret_outcomes(td, ctx) + _elsewhere(td, ctx)


CHECKS: dict[str, Predicate] = {
    "no_aws_credential_env_keys": no_aws_credential_env_keys,
    "no_environment_secrets": no_environment_secrets,
    "no_secrets_in_command_or_options": no_secrets_in_command_or_options,
    "secret_references_protected": secret_references_protected,
    "no_secrets_in_old_revisions": no_secrets_in_old_revisions,
}
