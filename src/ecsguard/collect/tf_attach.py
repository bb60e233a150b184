"""Terraform resources that attach to another resource of the plan (separate security-group
rules, routes, ACL rules, associations, policies, aliases...) folded into it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecsguard.collect import cfn_network, tf_ecs, tf_network, tf_services
from ecsguard.collect.tf_common import pick, present
from ecsguard.model import Unknown

Item = dict[str, Any]


class Plan:
    """Translated primary items, an index to find them by address, id or name, and rules."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, Item]] = {}  # address -> (type, API item)
        self.index: dict[tuple[str, str], Item] = {}
        self.rules: list[tuple[str, Item]] = []

    def add(self, address: str, kind: str, item: Item, keys: tuple[str, ...]) -> None:
        self.items[address] = (kind, item)
        family = _family(kind)
        self.index[(family, address)] = item
        for key in keys:
            value = item.get(key)
            if isinstance(value, str) and value:
                self.index.setdefault((family, value), item)

    def find(self, kind: str, ref: Any) -> Item | None:
        if not isinstance(ref, str):
            return None
        return self.index.get((_family(kind), ref))


def _family(kind: str) -> str:
    return kind.replace("aws_alb", "aws_lb").replace("aws_default_", "aws_")


def _sg_rule(kind: str) -> Callable[[Plan, str, Item], None]:
    def fold(plan: Plan, address: str, values: Item) -> None:
        group_ref = values.get("security_group_id")
        if kind == "aws_security_group_rule":
            egress = values.get("type") == "egress"
            neutral = tf_network.block_rules(values, str(group_ref), egress)
        else:
            egress = kind.endswith("egress_rule")
            neutral = [tf_network.vpc_rule(values, egress)]
        group = plan.find("aws_security_group", group_ref)
        key = "IpPermissionsEgress" if egress else "IpPermissions"
        if group is not None and not isinstance(group.get(key), Unknown):
            perms = [cfn_network.permission(rule) for rule in neutral]
            group[key] = cfn_network.merge([*(group.get(key) or []), *perms])
        group_id = group.get("GroupId") if group is not None else group_ref
        for rule in neutral:
            if isinstance(rule, dict) and isinstance(group_id, str):
                records = cfn_network.rule_record(address, {**rule, "GroupId": group_id}, egress)
                plan.rules += [(address, rec) for rec in records]

    return fold


def _append(
    parent: str, ref_key: str, list_key: str, make: Callable[[str, Item], Any]
) -> Callable[[Plan, str, Item], None]:
    def fold(plan: Plan, address: str, values: Item) -> None:
        target = plan.find(parent, values.get(ref_key))
        if target is not None and not isinstance(target.get(list_key), Unknown):
            target.setdefault(list_key, []).append(make(address, values))

    return fold


def _set(
    parent: str, ref_key: str, make: Callable[[Item], Item]
) -> Callable[[Plan, str, Item], None]:
    def fold(plan: Plan, address: str, values: Item) -> None:
        target = plan.find(parent, values.get(ref_key))
        if target is not None:
            target.update(make(values))

    return fold


def _rt_assoc(address: str, values: Item) -> Item:
    return {"RouteTableAssociationId": address, "SubnetId": values.get("subnet_id"), "Main": False}


def _nacl_assoc(address: str, values: Item) -> Item:
    return {"NetworkAclAssociationId": address, "SubnetId": values.get("subnet_id")}


def _attachment(address: str, values: Item) -> Any:
    return tf_services.attached(values.get("policy_arn"))


def _policy_text(key: str) -> Callable[[Item], Item]:
    def make(values: Item) -> Item:
        policy = values.get("policy")
        return {key: policy} if present(policy) else {}

    return make


def _rotation(values: Item) -> Item:
    return {"RotationEnabled": True}


def _public_access(values: Item) -> Item:
    keys = (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    )
    return {
        "PublicAccessBlock": {"".join(p.title() for p in k.split("_")): values.get(k) for k in keys}
    }


def _task_set(address: str, values: Item) -> Item:
    out: Item = {"id": address, "taskSetArn": address}
    out.update(
        pick(
            values,
            {
                "task_definition": "taskDefinition",
                "launch_type": "launchType",
                "platform_version": "platformVersion",
            },
        )
    )
    network = values.get("network_configuration")
    block = network[0] if isinstance(network, list) and network else None
    if isinstance(block, dict):
        public = block.get("assign_public_ip")
        out["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": block.get("subnets") or [],
                "securityGroups": block.get("security_groups") or [],
                "assignPublicIp": "ENABLED" if public is True else "DISABLED",
            }
        }
    return out


ATTACH: dict[str, Callable[[Plan, str, Item], None]] = {
    "aws_ecs_task_set": _append("aws_ecs_service", "service", "taskSets", _task_set),
    "aws_security_group_rule": _sg_rule("aws_security_group_rule"),
    "aws_vpc_security_group_ingress_rule": _sg_rule("aws_vpc_security_group_ingress_rule"),
    "aws_vpc_security_group_egress_rule": _sg_rule("aws_vpc_security_group_egress_rule"),
    "aws_route": _append(
        "aws_route_table", "route_table_id", "Routes", lambda a, v: tf_network.route(v)
    ),
    "aws_route_table_association": _append(
        "aws_route_table", "route_table_id", "Associations", _rt_assoc
    ),
    "aws_network_acl_rule": _append(
        "aws_network_acl", "network_acl_id", "Entries", lambda a, v: tf_network.nacl_entry(v)
    ),
    "aws_network_acl_association": _append(
        "aws_network_acl", "network_acl_id", "Associations", _nacl_assoc
    ),
    "aws_efs_mount_target": _append(
        "aws_efs_file_system", "file_system_id", "mountTargets", tf_services.mount_target
    ),
    "aws_efs_file_system_policy": _set(
        "aws_efs_file_system", "file_system_id", _policy_text("FileSystemPolicy")
    ),
    "aws_kms_alias": _append("aws_kms_key", "target_key_id", "Aliases", lambda a, v: v.get("name")),
    "aws_kms_key_policy": _set("aws_kms_key", "key_id", _policy_text("Policy")),
    "aws_cloudwatch_event_target": _append(
        "aws_cloudwatch_event_rule", "rule", "Targets", tf_services.event_target
    ),
    "aws_iam_role_policy": _append(
        "aws_iam_role", "role", "RolePolicyList", lambda a, v: tf_services.inline_policy(v)
    ),
    "aws_iam_role_policy_attachment": _append(
        "aws_iam_role", "role", "AttachedPolicies", _attachment
    ),
    "aws_ecr_lifecycle_policy": _set(
        "aws_ecr_repository", "repository", _policy_text("lifecyclePolicy")
    ),
    "aws_ecr_repository_policy": _set(
        "aws_ecr_repository", "repository", _policy_text("repositoryPolicy")
    ),
    "aws_ecs_cluster_capacity_providers": _set(
        "aws_ecs_cluster", "cluster_name", tf_ecs.cluster_capacity_providers
    ),
    "aws_secretsmanager_secret_rotation": _set("aws_secretsmanager_secret", "secret_id", _rotation),
    "aws_s3_bucket_public_access_block": _set("aws_s3_bucket", "bucket", _public_access),
    "aws_wafv2_web_acl_association": _set("aws_lb", "resource_arn", tf_services.web_acl),
    "aws_guardduty_detector_feature": _append(
        "aws_guardduty_detector", "detector_id", "Features", tf_services.guardduty_feature
    ),
}
