"""Data for the diff engine: how lists are keyed, what is volatile, what is security-relevant.

Paths use the API spelling. A list of objects is keyed by the first field in ``LIST_KEYS``
its items all carry uniquely (``containerDefinitions[web]``), else by position.
"""

from __future__ import annotations

# List name -> key field(s), tried in order; the generic fallbacks follow.
LIST_KEYS: dict[str, tuple[str, ...]] = {
    "containerDefinitions": ("name",),
    "environment": ("name",),
    "secrets": ("name",),
    "secretOptions": ("name",),
    "volumes": ("name",),
    "mountPoints": ("containerPath",),
    "volumesFrom": ("sourceContainer",),
    "portMappings": ("name", "containerPort"),
    "ulimits": ("name",),
    "systemControls": ("namespace",),
    "dependsOn": ("containerName",),
    "extraHosts": ("hostname",),
    "devices": ("hostPath",),
    "tmpfs": ("containerPath",),
    "loadBalancers": ("targetGroupArn", "loadBalancerName", "LoadBalancerArn"),
    "serviceRegistries": ("registryArn",),
    "deployments": ("id",),
    "taskSets": ("id",),
    "containers": ("name",),
    "settings": ("name",),
    "attributes": ("name",),
    "resourceRequirements": ("type",),
    "placementConstraints": ("type",),
    "capacityProviderStrategy": ("capacityProvider",),
    "defaultCapacityProviderStrategy": ("capacityProvider",),
    "AttachedPolicies": ("PolicyArn",),
    "IpPermissions": ("Rule",),  # rule sentences built by the diff's view of a group
    "IpPermissionsEgress": ("Rule",),
    "RolePolicyList": ("PolicyName",),
    "Statement": ("Sid",),
}
GENERIC_KEYS: tuple[str, ...] = ("name", "Name", "key", "Key", "id", "Id", "Arn", "arn")

# Scalar lists whose order carries meaning; other scalar lists are compared as sets.
ORDERED_LISTS = frozenset({"command", "entryPoint", "dnsServers", "dnsSearchDomains"})

# Fields that change without anyone changing configuration, per resource type (fnmatch globs).
VOLATILE: dict[str, tuple[str, ...]] = {
    "AWS::ECS::Service": (
        "runningCount",
        "pendingCount",
        "desiredCount",
        "deployments*",
        "events*",
        "createdAt",
        "taskSets[*].runningCount",
        "taskSets[*].computedDesiredCount",
    ),
    "AWS::ECS::Cluster": (
        "registeredContainerInstancesCount",
        "runningTasksCount",
        "pendingTasksCount",
        "activeServicesCount",
        "attachments*",
    ),
    "AWS::ECS::Task": (
        "lastStatus",
        "desiredStatus",
        "containers*",
        "healthStatus",
        "version",
        "startedAt",
        "stoppedAt",
        "stoppedReason",
        "stopCode",
        "connectivity",
        "attachments*",
    ),
    "AWS::ECS::ContainerInstance": (
        "runningTasksCount",
        "pendingTasksCount",
        "agentConnected",
        "attachments*",
    ),
    "AWS::Logs::LogGroup": ("storedBytes",),
    "AWS::IAM::Role": ("RoleLastUsed*",),
    "AWS::SecretsManager::Secret": ("LastAccessedDate",),
    "AWS::EC2::NetworkInterface": ("Status", "Attachment*"),
    "AWS::EC2::Instance": ("State*", "StateTransitionReason", "NetworkInterfaces*"),
}

# Identity fields: equal for one resource, different between two revisions or template/live.
IDENTITY: dict[str, tuple[str, ...]] = {
    "AWS::ECS::TaskDefinition": (
        "taskDefinitionArn",
        "revision",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "status",
    ),
    "AWS::ECS::Service": ("serviceArn", "clusterArn", "createdBy", "status"),
    "AWS::EC2::SecurityGroup": ("GroupId", "OwnerId", "VpcId"),
}

# A change is security-relevant when any segment of its path is one of these.
SECURITY_FIELDS = frozenset(
    {
        "privileged",
        "user",
        "capabilities",
        "devices",
        "linuxParameters",
        "networkMode",
        "pidMode",
        "ipcMode",
        "secrets",
        "environment",
        "environmentFiles",
        "image",
        "taskRoleArn",
        "executionRoleArn",
        "readonlyRootFilesystem",
        "logConfiguration",
        "dockerSecurityOptions",
        "systemControls",
        "mountPoints",
        "volumes",
        "repositoryCredentials",
        "portMappings",
        "IpPermissions",
        "IpPermissionsEgress",
        "assignPublicIp",
        "securityGroups",
        "subnets",
        "networkConfiguration",
        "loadBalancers",
        "taskDefinition",
        "enableExecuteCommand",
        "platformVersion",
        "serviceConnectConfiguration",
        "configuration",
        "AssumeRolePolicyDocument",
        "AttachedPolicies",
        "RolePolicyList",
        "KeyRotationEnabled",
        "Listeners",
        "Scheme",
        "Protocol",
        "SslPolicy",
        "Certificates",
        "tags",
        "Tags",
    }
)

# Lists where adding or removing a whole item is security-relevant (a new container).
SECURITY_ITEMS = frozenset(
    {"containerDefinitions", "volumes", "loadBalancers", "serviceRegistries", "attachments"}
)

# Resource types whose appearance or disappearance is itself security-relevant.
SECURITY_TYPES = frozenset(
    {
        "AWS::ECS::TaskDefinition",
        "AWS::ECS::Service",
        "AWS::ECS::Cluster",
        "AWS::EC2::SecurityGroup",
        "AWS::IAM::Role",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::EC2::VPCPeeringConnection",
    }
)

# Short labels for the text rendering (``securityGroup sg-1 ingress +tcp/22 from 0.0.0.0/0``).
LABELS: dict[str, str] = {
    "AWS::ECS::TaskDefinition": "taskDefinition",
    "AWS::ECS::Service": "service",
    "AWS::ECS::Cluster": "cluster",
    "AWS::ECS::Task": "task",
    "AWS::EC2::SecurityGroup": "securityGroup",
}
