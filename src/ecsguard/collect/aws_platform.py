"""Sections for the services ECS workloads lean on: elbv2 (with WAF associations), efs, ecr,
logs, kms, events and guardduty.

Items are API items; per-resource extras (attributes, policies, tags, target health) are added
under the key the API's own reply uses for them.
"""

from __future__ import annotations

from typing import Any

from ecsguard.collect.aws_calls import Caller, chunks


def collect_elbv2(caller: Caller) -> dict[str, list[Any]]:
    balancers = caller.pages("DescribeLoadBalancers", "LoadBalancers") or []
    albs = caller.sibling is not None and any(lb.get("Type") == "application" for lb in balancers)
    waf = caller.sibling("wafv2") if albs and caller.sibling is not None else None
    listeners = caller.fan_out(balancers, lambda lb: _balancer_extras(caller, lb, waf))
    groups = caller.pages("DescribeTargetGroups", "TargetGroups") or []
    caller.fan_out(groups, lambda group: _target_group_extras(caller, group))
    _add_elb_tags(caller, balancers, "LoadBalancerArn")
    _add_elb_tags(caller, groups, "TargetGroupArn")
    return {
        "loadBalancers": balancers,
        "listeners": [listener for found in listeners for listener in found],
        "targetGroups": groups,
    }


def _balancer_extras(caller: Caller, lb: dict[str, Any], waf: Caller | None) -> list[Any]:
    """Adds ``Attributes`` (and for ALBs ``WebACL``, read with the wafv2 caller ``waf``) to
    ``lb`` and returns its listeners."""
    arn = lb["LoadBalancerArn"]
    attributes = _attributes(caller, "DescribeLoadBalancerAttributes", arn, LoadBalancerArn=arn)
    _set(lb, "Attributes", attributes)
    if lb.get("Type") == "application" and waf is not None:
        _web_acl(waf, lb)
    return caller.pages("DescribeListeners", "Listeners", arn, LoadBalancerArn=arn) or []


def _web_acl(waf: Caller, lb: dict[str, Any]) -> None:
    """``WebACL``: the associated web ACL's ``Name``, ``Id`` and ``ARN``, or ``None`` (JSON
    null) when GetWebACLForResource says there is none; absent when the call failed."""
    arn = lb["LoadBalancerArn"]
    reply = waf.call("GetWebACLForResource", arn, ResourceArn=arn)
    if reply is None:
        return
    acl = reply.get("WebACL")
    lb["WebACL"] = (
        {k: acl[k] for k in ("Name", "Id", "ARN") if k in acl} if isinstance(acl, dict) else None
    )


def _target_group_extras(caller: Caller, group: dict[str, Any]) -> None:
    arn = group["TargetGroupArn"]
    attributes = _attributes(caller, "DescribeTargetGroupAttributes", arn, TargetGroupArn=arn)
    _set(group, "Attributes", attributes)
    health = caller.call(
        "DescribeTargetHealth", arn, expect="TargetHealthDescriptions", TargetGroupArn=arn
    )
    if health is not None:
        group["TargetHealthDescriptions"] = health["TargetHealthDescriptions"]


def _set(item: dict[str, Any], key: str, value: Any) -> None:
    """Add an extra only when it was read: an absent key means "unknown", never "empty"."""
    if value is not None:
        item[key] = value


def _attributes(caller: Caller, operation: str, arn: str, **params: Any) -> list[Any] | None:
    reply = caller.call(operation, arn, expect="Attributes", **params)
    return None if reply is None else list(reply["Attributes"])


def _add_elb_tags(caller: Caller, items: list[dict[str, Any]], arn_key: str) -> None:
    by_arn = {item[arn_key]: item for item in items}
    for batch in chunks(list(by_arn), 20):
        reply = caller.call(
            "DescribeTags", ",".join(batch), expect="TagDescriptions", ResourceArns=batch
        )
        for description in (reply or {}).get("TagDescriptions", []):
            if description.get("ResourceArn") in by_arn:
                by_arn[description["ResourceArn"]]["Tags"] = description.get("Tags") or []


def collect_efs(caller: Caller) -> dict[str, list[Any]]:
    systems = caller.pages("DescribeFileSystems", "FileSystems") or []
    targets = caller.fan_out(systems, lambda system: _file_system_extras(caller, system))
    points = caller.pages("DescribeAccessPoints", "AccessPoints") or []
    return {
        "fileSystems": systems,
        "accessPoints": points,
        "mountTargets": [target for found in targets for target in found],
    }


def _file_system_extras(caller: Caller, system: dict[str, Any]) -> list[Any]:
    """Adds ``FileSystemPolicy`` to ``system`` and returns its mount targets (with SGs)."""
    fs_id = system["FileSystemId"]
    policy = caller.call(
        "DescribeFileSystemPolicy", fs_id, absent=("PolicyNotFound",), FileSystemId=fs_id
    )
    if policy and policy.get("Policy"):
        system["FileSystemPolicy"] = policy["Policy"]
    targets = caller.pages("DescribeMountTargets", "MountTargets", fs_id, FileSystemId=fs_id) or []
    for target in targets:
        mt_id = target["MountTargetId"]
        groups = caller.call(
            "DescribeMountTargetSecurityGroups", mt_id, expect="SecurityGroups", MountTargetId=mt_id
        )
        if groups is not None:
            target["SecurityGroups"] = groups["SecurityGroups"]
    return targets


