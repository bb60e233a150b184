"""CloudFormation resources of the services around ECS to their APIs' shapes: ELBv2, EFS, ECR,
CloudWatch Logs, KMS, EventBridge rules, IAM, Cloud Map, Secrets Manager, SSM, RDS, SQS and S3.

Only listed properties are copied, so a secret's value (``SecretString``, an SSM ``Value``)
never enters the inventory.
"""

from __future__ import annotations

from typing import Any

import orjson

from ecsguard.collect.cfn_network import pick, tags
from ecsguard.model import Unknown

Item = dict[str, Any]


def _tag_dict(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        return value
    return {str(t.get("Key")): t.get("Value") for t in value or [] if isinstance(t, dict)}


def policy_doc(value: Any) -> Any:
    """Templates may give a policy as a JSON string; the IAM APIs return a document."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def load_balancer(lid: str, props: Item) -> Item:
    table = {
        "Name": "LoadBalancerName",
        "Scheme": "Scheme",
        "Type": "Type",
        "SecurityGroups": "SecurityGroups",
        "IpAddressType": "IpAddressType",
        "LoadBalancerAttributes": "Attributes",
    }
    out: Item = {"LoadBalancerArn": lid, **pick(props, table)}
    out.setdefault("Scheme", "internet-facing")
    out.setdefault("Type", "application")
    subnets = props.get("Subnets")
    if isinstance(subnets, list):
        out["AvailabilityZones"] = [{"SubnetId": s} for s in subnets]
    mappings = props.get("SubnetMappings")
    if isinstance(mappings, list):
        out["AvailabilityZones"] = [
            {"SubnetId": m.get("SubnetId")} for m in mappings if isinstance(m, dict)
        ]
    if out["Type"] == "application":
        out["WebACL"] = None  # an AWS::WAFv2::WebACLAssociation of the template sets it
    return {**out, "Tags": tags(props.get("Tags"))}


def web_acl(props: Item) -> Item:
    """What an AWS::WAFv2::WebACLAssociation tells its load balancer: a web ACL is associated
    (its ARN when the template determines it)."""
    arn = props.get("WebACLArn")
    return {"ARN": arn} if isinstance(arn, str) else {}


def guardduty_detector(lid: str, props: Item) -> Item:
    """``Enable`` becomes the API's ``Status``; ``Features`` keep their API shape."""
    out: Item = {"DetectorId": lid}
    enable = props.get("Enable")
    if isinstance(enable, Unknown):
        out["Status"] = enable
    else:
        out["Status"] = "ENABLED" if enable in (True, "true", "True") else "DISABLED"
    out.update(pick(props, {"FindingPublishingFrequency": "FindingPublishingFrequency"}))
    features = props.get("Features")
    if isinstance(features, list):
        out["Features"] = [
            pick(f, {"Name": "Name", "Status": "Status"})
            | (
                {"AdditionalConfiguration": f["AdditionalConfiguration"]}
                if "AdditionalConfiguration" in f
                else {}
            )
            if isinstance(f, dict)
            else f
            for f in features
        ]
    elif features is not None:
        out["Features"] = features
    if "Tags" in props:
        out["Tags"] = _tag_dict(props["Tags"])
    return out


def listener(lid: str, props: Item) -> Item:
    table = {
        "LoadBalancerArn": "LoadBalancerArn",
        "Port": "Port",
        "Protocol": "Protocol",
        "Certificates": "Certificates",
        "SslPolicy": "SslPolicy",
        "DefaultActions": "DefaultActions",
        "AlpnPolicy": "AlpnPolicy",
        "MutualAuthentication": "MutualAuthentication",
    }
    return {"ListenerArn": lid, **pick(props, table)}


def target_group(lid: str, props: Item) -> Item:
    table = {
        "Name": "TargetGroupName",
        "Protocol": "Protocol",
        "Port": "Port",
        "VpcId": "VpcId",
        "TargetType": "TargetType",
        "HealthCheckProtocol": "HealthCheckProtocol",
        "HealthCheckPath": "HealthCheckPath",
        "ProtocolVersion": "ProtocolVersion",
    }
    out: Item = {"TargetGroupArn": lid, **pick(props, table)}
    out.setdefault("TargetType", "instance")
    return {**out, "Tags": tags(props.get("Tags"))}


def efs_file_system(lid: str, props: Item) -> Item:
    table = {
        "Encrypted": "Encrypted",
        "KmsKeyId": "KmsKeyId",
        "PerformanceMode": "PerformanceMode",
        "ThroughputMode": "ThroughputMode",
        "FileSystemPolicy": "FileSystemPolicy",
        "BackupPolicy": "BackupPolicy",
    }
    out: Item = {"FileSystemId": lid, **pick(props, table)}
    out.setdefault("Encrypted", False)
    out["Tags"] = tags(props.get("FileSystemTags"))
    name = _tag_dict(out["Tags"]).get("Name") if isinstance(out["Tags"], list) else None
    if name is not None:
        out["Name"] = name
    return out


def efs_access_point(lid: str, props: Item) -> Item:
    table = {"FileSystemId": "FileSystemId", "PosixUser": "PosixUser"}
    out: Item = {"AccessPointId": lid, **pick(props, table)}
    if "RootDirectory" in props:
        out["RootDirectory"] = props["RootDirectory"]
    return {**out, "Tags": tags(props.get("AccessPointTags"))}


def mount_target(lid: str, props: Item) -> Item:
    table = {"SubnetId": "SubnetId", "IpAddress": "IpAddress", "SecurityGroups": "SecurityGroups"}
    return {"MountTargetId": lid, **pick(props, table)}


def ecr_repository(lid: str, props: Item) -> Item:
    out: Item = {"repositoryArn": lid}
    out.update(
        pick(
            props, {"RepositoryName": "repositoryName", "ImageTagMutability": "imageTagMutability"}
        )
    )
    out.setdefault("imageTagMutability", "MUTABLE")
    scan = props.get("ImageScanningConfiguration")
    if isinstance(scan, dict):
        out["imageScanningConfiguration"] = pick(scan, {"ScanOnPush": "scanOnPush"})
    enc = props.get("EncryptionConfiguration")
    if isinstance(enc, dict):
        out["encryptionConfiguration"] = pick(
            enc, {"EncryptionType": "encryptionType", "KmsKey": "kmsKey"}
        )
    lifecycle = props.get("LifecyclePolicy")
    if isinstance(lifecycle, dict) and "LifecyclePolicyText" in lifecycle:
        out["lifecyclePolicy"] = lifecycle["LifecyclePolicyText"]
    if "RepositoryPolicyText" in props:
        out["repositoryPolicy"] = _json_text(props["RepositoryPolicyText"])
    return {**out, "tags": tags(props.get("Tags"))}


def _json_text(value: Any) -> Any:
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


def log_group(lid: str, props: Item) -> Item:
    table = {
        "LogGroupName": "logGroupName",
        "RetentionInDays": "retentionInDays",
        "KmsKeyId": "kmsKeyId",
        "LogGroupClass": "logGroupClass",
    }
    out: Item = {"logGroupArn": lid, **pick(props, table)}
    return {**out, "tags": _tag_dict(props.get("Tags"))}


def kms_key(lid: str, props: Item) -> Item:
    table = {
        "Description": "Description",
        "KeyUsage": "KeyUsage",
        "KeySpec": "KeySpec",
        "MultiRegion": "MultiRegion",
        "Origin": "Origin",
        "Enabled": "Enabled",
    }
    out: Item = {"KeyId": lid, "Arn": lid, "KeyManager": "CUSTOMER", **pick(props, table)}
    out.setdefault("Enabled", True)
    out.setdefault("KeySpec", "SYMMETRIC_DEFAULT")
    out.setdefault("KeyUsage", "ENCRYPT_DECRYPT")
    enabled = out["Enabled"]
    if isinstance(enabled, bool):
        out["KeyState"] = "Enabled" if enabled else "Disabled"
    if "KeyPolicy" in props:
        out["Policy"] = policy_doc(props["KeyPolicy"])
    # EnableKeyRotation defaults to false in CloudFormation.
    out["KeyRotationEnabled"] = props.get("EnableKeyRotation", False)
    raw = tags(props.get("Tags"))
    out["Tags"] = (
        raw
        if isinstance(raw, Unknown)
        else [{"TagKey": t.get("Key"), "TagValue": t.get("Value")} for t in raw]
    )
    return out


def iam_role(lid: str, props: Item) -> Item:
    table = {
        "RoleName": "RoleName",
        "Path": "Path",
        "AssumeRolePolicyDocument": "AssumeRolePolicyDocument",
    }
    out: Item = {"Arn": lid, **pick(props, table)}
    out.setdefault("Path", "/")
    if "AssumeRolePolicyDocument" in out:
        out["AssumeRolePolicyDocument"] = policy_doc(out["AssumeRolePolicyDocument"])
    policies = props.get("Policies", [])
    out["RolePolicyList"] = (
        policies
        if isinstance(policies, Unknown)
        else [
            {
                "PolicyName": p.get("PolicyName"),
                "PolicyDocument": policy_doc(p.get("PolicyDocument")),
            }
            for p in policies
            if isinstance(p, dict)
        ]
    )
    managed = props.get("ManagedPolicyArns", [])
    out["AttachedPolicies"] = (
        managed if isinstance(managed, Unknown) else [attached(arn) for arn in managed]
    )
    boundary = props.get("PermissionsBoundary")
    if boundary is not None:
        out["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return {**out, "Tags": tags(props.get("Tags"))}


def attached(arn: Any) -> Any:
    if isinstance(arn, Unknown):
        return arn
    name = str(arn).rsplit("/", 1)[-1]
    return {"PolicyName": name, "PolicyArn": arn}


_NAMESPACE_TYPES = {
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "DNS_PRIVATE",
    "AWS::ServiceDiscovery::PublicDnsNamespace": "DNS_PUBLIC",
    "AWS::ServiceDiscovery::HttpNamespace": "HTTP",
}


def sd_namespace(kind: str) -> Any:
    def translate(lid: str, props: Item) -> Item:
        out: Item = {"Id": lid, "Type": _NAMESPACE_TYPES[kind], **pick(props, {"Name": "Name"})}
        if "Vpc" in props:
            out["Properties"] = {"DnsProperties": {}, "Vpc": props["Vpc"]}
        return out

    return translate


def sd_service(lid: str, props: Item) -> Item:
    out: Item = {"Id": lid, **pick(props, {"Name": "Name", "NamespaceId": "NamespaceId"})}
    dns = props.get("DnsConfig")
    if isinstance(dns, dict):
        out["DnsConfig"] = dns
        out.setdefault("NamespaceId", dns.get("NamespaceId"))
    return out


def secret(lid: str, props: Item) -> Item:
    out: Item = {"ARN": lid, **pick(props, {"Name": "Name", "KmsKeyId": "KmsKeyId"})}
    out["RotationEnabled"] = False
    return {**out, "Tags": tags(props.get("Tags"))}


def ssm_parameter(lid: str, props: Item) -> Item:
    table = {"Name": "Name", "Type": "Type", "Tier": "Tier", "DataType": "DataType"}
    out: Item = {"ARN": lid, **pick(props, table)}
    raw = props.get("Tags")
    if isinstance(raw, dict):
        out["Tags"] = [{"Key": k, "Value": v} for k, v in raw.items()]
    return out


def rds_instance(lid: str, props: Item) -> Item:
    table = {
        "DBInstanceIdentifier": "DBInstanceIdentifier",
        "Engine": "Engine",
        "PubliclyAccessible": "PubliclyAccessible",
        "StorageEncrypted": "StorageEncrypted",
        "KmsKeyId": "KmsKeyId",
    }
    out: Item = {"DBInstanceArn": lid, **pick(props, table)}
    out.setdefault("StorageEncrypted", False)
    groups = props.get("VPCSecurityGroups")
    if isinstance(groups, list):
        out["VpcSecurityGroups"] = [{"VpcSecurityGroupId": g, "Status": "active"} for g in groups]
    return {**out, "TagList": tags(props.get("Tags"))}


def sqs_queue(lid: str, props: Item) -> Item:
    out: Item = {"QueueUrl": lid, "QueueArn": lid, **pick(props, {"QueueName": "QueueName"})}
    attrs = {}
    for key in ("KmsMasterKeyId", "SqsManagedSseEnabled", "VisibilityTimeout"):
        if key in props:
            attrs[key] = props[key]
    out["Attributes"] = attrs
    return {**out, "Tags": _tag_dict(props.get("Tags"))}


def s3_bucket(lid: str, props: Item) -> Item:
    out: Item = {"Name": props.get("BucketName", lid)}
    if "PublicAccessBlockConfiguration" in props:
        out["PublicAccessBlock"] = props["PublicAccessBlockConfiguration"]
    if "BucketEncryption" in props:
        out["Encryption"] = props["BucketEncryption"]
    return {**out, "Tags": tags(props.get("Tags"))}


def _events_ecs_parameters(ecs: Any) -> Any:
    """``Targets[].EcsParameters`` as the EventBridge API spells it (ListTargetsByRule)."""
    if not isinstance(ecs, dict):
        return ecs
    table = {
        "TaskDefinitionArn": "TaskDefinitionArn",
        "TaskCount": "TaskCount",
        "LaunchType": "LaunchType",
        "PlatformVersion": "PlatformVersion",
        "Group": "Group",
        "EnableECSManagedTags": "EnableECSManagedTags",
        "EnableExecuteCommand": "EnableExecuteCommand",
        "PropagateTags": "PropagateTags",
        "ReferenceId": "ReferenceId",
        "TagList": "Tags",
    }
    out: Item = pick(ecs, table)
    network = ecs.get("NetworkConfiguration")
    if isinstance(network, dict):
        vpc = network.get("AwsVpcConfiguration")
        if isinstance(vpc, dict):
            vpc = pick(vpc, {k: k for k in ("Subnets", "SecurityGroups", "AssignPublicIp")})
        out["NetworkConfiguration"] = {"awsvpcConfiguration": vpc}
    elif network is not None:
        out["NetworkConfiguration"] = network
    strategy = ecs.get("CapacityProviderStrategy")
    if isinstance(strategy, list):
        out["CapacityProviderStrategy"] = [
            pick(s, {"CapacityProvider": "capacityProvider", "Weight": "weight", "Base": "base"})
            if isinstance(s, dict)
            else s
            for s in strategy
        ]
    elif strategy is not None:
        out["CapacityProviderStrategy"] = strategy
    return out


def _events_target(target: Any) -> Any:
    if not isinstance(target, dict):
        return target
    out: Item = pick(target, {"Id": "Id", "Arn": "Arn", "RoleArn": "RoleArn"})
    if "EcsParameters" in target:
        out["EcsParameters"] = _events_ecs_parameters(target["EcsParameters"])
    return out


def event_rule(lid: str, props: Item) -> Item:
    table = {
        "Name": "Name",
        "Description": "Description",
        "EventBusName": "EventBusName",
        "EventPattern": "EventPattern",
        "ScheduleExpression": "ScheduleExpression",
        "State": "State",
        "RoleArn": "RoleArn",
    }
    out: Item = {"Arn": lid, **pick(props, table)}
    out.setdefault("State", "ENABLED")
    targets = props.get("Targets", [])
    out["Targets"] = (
        targets
        if isinstance(targets, Unknown)
        else [_events_target(t) for t in targets if isinstance(t, dict | Unknown)]
    )
    return out
