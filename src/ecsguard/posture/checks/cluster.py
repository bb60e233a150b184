"""Cluster, capacity-provider, container-instance and account predicates (cluster.yaml)."""

from __future__ import annotations

from typing import Any

from ecsguard.model.ec2 import BlockDeviceMapping, Instance, LaunchTemplate
from ecsguard.model.ecs import AccountSetting, CapacityProvider, Cluster, ContainerInstance
from ecsguard.model.services import GuardDutyDetector
from ecsguard.posture.checks.service import _version
from ecsguard.posture.collections import NoDetector
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


def instance_ebs_encrypted(host: Any, ctx: Context) -> Outcomes:
    """Container instances: every attached EBS volume (DescribeVolumes ``Encrypted``).
    Launch templates and instances of a template or plan: every EBS mapping asks for
    encryption, or EBS encryption by default is on."""
    if isinstance(host, ContainerInstance):
        return _attached_volumes(host, ctx)
    if isinstance(host, LaunchTemplate):
        path = "LaunchTemplateData.BlockDeviceMappings"
        data = host.launch_template_data
        return _requested(host, ctx, path, data.block_device_mappings if data else ())
    if isinstance(host, Instance):
        return _requested(host, ctx, "BlockDeviceMappings", host.block_device_mappings)
    return None


def _attached_volumes(ci: ContainerInstance, ctx: Context) -> Outcomes:
    inst = ctx.find("instances", ci.ec2_instance_id)
    if inst is None:
        return [error("ec2InstanceId", f"EC2 instance {ci.ec2_instance_id} is not in the input")]
    out: list[Outcome] = []
    for index, mapping in enumerate(inst.block_device_mappings):
        volume_id = mapping.ebs.volume_id if mapping.ebs else None
        if not volume_id:
            continue  # an instance-store volume
        path = f"BlockDeviceMappings[{index}].Ebs.VolumeId"
        volume = ctx.find("volumes", volume_id)
        if volume is None or volume.encrypted is None:
            out.append(error(path, _missing_volume(ctx, ci, volume_id)))
        elif volume.encrypted:
            out.append(passed(path, volume_id, f"{volume_id} encrypted ({volume.kms_key_id})"))
        else:
            where = f"{ci.ec2_instance_id} {mapping.device_name or ''}".strip()
            out.append(fail(path, volume_id, f"EBS volume {volume_id} ({where}) is not encrypted"))
    return out or [passed("BlockDeviceMappings", [], f"{ci.ec2_instance_id} has no EBS volumes")]


def _missing_volume(ctx: Context, ci: ContainerInstance, volume_id: str) -> str:
    origin = ci.origin
    for info in ctx.inventory.inputs:
        mine = origin is not None and info.path == origin.file and info.kind == "snapshot"
        if mine and f"{ci.region}/ec2/volumes" not in info.sections:
            return (
                f"EBS volume {volume_id}: the snapshot has no ec2.volumes "
                "(collected before volumes were read)"
            )
    for err in ctx.inventory.errors:
        if err.operation == "DescribeVolumes" and err.region == ci.region:
            return f"EBS volume {volume_id} could not be read: DescribeVolumes: {err.message}"
    return f"EBS volume {volume_id} is not in the input (DescribeVolumes)"


def _requested(
    host: LaunchTemplate | Instance,
    ctx: Context,
    path: str,
    mappings: tuple[BlockDeviceMapping, ...],
) -> Outcomes:
    if host.unknown and unknown_at(host.unknown, path):
        return [undetermined(path)]
    default = _encryption_by_default(ctx, host.region)
    out: list[Outcome] = []
    # no mapping for the root device: the AMI's own (unencrypted, for the ECS-optimised AMIs)
    # snapshot decides, unless encryption by default is on
    if default is None and not any(m.ebs for m in mappings if _is_root(m)):
        out.append(
            fail(path, None, "the root volume keeps the AMI's encryption (no Encrypted flag)")
        )
    for index, mapping in enumerate(mappings):
        ebs = mapping.ebs
        if ebs is None:
            continue
        at = f"{path}[{index}].Ebs.Encrypted"
        if host.unknown and unknown_at(host.unknown, at):
            out.append(undetermined(at))
        elif ebs.encrypted:
            out.append(passed(at, True))
        elif default is not None:
            out.append(passed(at, ebs.encrypted, f"EBS encryption by default is on ({default})"))
        else:
            device = mapping.device_name or f"mapping {index}"
            flag = "false" if ebs.encrypted is False else "not set"
            detail = f"EBS volume {device} is not encrypted (Encrypted {flag})"
            out.append(fail(at, ebs.encrypted, detail))
    if not out:
        return [passed(path, None, f"EBS encryption by default is on ({default})")]
    return out


# the root device names of Amazon Linux / ECS-optimised and Ubuntu/Windows AMIs; ``root`` is
# how a Terraform root_block_device whose device name is known only after apply is loaded
ROOT_DEVICES = frozenset({"/dev/xvda", "/dev/sda1", "/dev/sda", "/dev/xvda1", "root"})


def _is_root(mapping: BlockDeviceMapping) -> bool:
    return mapping.device_name in ROOT_DEVICES


def _encryption_by_default(ctx: Context, region: str) -> str | None:
    """Where EBS encryption by default is on for ``region`` (a snapshot region or the
    template's resource), else None; a record without a region applies to every region."""
    for record in ctx.inventory.ebs_encryption_defaults:
        if record.ebs_encryption_by_default and (not region or record.region in ("", region)):
            return record.id or record.region
    return None


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


RUNTIME = "RUNTIME_MONITORING"
FARGATE_AGENT = "ECS_FARGATE_AGENT_MANAGEMENT"


def guardduty_runtime_monitoring(d: Any, ctx: Context) -> Outcomes:
    """GuardDuty.12: the detector is on, with RUNTIME_MONITORING and its
    ECS_FARGATE_AGENT_MANAGEMENT configuration ENABLED (EKS_RUNTIME_MONITORING does not
    cover ECS)."""
    if isinstance(d, NoDetector):
        return [fail("DetectorIds", [], f"GuardDuty has no detector in {d.region}")]
    if not isinstance(d, GuardDutyDetector):
        return None
    if d.unknown and unknown_at(d.unknown, "Status"):
        return [undetermined("Status")]
    if d.status != "ENABLED":
        return [fail("Status", d.status, f"the GuardDuty detector is {d.status or 'not enabled'}")]
    if d.is_unknown("Features"):
        return [undetermined("Features")]
    hit = d.feature(RUNTIME)
    if hit is None:
        names = [f.name for f in d.features]
        return [fail("Features", names, f"{RUNTIME} is not enabled (features: {names or 'none'})")]
    index, feature = hit
    if feature.status != "ENABLED":
        path = f"Features[{index}].Status"
        return [fail(path, feature.status, f"{RUNTIME} is {feature.status or 'not set'}")]
    for j, conf in enumerate(feature.additional_configuration):
        if conf.name == FARGATE_AGENT:
            path = f"Features[{index}].AdditionalConfiguration[{j}].Status"
            if conf.status == "ENABLED":
                return [passed(path, conf.status)]
            return [fail(path, conf.status, f"{FARGATE_AGENT} is {conf.status or 'not set'}")]
    path = f"Features[{index}].AdditionalConfiguration"
    return [fail(path, None, f"{RUNTIME} is on but {FARGATE_AGENT} is not enabled")]


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