def collect_ecr(caller: Caller) -> dict[str, Any]:
    repositories = caller.pages("DescribeRepositories", "repositories") or []
    caller.fan_out(repositories, lambda repo: _repository_extras(caller, repo))
    section: dict[str, Any] = {"repositories": repositories}
    registry = caller.call("GetRegistryScanningConfiguration", expect="scanningConfiguration")
    if registry is not None:
        section["registryScanningConfiguration"] = registry["scanningConfiguration"]
    return section


def _repository_extras(caller: Caller, repo: dict[str, Any]) -> None:
    name, arn = repo["repositoryName"], repo["repositoryArn"]
    lifecycle = caller.call(
        "GetLifecyclePolicy", arn, absent=("LifecyclePolicyNotFoundException",), repositoryName=name
    )
    if lifecycle:
        repo["lifecyclePolicyText"] = lifecycle.get("lifecyclePolicyText")
    policy = caller.call(
        "GetRepositoryPolicy",
        arn,
        absent=("RepositoryPolicyNotFoundException",),
        repositoryName=name,
    )
    if policy:
        repo["policyText"] = policy.get("policyText")
    tags = caller.call("ListTagsForResource", arn, expect="tags", resourceArn=arn)
    if tags is not None:
        repo["tags"] = tags["tags"]


def collect_logs(caller: Caller) -> dict[str, list[Any]]:
    groups = caller.pages("DescribeLogGroups", "logGroups") or []
    caller.fan_out(groups, lambda group: _log_group_tags(caller, group))
    return {"logGroups": groups}


def _log_group_tags(caller: Caller, group: dict[str, Any]) -> None:
    arn = group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*")
    tags = caller.call("ListTagsForResource", arn, expect="tags", resourceArn=arn)
    if tags is not None:
        group["tags"] = tags["tags"]


def collect_kms(caller: Caller) -> dict[str, list[Any]]:
    aliases: dict[str, list[str]] = {}
    for alias in caller.pages("ListAliases", "Aliases") or []:
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    entries = caller.pages("ListKeys", "Keys") or []
    keys = [k for k in caller.fan_out(entries, lambda e: _key(caller, e["KeyId"])) if k is not None]
    for key in keys:
        key["Aliases"] = aliases.get(key["KeyId"], [])
    return {"keys": keys}


def _key(caller: Caller, key_id: str) -> dict[str, Any] | None:
    reply = caller.call("DescribeKey", key_id, expect="KeyMetadata", KeyId=key_id)
    if reply is None:
        return None
    key: dict[str, Any] = reply["KeyMetadata"]
    arn = key.get("Arn", key_id)
    if (
        key.get("KeyState") == "Enabled"
        and key.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    ):
        # Rotation only exists for enabled symmetric keys; other kinds answer an error.
        status = caller.call(
            "GetKeyRotationStatus", arn, absent=("UnsupportedOperationException",), KeyId=key_id
        )
        if status:
            key["KeyRotationEnabled"] = status.get("KeyRotationEnabled")
    if key.get("KeyManager") == "CUSTOMER":
        policy = caller.call(
            "GetKeyPolicy", arn, expect="Policy", KeyId=key_id, PolicyName="default"
        )
        if policy is not None:
            key["Policy"] = policy.get("Policy")
        tags = caller.pages("ListResourceTags", "Tags", arn, KeyId=key_id)
        if tags is not None:
            key["Tags"] = tags
    return key


def collect_events(caller: Caller) -> dict[str, list[Any]]:
    """EventBridge rules of the default event bus (the only bus that runs schedules) that
    start ECS tasks, each with ``Targets``: its ListTargetsByRule items."""
    rules = caller.pages("ListRules", "Rules") or []
    caller.fan_out(rules, lambda rule: _rule_targets(caller, rule))
    return {"rules": [r for r in rules if any("EcsParameters" in t for t in r.get("Targets", []))]}


def _rule_targets(caller: Caller, rule: dict[str, Any]) -> None:
    name = rule["Name"]
    targets = caller.pages("ListTargetsByRule", "Targets", rule.get("Arn") or name, Rule=name)
    if targets is not None:
        rule["Targets"] = targets


def collect_guardduty(caller: Caller) -> dict[str, list[Any]]:
    """The region's GuardDuty detectors (at most one per account and region): each a GetDetector
    reply (``Status``, ``Features`` with ``AdditionalConfiguration``, ...) plus ``DetectorId``.
    An empty list means the region has no detector; a failed listing is in ``errors``."""
    ids = caller.pages("ListDetectors", "DetectorIds") or []
    found = caller.fan_out(ids, lambda detector_id: _detector(caller, detector_id))
    return {"detectors": [d for d in found if d is not None]}


def _detector(caller: Caller, detector_id: str) -> dict[str, Any] | None:
    reply = caller.call("GetDetector", detector_id, expect="Status", DetectorId=detector_id)
    return None if reply is None else {"DetectorId": detector_id, **reply}
