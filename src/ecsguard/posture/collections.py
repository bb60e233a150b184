"""The resource collections checks run over, and which collection errors concern each.

A collection turns the inventory into the records one family of checks judges (the latest
task-definition revisions, services, the task sets inside services, ...). Each also names the
snapshot ``errors`` service and operations that mean its data may be incomplete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import msgspec

from ecsguard.model import Inventory
from ecsguard.model.base import Origin, Resource
from ecsguard.model.ecs import Service, TaskSet


class TaskSetResource(Resource, frozen=True, kw_only=True):
    """A task set judged on its own, with its parent service for identity and origin."""

    TYPE: ClassVar[str] = "AWS::ECS::TaskSet"

    service: Service
    task_set: TaskSet
    index: int = 0

    @property
    def id(self) -> str:
        return (
            self.given_id
            or self.task_set.task_set_arn
            or f"{self.service.id}/taskSets/{self.index}"
        )

    @property
    def name(self) -> str:
        return f"{self.service.name}/{self.task_set.id or self.index}"


class NoDetector(Resource, frozen=True, kw_only=True):
    """A region a snapshot read GuardDuty in and found no detector: judged as the account
    there, the way Security Hub reports a region without GuardDuty."""

    TYPE: ClassVar[str] = "AWS::::Account"

    account_id: str = ""

    @property
    def id(self) -> str:
        return f"{self.account_id or 'account'}/{self.region}/guardduty"

    @property
    def name(self) -> str:
        return f"{self.account_id or 'account'} {self.region} (no GuardDuty detector)"


class Collection(msgspec.Struct, frozen=True):
    resources: Callable[[Inventory, bool], list[Any]]
    service: str  # the snapshot ``errors[].service`` that concerns it
    operations: tuple[str, ...] = ()  # substrings of ``errors[].operation``; empty = any


def _task_definitions(inv: Inventory, all_revisions: bool) -> list[Any]:
    return list(inv.task_definitions) if all_revisions else inv.latest_task_definitions()


def _older(inv: Inventory, all_revisions: bool) -> list[Any]:
    latest = {id(td) for td in inv.latest_task_definitions()}
    return [td for td in inv.task_definitions if id(td) not in latest]


def _task_sets(inv: Inventory, all_revisions: bool) -> list[Any]:
    out = []
    for svc in inv.services:
        for index, ts in enumerate(svc.task_sets):
            unknown = tuple(
                u.split(f"taskSets[{index}].", 1)[1]
                for u in svc.unknown
                if u.startswith(f"taskSets[{index}].")
            )
            out.append(
                TaskSetResource(
                    service=svc,
                    task_set=ts,
                    index=index,
                    region=svc.region,
                    origin=svc.origin,
                    unknown=unknown,
                )
            )
    return out


def _standalone_tasks(inv: Inventory, all_revisions: bool) -> list[Any]:
    return [
        t
        for t in inv.tasks
        if not (t.group or "").startswith("service:")
        and not (t.started_by or "").startswith("ecs-svc/")
    ]


def _scheduled_tasks(inv: Inventory, all_revisions: bool) -> list[Any]:
    """EventBridge rules that start ECS tasks, or whose targets the input left undetermined."""
    return [
        rule
        for rule in inv.event_rules
        if rule.ecs_targets or any(u.startswith("Targets") for u in rule.unknown)
    ]


def _guardduty(inv: Inventory, all_revisions: bool) -> list[Any]:
    """Every detector, plus one NoDetector per region a snapshot read GuardDuty in without
    finding one (a region whose listing failed is left to its ``errors`` entry)."""
    out: list[Any] = list(inv.guardduty_detectors)
    seen = {d.region for d in out}
    seen.update(e.region for e in inv.errors if e.service == "guardduty")
    for info in inv.inputs:
        for section in sorted(info.sections):
            region, _, rest = section.partition("/")
            if rest == "guardduty" and region not in seen:
                seen.add(region)
                origin = Origin(kind=info.kind, file=info.path)
                out.append(NoDetector(region=region, origin=origin, account_id=inv.account_id))
    return out


IAC = frozenset({"cloudformation", "terraform"})


def _ecs_hosts(inv: Inventory, all_revisions: bool) -> list[Any]:
    """The EC2 hosts of ECS tasks: container instances (snapshots) and, from a template or
    plan that defines an ECS cluster or capacity provider, its launch templates and instances
    (the input's own resources are taken to be its cluster's hosts)."""
    out: list[Any] = list(inv.container_instances)
    ecs_files = {
        r.origin.file
        for r in (*inv.clusters, *inv.capacity_providers)
        if r.origin is not None and r.origin.kind in IAC
    }
    if ecs_files:
        for res in (*inv.launch_templates, *inv.instances):
            if res.origin is not None and res.origin.kind in IAC and res.origin.file in ecs_files:
                out.append(res)
    return out


def _attr(name: str) -> Callable[[Inventory, bool], list[Any]]:
    return lambda inv, _all: list(getattr(inv, name))


CLUSTERS = ("ListClusters", "DescribeClusters")
SERVICES = (*CLUSTERS, "ListServices", "DescribeServices", "DescribeTaskSets")
TASK_DEFINITIONS = ("ListTaskDefinitions", "ListTaskDefinitionFamilies", "DescribeTaskDefinition")
COLLECTIONS: dict[str, Collection] = {
    "task_definitions": Collection(_task_definitions, "ecs", TASK_DEFINITIONS),
    "older_task_definitions": Collection(_older, "ecs", TASK_DEFINITIONS),
    "services": Collection(_attr("services"), "ecs", SERVICES),
    "task_sets": Collection(_task_sets, "ecs", SERVICES),
    "standalone_tasks": Collection(
        _standalone_tasks, "ecs", (*CLUSTERS, "ListTasks", "DescribeTasks")
    ),
    "clusters": Collection(_attr("clusters"), "ecs", CLUSTERS),
    "capacity_providers": Collection(
        _attr("capacity_providers"), "ecs", (*CLUSTERS, "DescribeCapacityProviders")
    ),
    "container_instances": Collection(
        _attr("container_instances"),
        "ecs",
        (*CLUSTERS, "ListContainerInstances", "DescribeContainerInstances"),
    ),
    "ecs_hosts": Collection(
        _ecs_hosts, "ecs", (*CLUSTERS, "ListContainerInstances", "DescribeContainerInstances")
    ),
    "account_settings": Collection(_attr("account_settings"), "ecs", ("ListAccountSettings",)),
    "guardduty_detectors": Collection(_guardduty, "guardduty", ("ListDetectors", "GetDetector")),
    "ecr_repositories": Collection(_attr("ecr_repositories"), "ecr"),
    "vpcs": Collection(_attr("vpcs"), "ec2", ("DescribeVpcs", "DescribeVpcEndpoints")),
    "efs_file_systems": Collection(
        _attr("efs_file_systems"),
        "efs",
        (
            "DescribeFileSystems",
            "DescribeMountTargets",
            "DescribeMountTargetSecurityGroups",
            "DescribeBackupPolicy",
            "DescribeFileSystemPolicy",
        ),
    ),
    "efs_access_points": Collection(_attr("efs_access_points"), "efs", ("DescribeAccessPoints",)),
    "listeners": Collection(
        _attr("listeners"), "elbv2", ("DescribeLoadBalancers", "DescribeListeners")
    ),
    "target_groups": Collection(
        _attr("target_groups"),
        "elbv2",
        ("DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth"),
    ),
    "load_balancers": Collection(
        _attr("load_balancers"),
        "elbv2",
        ("DescribeLoadBalancers", "DescribeLoadBalancerAttributes"),
    ),
    "log_groups": Collection(_attr("log_groups"), "logs"),
    "kms_keys": Collection(_attr("kms_keys"), "kms"),
    "scheduled_tasks": Collection(_scheduled_tasks, "events", ("ListRules", "ListTargetsByRule")),
}
# every operation some collection of a service names; an error from any other operation of
# that service concerns all its collections (fail closed on what we do not recognise)
KNOWN_OPERATIONS: dict[str, set[str]] = {}
for _coll in COLLECTIONS.values():
    KNOWN_OPERATIONS.setdefault(_coll.service, set()).update(_coll.operations)

RESOURCE_TYPES: dict[str, str] = {
    "task_definitions": "AWS::ECS::TaskDefinition",
    "older_task_definitions": "AWS::ECS::TaskDefinition",
    "services": "AWS::ECS::Service",
    "task_sets": "AWS::ECS::TaskSet",
    "standalone_tasks": "AWS::ECS::Task",
    "clusters": "AWS::ECS::Cluster",
    "capacity_providers": "AWS::ECS::CapacityProvider",
    "container_instances": "AWS::ECS::ContainerInstance",
    "ecs_hosts": "AWS::ECS::ContainerInstance",
    "account_settings": "AWS::ECS::AccountSetting",
    "guardduty_detectors": "AWS::GuardDuty::Detector",
    "ecr_repositories": "AWS::ECR::Repository",
    "vpcs": "AWS::EC2::VPC",
    "efs_file_systems": "AWS::EFS::FileSystem",
    "efs_access_points": "AWS::EFS::AccessPoint",
    "listeners": "AWS::ElasticLoadBalancingV2::Listener",
    "target_groups": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "load_balancers": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "log_groups": "AWS::Logs::LogGroup",
    "kms_keys": "AWS::KMS::Key",
    "scheduled_tasks": "AWS::Events::Rule",
}


def concerns(collection: Collection, operation: str) -> bool:
    """Whether a collection error from ``operation`` may leave this collection incomplete."""
    if not collection.operations or not operation or "Tags" in operation:
        return True
    if operation in collection.operations:
        return True
    return operation not in KNOWN_OPERATIONS.get(collection.service, set())
