"""Which Terraform resource types become which inventory records, and which attach to another
record (separate rules, routes, policies, aliases...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecsguard.collect import tf_ecs, tf_network, tf_services

Item = dict[str, Any]
Translate = Callable[[str, Item], Item]

# Terraform type -> (snapshot section, key, translation, attribute holding the API id)
PRIMARY: dict[str, tuple[str, str, Translate, str]] = {
    "aws_ecs_cluster": ("ecs", "clusters", tf_ecs.cluster, "arn"),
    "aws_ecs_service": ("ecs", "services", tf_ecs.service, "id"),
    "aws_ecs_capacity_provider": ("ecs", "capacityProviders", tf_ecs.capacity_provider, "arn"),
    "aws_vpc": ("ec2", "vpcs", tf_network.vpc, "id"),
    "aws_default_vpc": ("ec2", "vpcs", tf_network.vpc, "id"),
    "aws_subnet": ("ec2", "subnets", tf_network.subnet, "id"),
    "aws_security_group": ("ec2", "securityGroups", tf_network.security_group, "id"),
    "aws_default_security_group": ("ec2", "securityGroups", tf_network.security_group, "id"),
    "aws_route_table": ("ec2", "routeTables", tf_network.route_table, "id"),
    "aws_network_acl": ("ec2", "networkAcls", tf_network.network_acl, "id"),
    "aws_vpc_peering_connection": ("ec2", "vpcPeeringConnections", tf_network.peering, "id"),
    "aws_vpc_endpoint": ("ec2", "vpcEndpoints", tf_network.vpc_endpoint, "id"),
    "aws_ec2_managed_prefix_list": ("ec2", "managedPrefixLists", tf_network.prefix_list, "id"),
    "aws_instance": ("ec2", "instances", tf_network.instance, "id"),
    "aws_launch_template": ("ec2", "launchTemplates", tf_network.launch_template, "id"),
    "aws_ebs_encryption_by_default": (
        "ec2",
        "ebsEncryptionByDefault",
        tf_network.ebs_encryption_by_default,
        "id",
    ),
    "aws_lb": ("elbv2", "loadBalancers", tf_services.load_balancer, "arn"),
    "aws_alb": ("elbv2", "loadBalancers", tf_services.load_balancer, "arn"),
    "aws_lb_listener": ("elbv2", "listeners", tf_services.listener, "arn"),
    "aws_alb_listener": ("elbv2", "listeners", tf_services.listener, "arn"),
    "aws_lb_target_group": ("elbv2", "targetGroups", tf_services.target_group, "arn"),
    "aws_alb_target_group": ("elbv2", "targetGroups", tf_services.target_group, "arn"),
    "aws_efs_file_system": ("efs", "fileSystems", tf_services.efs_file_system, "id"),
    "aws_efs_access_point": ("efs", "accessPoints", tf_services.efs_access_point, "id"),
    "aws_ecr_repository": ("ecr", "repositories", tf_services.ecr_repository, "arn"),
    "aws_cloudwatch_log_group": ("logs", "logGroups", tf_services.log_group, "arn"),
    "aws_kms_key": ("kms", "keys", tf_services.kms_key, "key_id"),
    "aws_cloudwatch_event_rule": ("events", "rules", tf_services.event_rule, "arn"),
    "aws_guardduty_detector": ("guardduty", "detectors", tf_services.guardduty_detector, "id"),
    "aws_iam_role": ("iam", "roles", tf_services.iam_role, "arn"),
    "aws_service_discovery_private_dns_namespace": (
        "servicediscovery",
        "namespaces",
        tf_services.sd_namespace("DNS_PRIVATE"),
        "id",
    ),
    "aws_service_discovery_public_dns_namespace": (
        "servicediscovery",
        "namespaces",
        tf_services.sd_namespace("DNS_PUBLIC"),
        "id",
    ),
    "aws_service_discovery_http_namespace": (
        "servicediscovery",
        "namespaces",
        tf_services.sd_namespace("HTTP"),
        "id",
    ),
    "aws_service_discovery_service": ("servicediscovery", "services", tf_services.sd_service, "id"),
    "aws_secretsmanager_secret": ("secretsmanager", "secrets", tf_services.secret, "arn"),
    "aws_ssm_parameter": ("ssm", "parameters", tf_services.ssm_parameter, "arn"),
    "aws_db_instance": ("rds", "dbInstances", tf_services.rds_instance, "arn"),
    "aws_sqs_queue": ("sqs", "queues", tf_services.sqs_queue, "arn"),
    "aws_s3_bucket": ("s3", "buckets", tf_services.s3_bucket, "arn"),
}

# Attribute naming a record's API id in the translated item (used to fold attachments).
ID_KEYS = (
    "clusterArn",
    "clusterName",
    "serviceArn",
    "serviceName",
    "GroupId",
    "RouteTableId",
    "NetworkAclId",
    "FileSystemId",
    "KeyId",
    "Arn",
    "RoleName",
    "repositoryArn",
    "repositoryName",
    "ARN",
    "Name",
)
