"""Cluster, capacity-provider, container-instance and account predicates (cluster.yaml)."""

from __future__ import annotations

from ecsguard.model.ecs import AccountSetting, CapacityProvider, Cluster, ContainerInstance
from ecsguard.posture.checks.service import _version
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import Outcomes, error, fail, passed, undetermined, unknown_at
from ecsguard.posture.registry import Predicate

INSIGHTS_ON = frozenset({"enabled", "enhanced"})


def container_insights(cl: Cluster, ctx: Context) -> Outcomes:
    if cl.unknown and unknown_at(cl.unknown, "settings"):
        return [undetermined("settings")]
    value = cl.setting("containerInsights")
    index = next((i for i, s in enumerate(cl.settings) if s.name == "containerInsights"), None)
    path = f"settings[{index}].value" if index is not None else "settings"
    if value in INSIGHTS_ON:
        return [passed(path, value)]
    return [fail(path, value, f"Container Insights is {value or 'not set (disabled)'}")]


def _exec(cl: Cluster):  # type: ignore[no-untyped-def]
    return cl.configuration.execute_command_configuration if cl.configuration else None


EXEC = "configuration.executeCommandConfiguration"


def exec_logging(cl: Cluster, ctx: Context) -> Outcomes:
    if cl.unknown and unknown_at(cl.unknown, EXEC + ".logging"):
        return [undetermined(EXEC + ".logging")]
    conf = _exec(cl)
    logging = conf.logging if conf else None
    if logging == "NONE":
        return [fail(EXEC + ".logging", "NONE", "ECS Exec session logging is NONE")]
    return [passed(EXEC + ".logging", logging)]


def exec_encryption(cl: Cluster, ctx: Context) -> Outcomes:
    conf = _exec(cl)
    if conf is None:
        return None
    if cl.unknown and unknown_at(cl.unknown, EXEC):
        return [undetermined(EXEC)]
    problems = []
    if not conf.kms_key_id:
        problems.append("no kmsKeyId for exec sessions")
    lc = conf.log_configuration
    if conf.logging == "OVERRIDE" and lc is not None:
        if lc.cloud_watch_log_group_name and not lc.cloud_watch_encryption_enabled:
            problems.append("CloudWatch log destination not encrypted")
        if lc.s3_bucket_name and not lc.s3_encryption_enabled:
            problems.append("S3 log destination not encrypted")
    if problems:
        return [fail(EXEC, conf.kms_key_id, "; ".join(problems))]
    return [passed(EXEC + ".kmsKeyId", conf.kms_key_id)]


def managed_storage_kms(cl: Cluster, ctx: Context) -> Outcomes:
    path = "configuration.managedStorageConfiguration"
    if cl.unknown and unknown_at(cl.unknown, path):
        return [undetermined(path)]
    msc = cl.configuration.managed_storage_configuration if cl.configuration else None
    if msc and (msc.fargate_ephemeral_storage_kms_key_id or msc.kms_key_id):
        return [passed(path, msc.fargate_ephemeral_storage_kms_key_id or msc.kms_key_id)]
    return [
        fail(path, None, "no customer-managed key for Fargate ephemeral storage or managed EBS")
    ]


def cluster_tagged(cl: Cluster, ctx: Context) -> Outcomes:
    return ctx.tags_outcome(cl, cl.tags)


def managed_termination_protection(cp: CapacityProvider, ctx: Context) -> Outcomes:
    asg = cp.auto_scaling_group_provider
    path = "autoScalingGroupProvider.managedTerminationProtection"
    if cp.unknown and unknown_at(cp.unknown, path):
        return [undetermined(path)]
    if asg is None:
        return None  # FARGATE / FARGATE_SPOT providers have no Auto Scaling group
    value = asg.managed_termination_protection
    if value != "ENABLED":
        return [
            fail(path, value, f"managed termination protection is {value or 'unset (DISABLED)'}")
        ]
    return [passed(path, value)]


def instance_ebs_encrypted(ci: ContainerInstance, ctx: Context) -> Outcomes:
    return None  # the input kinds do not carry volume encryption yet (kinds: [])


def agent_connected(ci: ContainerInstance, ctx: Context) -> Outcomes:
    if ci.agent_connected is False:
        return [fail("agentConnected", False, "container agent is disconnected")]
    minimum = ctx.policy.min_agent_version
    version = ci.version_info.agent_version if ci.version_info else None
    if minimum and version and _version(version.lstrip("v")) < _version(minimum):
        return [
            fail("versionInfo.agentVersion", version, f"agent {version} is older than {minimum}")
        ]
    return [passed("agentConnected", ci.agent_connected)]


def imds_blocked_for_tasks(ci: ContainerInstance, ctx: Context) -> Outcomes:
    inst = ctx.find("instances", ci.ec2_instance_id)
    if inst is None:
        return [error("ec2InstanceId", f"EC2 instance {ci.ec2_instance_id} is not in the input")]
    md = inst.metadata_options
    if md is None:
        return [error("ec2InstanceId", "instance metadata options are not in the input")]
    if md.http_endpoint == "disabled":
        return [passed("MetadataOptions.HttpEndpoint", "disabled")]
    problems = []
    if md.http_tokens != "required":
        problems.append(f"IMDSv1 allowed (HttpTokens {md.http_tokens})")
    hops = md.http_put_response_hop_limit
    if hops is None or hops > 1:
        problems.append(f"hop limit {hops} lets bridge-mode containers reach IMDSv2")
    if problems:
        return [
            fail(
                "MetadataOptions",
                ci.ec2_instance_id,
                f"{ci.ec2_instance_id}: {'; '.join(problems)}",
            )
        ]
    return [
        passed(
            "MetadataOptions.HttpTokens", "required", "awsvpc tasks also need ECS_AWSVPC_BLOCK_IMDS"
        )
    ]


def account_secure_settings(s: AccountSetting, ctx: Context) -> Outcomes:
    policy = ctx.policy
    value = (s.value or "").lower()
    if s.name == "containerInsights":
        ok = value in INSIGHTS_ON
    elif s.name == "tagResourceAuthorization":
        ok = value == "on"
    elif s.name == "fargateFIPSMode":
        if not policy.require_fips:
            return None
        ok = value == "enabled"
    elif s.name == "defaultLogDriverMode":
        if policy.log_mode == "any":
            return None
        ok = value == policy.log_mode
    else:
        return None
    if ok:
        return [passed("value", s.value)]
    return [fail("value", s.value, f"account setting {s.name} is {s.value}")]


def guardduty_runtime_monitoring(s: AccountSetting, ctx: Context) -> Outcomes:
    return None  # GuardDuty settings are not in the input kinds yet (kinds: [])


CHECKS: dict[str, Predicate] = {
    "container_insights": container_insights,
    "exec_logging": exec_logging,
    "exec_encryption": exec_encryption,
    "managed_storage_kms": managed_storage_kms,
    "cluster_tagged": cluster_tagged,
    "managed_termination_protection": managed_termination_protection,
    "instance_ebs_encrypted": instance_ebs_encrypted,
    "agent_connected": agent_connected,
    "imds_blocked_for_tasks": imds_blocked_for_tasks,
    "account_secure_settings": account_secure_settings,
    "guardduty_runtime_monitoring": guardduty_runtime_monitoring,
}
