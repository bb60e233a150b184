"""CloudFormation resources that only attach to another resource of the template (separate
security-group rules, routes, ACL entries, mount targets, aliases, policies, task sets) are
folded into it here; also the dependency-cycle check CloudFormation itself performs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ecsguard.collect import cfn_ecs, cfn_network, cfn_services
from ecsguard.collect.cfn_intrinsics import REF_NAME, Context
from ecsguard.errors import InputError
from ecsguard.model import Unknown

Item = dict[str, Any]


class Translated:
    """Primary items by logical id, plus the separate security-group rule records."""

    def __init__(self) -> None:
        self.primary: dict[str, tuple[str, Item]] = {}
        self.rules: list[tuple[str, Item]] = []
        self.skipped: list[str] = []  # Fn::ForEach loops, reported as collection errors

    def find(self, ref: Any, kind: str) -> Item | None:
        """The item a resolved reference (logical id, or literal name) points at."""
        if not isinstance(ref, str):
            return None
        hit = self.primary.get(ref)
        if hit is not None and hit[0] == kind:
            return hit[1]
        prop = REF_NAME.get(kind)
        for item_kind, item in self.primary.values():
            if item_kind == kind and prop and _name_of(item) == ref:
                return item
        return None


def _name_of(item: Item) -> Any:
    for key in ("RoleName", "clusterName", "logGroupName", "repositoryName"):
        if key in item:
            return item[key]
    return None


def _sg_rule(egress: bool) -> Callable[[Translated, Context, str, Item], None]:
    def fold(out: Translated, ctx: Context, lid: str, props: Item) -> None:
        perm = cfn_network.permission(props)
        group = out.find(props.get("GroupId"), "AWS::EC2::SecurityGroup")
        if group is not None:
            key = "IpPermissionsEgress" if egress else "IpPermissions"
            current = group.get(key)
            if not isinstance(current, Unknown):
                group[key] = cfn_network.merge([*(current or []), perm])
        out.rules += [(lid, rec) for rec in cfn_network.rule_record(lid, props, egress)]

    return fold


def _append(parent_kind: str, ref_key: str, list_key: str, make: Callable[[str, Item], Any]) -> Any:
    def fold(out: Translated, ctx: Context, lid: str, props: Item) -> None:
        refs = props.get(ref_key)
        for ref in refs if isinstance(refs, list) else [refs]:
            parent = out.find(ref, parent_kind)
            if parent is not None and not isinstance(parent.get(list_key), Unknown):
                parent.setdefault(list_key, []).append(make(lid, props))

    return fold


def _route(lid: str, props: Item) -> Item:
    return cfn_network.route(props)


def _rt_assoc(lid: str, props: Item) -> Item:
    return {"RouteTableAssociationId": lid, "SubnetId": props.get("SubnetId"), "Main": False}


def _nacl_assoc(lid: str, props: Item) -> Item:
    return {"NetworkAclAssociationId": lid, "SubnetId": props.get("SubnetId")}


def _inline_policy(lid: str, props: Item) -> Item:
    return {
        "PolicyName": props.get("PolicyName", lid),
        "PolicyDocument": cfn_services.policy_doc(props.get("PolicyDocument")),
    }


def _managed_policy(lid: str, props: Item) -> Item:
    return {
        "PolicyName": props.get("ManagedPolicyName", lid),
        "PolicyArn": lid,
        "PolicyDocument": cfn_services.policy_doc(props.get("PolicyDocument")),
    }


def _alias(lid: str, props: Item) -> Any:
    return props.get("AliasName")


def _task_set(lid: str, props: Item) -> Item:
    return {"id": lid, "taskSetArn": lid, **cfn_ecs.task_set(props)}


def _associations(out: Translated, ctx: Context, lid: str, props: Item) -> None:
    target = out.find(props.get("Cluster"), "AWS::ECS::Cluster")
    if target is not None:
        cfn_ecs.add_associations({str(props.get("Cluster")): target}, props)


def _rotation(out: Translated, ctx: Context, lid: str, props: Item) -> None:
    target = out.find(props.get("SecretId"), "AWS::SecretsManager::Secret")
    if target is not None:
        target["RotationEnabled"] = True
        if isinstance(props.get("RotationRules"), dict):
            target["RotationRules"] = props["RotationRules"]


def _web_acl_association(out: Translated, ctx: Context, lid: str, props: Item) -> None:
    target = out.find(props.get("ResourceArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
    if target is not None:
        target["WebACL"] = cfn_services.web_acl(props)


def _mount_target(lid: str, props: Item) -> Item:
    return cfn_services.mount_target(lid, props)


ATTACH: dict[str, Callable[[Translated, Context, str, Item], None]] = {
    "AWS::EC2::SecurityGroupIngress": _sg_rule(egress=False),
    "AWS::EC2::SecurityGroupEgress": _sg_rule(egress=True),
    "AWS::EC2::Route": _append("AWS::EC2::RouteTable", "RouteTableId", "Routes", _route),
    "AWS::EC2::SubnetRouteTableAssociation": _append(
        "AWS::EC2::RouteTable", "RouteTableId", "Associations", _rt_assoc
    ),
    "AWS::EC2::NetworkAclEntry": _append(
        "AWS::EC2::NetworkAcl",
        "NetworkAclId",
        "Entries",
        lambda lid, props: cfn_network.nacl_entry(props),
    ),
    "AWS::EC2::SubnetNetworkAclAssociation": _append(
        "AWS::EC2::NetworkAcl", "NetworkAclId", "Associations", _nacl_assoc
    ),
    "AWS::EFS::MountTarget": _append(
        "AWS::EFS::FileSystem", "FileSystemId", "mountTargets", _mount_target
    ),
    "AWS::KMS::Alias": _append("AWS::KMS::Key", "TargetKeyId", "Aliases", _alias),
    "AWS::IAM::Policy": _append("AWS::IAM::Role", "Roles", "RolePolicyList", _inline_policy),
    "AWS::IAM::RolePolicy": _append("AWS::IAM::Role", "RoleName", "RolePolicyList", _inline_policy),
    "AWS::IAM::ManagedPolicy": _append(
        "AWS::IAM::Role", "Roles", "AttachedPolicies", _managed_policy
    ),
    "AWS::ECS::TaskSet": _append("AWS::ECS::Service", "Service", "taskSets", _task_set),
    "AWS::ECS::ClusterCapacityProviderAssociations": _associations,
    "AWS::SecretsManager::RotationSchedule": _rotation,
    "AWS::WAFv2::WebACLAssociation": _web_acl_association,
}

_SUB_NAME = re.compile(r"\$\{([^}!.][^}.]*)[^}]*\}")


def _references(value: Any, found: set[str]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                key, arg = next(iter(item.items()))
                if key == "Ref" and isinstance(arg, str):
                    found.add(arg)
                elif key == "Fn::GetAtt":
                    first = arg.split(".", 1)[0] if isinstance(arg, str) else None
                    if isinstance(arg, list) and arg and isinstance(arg[0], str):
                        first = arg[0]
                    if isinstance(first, str):
                        found.add(first)
                elif key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) and arg else arg
                    if isinstance(text, str):
                        found.update(m.group(1).strip() for m in _SUB_NAME.finditer(text))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_cycles(ctx: Context) -> None:
    """Refuse a template whose resources depend on each other in a cycle."""
    graph: dict[str, list[str]] = {}
    for lid, res in ctx.resources.items():
        if not isinstance(res, dict):
            continue
        found: set[str] = set()
        _references(res.get("Properties"), found)
        depends = res.get("DependsOn")
        found.update(
            d for d in (depends if isinstance(depends, list) else [depends]) if isinstance(d, str)
        )
        graph[lid] = sorted(n for n in found if n in ctx.resources and n != lid)
        if lid in found:
            raise InputError(ctx.source, f"Resources.{lid}", f"{lid} refers to itself")
    cycle = _find_cycle(graph)
    if cycle:
        raise InputError(
            ctx.source, f"Resources.{cycle[0]}", f"circular dependency: {' -> '.join(cycle)}"
        )


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            edges = graph.get(node, [])
            if index < len(edges):
                stack.append((node, index + 1))
                nxt = edges[index]
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return None
