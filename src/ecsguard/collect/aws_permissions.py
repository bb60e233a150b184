"""The IAM actions the live collector needs, as data: ``ecsguard collect --print-policy`` prints
them as a least-privilege policy, and a test proves every call a real run makes is listed."""

from __future__ import annotations

import json

# botocore service name -> IAM prefix, where they differ.
_PREFIX = {"elbv2": "elasticloadbalancing", "efs": "elasticfilesystem"}
# (service, API operation) -> IAM action, where the action is not named like the operation.
_RENAMED = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
}

OPERATIONS: dict[str, tuple[str, ...]] = {
    "sts": ("GetCallerIdentity",),
    "ec2": (
        "DescribeRegions",
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeSecurityGroups",
        "DescribeSecurityGroupRules",
        "DescribeRouteTables",
        "DescribeNetworkAcls",
        "DescribeNetworkInterfaces",
        "DescribeInstances",
        "DescribeVpcPeeringConnections",
        "DescribeVpcEndpoints",
        "DescribeManagedPrefixLists",
        "GetManagedPrefixListEntries",
        "DescribeVolumes",
        "GetEbsEncryptionByDefault",
    ),
    "ecs": (
        "ListClusters",
        "DescribeClusters",
        "ListServices",
        "DescribeServices",
        "ListTasks",
        "DescribeTasks",
        "ListContainerInstances",
        "DescribeContainerInstances",
        "ListTaskDefinitionFamilies",
        "ListTaskDefinitions",
        "DescribeTaskDefinition",
        "DescribeCapacityProviders",
        "ListAccountSettings",
    ),
    "elbv2": (
        "DescribeLoadBalancers",
        "DescribeLoadBalancerAttributes",
        "DescribeListeners",
        "DescribeTargetGroups",
        "DescribeTargetGroupAttributes",
        "DescribeTargetHealth",
        "DescribeTags",
    ),
    "efs": (
        "DescribeFileSystems",
        "DescribeFileSystemPolicy",
        "DescribeMountTargets",
        "DescribeMountTargetSecurityGroups",
        "DescribeAccessPoints",
    ),
    "ecr": (
        "DescribeRepositories",
        "GetLifecyclePolicy",
        "GetRepositoryPolicy",
        "ListTagsForResource",
        "GetRegistryScanningConfiguration",
    ),
    "logs": ("DescribeLogGroups", "ListTagsForResource"),
    "kms": (
        "ListAliases",
        "ListKeys",
        "DescribeKey",
        "GetKeyRotationStatus",
        "GetKeyPolicy",
        "ListResourceTags",
    ),
    "events": ("ListRules", "ListTargetsByRule"),
    "guardduty": ("ListDetectors", "GetDetector"),
    "wafv2": ("GetWebACLForResource",),
    "iam": ("GetAccountAuthorizationDetails", "GetPolicy", "GetPolicyVersion"),
    "servicediscovery": ("ListNamespaces", "ListServices"),
    "secretsmanager": ("ListSecrets",),
    "ssm": ("DescribeParameters",),
    "rds": ("DescribeDBInstances",),
    "sqs": ("ListQueues", "GetQueueAttributes", "ListQueueTags"),
    "s3": (
        "ListBuckets",
        "GetBucketLocation",
        "GetBucketTagging",
        "GetPublicAccessBlock",
        "GetBucketEncryption",
        "GetBucketPolicyStatus",
    ),
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises ``operation`` of botocore ``service``."""
    return _RENAMED.get((service, operation), f"{_PREFIX.get(service, service)}:{operation}")


def actions() -> list[str]:
    """Every IAM action the collector may call, sorted."""
    return sorted({iam_action(s, op) for s, ops in OPERATIONS.items() for op in ops})


def policy_document() -> str:
    """A read-only IAM policy granting exactly what ``ecsguard collect`` calls."""
    statement = {"Sid": "EcsguardCollect", "Effect": "Allow", "Action": actions(), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)
