"""Terraform resources of the services around ECS to their APIs' shapes (ELBv2, EFS, ECR, Logs,
KMS, EventBridge, IAM, Cloud Map, Secrets Manager, SSM, RDS, SQS, S3). Only listed attributes are copied:
``secret_string`` or an SSM ``value`` never enters the inventory."""

from __future__ import annotations

from typing import Any

import orjson

from ecsguard.collect.tf_common import (
    as_list,
    blocks,
    one,
    pick,
    present,
    tag_list,
    tag_map,
    tags_of,
)
from ecsguard.model import Unknown

Item = dict[str, Any]


def _doc(value: Any) -> Any:
    """Policies are JSON strings in Terraform and documents in the APIs' replies."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


_LB_ATTRS = {
    "drop_invalid_header_fields": "routing.http.drop_invalid_header_fields.enabled",
    "enable_deletion_protection": "deletion_protection.enabled",
    "idle_timeout": "idle_timeout.timeout_seconds",
    "enable_http2": "routing.http2.enabled",
    "desync_mitigation_mode": "routing.http.desync_mitigation_mode",
}


def load_balancer(rid: str, values: Item) -> Item:
    table = {
        "name": "LoadBalancerName",
        "load_balancer_type": "Type",
        "ip_address_type": "IpAddressType",
        "dns_name": "DNSName",
        "vpc_id": "VpcId",
    }
    out: Item = {"LoadBalancerArn": rid, **pick(values, table)}
    internal = values.get("internal")
    if isinstance(internal, bool):
        out["Scheme"] = "internal" if internal else "internet-facing"
    out["SecurityGroups"] = as_list(values.get("security_groups")) or []
    subnets = as_list(values.get("subnets"))
    mappings = [m for m in blocks(values.get("subnet_mapping")) if isinstance(m, dict)]
    if mappings and not (isinstance(subnets, list) and subnets):
        subnets = [m.get("subnet_id") for m in mappings]  # `subnets` is computed from these
    if isinstance(subnets, list):
        out["AvailabilityZones"] = [{"SubnetId": s} for s in subnets]
    elif isinstance(subnets, Unknown):
        out["AvailabilityZones"] = subnets
    out["Attributes"] = _lb_attributes(values)
    if values.get("load_balancer_type", "application") == "application":
        out["WebACL"] = None  # an aws_wafv2_web_acl_association of the plan sets it
    return {**out, "Tags": tag_list(values)}


def web_acl(values: Item) -> Item:
    """An aws_wafv2_web_acl_association tells its load balancer a web ACL is associated."""
    arn = values.get("web_acl_arn")
    return {"WebACL": {"ARN": arn} if isinstance(arn, str) else {}}


def guardduty_detector(rid: str, values: Item) -> Item:
    """``enable`` (default true) becomes ``Status``; features come from
    aws_guardduty_detector_feature resources (folded in as ``Features``)."""
    enable = values.get("enable", True)
    out: Item = {
        "DetectorId": rid,
        "Status": enable if isinstance(enable, Unknown) else ("ENABLED" if enable else "DISABLED"),
        "Features": [],
    }
    out.update(pick(values, {"finding_publishing_frequency": "FindingPublishingFrequency"}))
    return {**out, "Tags": tag_map(values)}


def guardduty_feature(address: str, values: Item) -> Item:
    out: Item = pick(values, {"name": "Name", "status": "Status"})
    extra = blocks(values.get("additional_configuration"))
    out["AdditionalConfiguration"] = [
        pick(block, {"name": "Name", "status": "Status"}) if isinstance(block, dict) else block
        for block in extra
    ]
    return out


def _lb_attributes(values: Item) -> list[Any]:
    attrs: list[Any] = []
    for tf, key in _LB_ATTRS.items():
        value = values.get(tf)
        if present(value):
            attrs.append({"Key": key, "Value": _attr_text(value)})
    logs = one(values.get("access_logs"))
    if isinstance(logs, dict):
        attrs.append({"Key": "access_logs.s3.enabled", "Value": _attr_text(logs.get("enabled"))})
        if present(logs.get("bucket")):
            attrs.append({"Key": "access_logs.s3.bucket", "Value": logs["bucket"]})
    return attrs


def _attr_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, Unknown) else str(value)


def listener(rid: str, values: Item) -> Item:
    table = {
        "load_balancer_arn": "LoadBalancerArn",
        "port": "Port",
        "protocol": "Protocol",
        "ssl_policy": "SslPolicy",
    }
    out: Item = {"ListenerArn": rid, **pick(values, table)}
    if present(values.get("certificate_arn")):
        out["Certificates"] = [{"CertificateArn": values["certificate_arn"]}]
    if present(values.get("alpn_policy")):
        out["AlpnPolicy"] = as_list(values["alpn_policy"])
    mutual = one(values.get("mutual_authentication"))
    if isinstance(mutual, dict):
        out["MutualAuthentication"] = pick(mutual, {"mode": "Mode"})
    out["DefaultActions"] = [_action(a) for a in blocks(values.get("default_action"))]
    return out


def _action(block: Any) -> Any:
    if not isinstance(block, dict):
        return block
    out: Item = pick(
        block, {"type": "Type", "target_group_arn": "TargetGroupArn", "order": "Order"}
    )
    forward = one(block.get("forward"))
    if isinstance(forward, dict):
        out["ForwardConfig"] = {
            "TargetGroups": [
                pick(t, {"arn": "TargetGroupArn", "weight": "Weight"})
                for t in blocks(forward.get("target_group"))
                if isinstance(t, dict)
            ]
        }
    redirect = one(block.get("redirect"))
    if isinstance(redirect, dict):
        out["RedirectConfig"] = pick(
            redirect,
            {
                "protocol": "Protocol",
                "port": "Port",
                "host": "Host",
                "path": "Path",
                "query": "Query",
                "status_code": "StatusCode",
            },
        )
    return out


def target_group(rid: str, values: Item) -> Item:
    table = {
        "name": "TargetGroupName",
        "protocol": "Protocol",
        "port": "Port",
        "vpc_id": "VpcId",
        "target_type": "TargetType",
        "protocol_version": "ProtocolVersion",
    }
    out: Item = {"TargetGroupArn": rid, **pick(values, table)}
    check = one(values.get("health_check"))
    if isinstance(check, dict):
        out.update(pick(check, {"protocol": "HealthCheckProtocol", "path": "HealthCheckPath"}))
    return {**out, "Tags": tag_list(values)}


def efs_file_system(rid: str, values: Item) -> Item:
    table = {
        "encrypted": "Encrypted",
        "kms_key_id": "KmsKeyId",
        "performance_mode": "PerformanceMode",
        "throughput_mode": "ThroughputMode",
        "arn": "FileSystemArn",
    }
    out: Item = {"FileSystemId": rid, **pick(values, table)}
    tags = tags_of(values) or {}
    if isinstance(tags, dict) and "Name" in tags:
        out["Name"] = tags["Name"]
    return {**out, "Tags": tag_list(values)}


def efs_access_point(rid: str, values: Item) -> Item:
    out: Item = {"AccessPointId": rid, **pick(values, {"file_system_id": "FileSystemId"})}
    user = one(values.get("posix_user"))
    if isinstance(user, dict):
        out["PosixUser"] = pick(
            user, {"uid": "Uid", "gid": "Gid", "secondary_gids": "SecondaryGids"}
        )
    root = one(values.get("root_directory"))
    if isinstance(root, dict):
        directory: Item = pick(root, {"path": "Path"})
        info = one(root.get("creation_info"))
        if isinstance(info, dict):
            directory["CreationInfo"] = pick(
                info,
                {"owner_uid": "OwnerUid", "owner_gid": "OwnerGid", "permissions": "Permissions"},
            )
        out["RootDirectory"] = directory
    return {**out, "Tags": tag_list(values)}


def mount_target(rid: str, values: Item) -> Item:
    table = {
        "subnet_id": "SubnetId",
        "ip_address": "IpAddress",
        "security_groups": "SecurityGroups",
    }
    return {"MountTargetId": rid, **pick(values, table)}


def ecr_repository(rid: str, values: Item) -> Item:
    table = {
        "name": "repositoryName",
        "image_tag_mutability": "imageTagMutability",
        "repository_url": "repositoryUri",
    }
    out: Item = {"repositoryArn": rid, **pick(values, table)}
    scan = one(values.get("image_scanning_configuration"))
    if isinstance(scan, dict):
        out["imageScanningConfiguration"] = pick(scan, {"scan_on_push": "scanOnPush"})
    enc = one(values.get("encryption_configuration"))
    if isinstance(enc, dict):
        out["encryptionConfiguration"] = pick(
            enc, {"encryption_type": "encryptionType", "kms_key": "kmsKey"}
        )
    return {**out, "tags": tag_list(values)}


def log_group(rid: str, values: Item) -> Item:
    table = {
        "name": "logGroupName",
        "retention_in_days": "retentionInDays",
        "kms_key_id": "kmsKeyId",
        "log_group_class": "logGroupClass",
    }
    out: Item = {"logGroupArn": rid, **pick(values, table)}
    if out.get("retentionInDays") == 0:
        del out["retentionInDays"]  # 0 is Terraform's "never expire", the API's absent key
    return {**out, "tags": tag_map(values)}


def kms_key(rid: str, values: Item) -> Item:
    table = {
        "description": "Description",
        "key_usage": "KeyUsage",
        "customer_master_key_spec": "KeySpec",
        "multi_region": "MultiRegion",
        "is_enabled": "Enabled",
        "key_id": "KeyId",
        "arn": "Arn",
    }
    out: Item = {"KeyId": rid, "Arn": rid, "KeyManager": "CUSTOMER", **pick(values, table)}
    enabled = out.get("Enabled", True)
    if isinstance(enabled, bool):
        out["KeyState"] = "Enabled" if enabled else "Disabled"
    if present(values.get("policy")):
        out["Policy"] = _doc(values["policy"])
    out["KeyRotationEnabled"] = values.get("enable_key_rotation", False)
    out["Tags"] = tag_list(values, "TagKey", "TagValue")
    return out


def iam_role(rid: str, values: Item) -> Item:
    table = {"name": "RoleName", "path": "Path", "unique_id": "RoleId"}
    out: Item = {"Arn": rid, **pick(values, table)}
    out["AssumeRolePolicyDocument"] = _doc(values.get("assume_role_policy"))
    out["RolePolicyList"] = [
        inline_policy(p)
        for p in blocks(values.get("inline_policy"))
        if isinstance(p, dict) and p.get("name")
    ]
    # Unset inline_policy / managed_policy_arns are "known after apply": the role then holds
    # exactly the aws_iam_role_policy(_attachment) resources folded in later.
    managed = values.get("managed_policy_arns")
    out["AttachedPolicies"] = (
        [attached(arn) for arn in managed if isinstance(managed, list)]
        if isinstance(managed, list)
        else []
    )
    if present(values.get("permissions_boundary")):
        out["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": values["permissions_boundary"],
        }
    return {**out, "Tags": tag_list(values)}


def inline_policy(values: Item) -> Item:
    return {"PolicyName": values.get("name"), "PolicyDocument": _doc(values.get("policy"))}


def attached(arn: Any) -> Any:
    if isinstance(arn, Unknown):
        return arn
    return {"PolicyName": str(arn).rsplit("/", 1)[-1].rsplit(".", 1)[-1], "PolicyArn": arn}


def sd_namespace(kind: str) -> Any:
    def translate(rid: str, values: Item) -> Item:
        out: Item = {"Id": rid, "Type": kind, **pick(values, {"name": "Name", "arn": "Arn"})}
        if present(values.get("vpc")):
            out["Properties"] = {"DnsProperties": {}, "Vpc": values["vpc"]}
        return out

    return translate


def sd_service(rid: str, values: Item) -> Item:
    out: Item = {
        "Id": rid,
        **pick(values, {"name": "Name", "arn": "Arn", "namespace_id": "NamespaceId"}),
    }
    dns = one(values.get("dns_config"))
    if isinstance(dns, dict):
        out.setdefault("NamespaceId", dns.get("namespace_id"))
        out["DnsConfig"] = {
            "NamespaceId": dns.get("namespace_id"),
            "RoutingPolicy": dns.get("routing_policy"),
        }
    return out


def secret(rid: str, values: Item) -> Item:
    out: Item = {"ARN": rid, **pick(values, {"name": "Name", "kms_key_id": "KmsKeyId"})}
    out["RotationEnabled"] = False
    return {**out, "Tags": tag_list(values)}


def ssm_parameter(rid: str, values: Item) -> Item:
    table = {
        "name": "Name",
        "type": "Type",
        "tier": "Tier",
        "data_type": "DataType",
        "key_id": "KeyId",
    }
    return {"ARN": rid, **pick(values, table), "Tags": tag_list(values)}


def rds_instance(rid: str, values: Item) -> Item:
    table = {
        "identifier": "DBInstanceIdentifier",
        "engine": "Engine",
        "publicly_accessible": "PubliclyAccessible",
        "storage_encrypted": "StorageEncrypted",
        "kms_key_id": "KmsKeyId",
    }
    out: Item = {"DBInstanceArn": rid, **pick(values, table)}
    groups = as_list(values.get("vpc_security_group_ids"))
    if isinstance(groups, list):
        out["VpcSecurityGroups"] = [{"VpcSecurityGroupId": g, "Status": "active"} for g in groups]
    elif isinstance(groups, Unknown):
        out["VpcSecurityGroups"] = groups
    return {**out, "TagList": tag_list(values)}


def sqs_queue(rid: str, values: Item) -> Item:
    url = values.get("url")
    out: Item = {"QueueUrl": url if isinstance(url, str) and url else rid, "QueueArn": rid}
    out.update(pick(values, {"name": "QueueName"}))
    attrs: Item = {}
    for tf, api in (
        ("kms_master_key_id", "KmsMasterKeyId"),
        ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
        ("visibility_timeout_seconds", "VisibilityTimeout"),
    ):
        if present(values.get(tf)):
            attrs[api] = _attr_text(values[tf])
    out["Attributes"] = attrs
    return {**out, "Tags": tag_map(values)}


def s3_bucket(rid: str, values: Item) -> Item:
    name = values.get("bucket")
    return {"Name": name if present(name) else rid, "Tags": tag_list(values)}


def event_rule(rid: str, values: Item) -> Item:
    table = {
        "name": "Name",
        "arn": "Arn",
        "description": "Description",
        "event_bus_name": "EventBusName",
        "event_pattern": "EventPattern",
        "schedule_expression": "ScheduleExpression",
        "role_arn": "RoleArn",
        "state": "State",
    }
    out: Item = {"Arn": rid, **pick(values, table)}
    if "State" not in out and isinstance(values.get("is_enabled"), bool):
        out["State"] = "ENABLED" if values["is_enabled"] else "DISABLED"
    return out


def _ecs_target(ecs: Any) -> Any:
    """An ``ecs_target`` block as the EventBridge API's ``EcsParameters``."""
    if not isinstance(ecs, dict):
        return ecs
    table = {
        "task_definition_arn": "TaskDefinitionArn",
        "task_count": "TaskCount",
        "launch_type": "LaunchType",
        "platform_version": "PlatformVersion",
        "group": "Group",
        "enable_ecs_managed_tags": "EnableECSManagedTags",
        "enable_execute_command": "EnableExecuteCommand",
        "propagate_tags": "PropagateTags",
    }
    out: Item = pick(values=ecs, table=table)
    network = one(ecs.get("network_configuration"))
    if isinstance(network, dict):
        public = network.get("assign_public_ip")
        vpc: Any = {
            "Subnets": network.get("subnets") or [],
            "SecurityGroups": network.get("security_groups") or [],
            "AssignPublicIp": public
            if isinstance(public, Unknown)
            else ("ENABLED" if public is True else "DISABLED"),
        }
        out["NetworkConfiguration"] = {"awsvpcConfiguration": vpc}
    elif isinstance(network, Unknown):
        out["NetworkConfiguration"] = network
    strategy = blocks(ecs.get("capacity_provider_strategy"))
    if strategy:
        out["CapacityProviderStrategy"] = [
            pick(s, {"capacity_provider": "capacityProvider", "weight": "weight", "base": "base"})
            if isinstance(s, dict)
            else s
            for s in strategy
        ]
    tags = ecs.get("tags")
    if isinstance(tags, dict):
        out["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return out


def event_target(address: str, values: Item) -> Item:
    """An ``aws_cloudwatch_event_target`` as a ListTargetsByRule item."""
    target_id = values.get("target_id")
    out: Item = {"Id": target_id if isinstance(target_id, str) and target_id else address}
    out.update(pick(values, {"arn": "Arn", "role_arn": "RoleArn"}))
    ecs = values.get("ecs_target")
    if isinstance(ecs, Unknown) or ecs:
        out["EcsParameters"] = _ecs_target(one(ecs))
    return out
