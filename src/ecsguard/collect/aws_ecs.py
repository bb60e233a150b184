"""The ``ecs`` section of a snapshot: clusters, services, task definitions, tasks, container
instances, capacity providers and effective account settings, each item as the API returns it.

Revision policy: by default the latest ACTIVE revision of every family plus every revision a
service deployment, task set or running task references; ``all_revisions`` adds every ACTIVE
and INACTIVE revision.
"""

from __future__ import annotations

from typing import Any

from ecsguard.collect.aws_calls import Caller, chunks

CLUSTER_INCLUDE = ["CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS", "ATTACHMENTS"]
# AWS-managed capacity providers: nothing to check, and not every endpoint describes them.
_MANAGED_PROVIDERS = {"FARGATE", "FARGATE_SPOT"}


def collect_ecs(caller: Caller, all_revisions: bool) -> dict[str, list[Any]]:
    clusters = _clusters(caller)
    cluster_arns = [c["clusterArn"] for c in clusters]
    per_cluster = caller.fan_out(
        cluster_arns,
        lambda arn: (
            _services(caller, arn),
            _tasks(caller, arn),
            _container_instances(caller, arn),
        ),
    )
    services = [s for found, _, _ in per_cluster for s in found]
    tasks = [t for _, found, _ in per_cluster for t in found]
    instances = [i for _, _, found in per_cluster for i in found]
    referenced = _referenced_revisions(services, tasks)
    return {
        "clusters": clusters,
        "services": services,
        "taskDefinitions": _task_definitions(caller, referenced, all_revisions),
        "tasks": tasks,
        "containerInstances": instances,
        "capacityProviders": _capacity_providers(caller, clusters, services),
        "accountSettings": caller.pages("ListAccountSettings", "settings", effectiveSettings=True)
        or [],
    }


def _record_failures(caller: Caller, operation: str, reply: dict[str, Any]) -> None:
    """Describe calls answer unreadable names in ``failures``; each is a missing resource."""
    for failure in reply.get("failures") or []:
        reason = failure.get("reason", "unknown")
        detail = failure.get("detail")
        message = f"{reason}: {detail}" if detail else str(reason)
        caller.fail(operation, str(failure.get("arn", "?")), message)


def _describe(
    caller: Caller, operation: str, key: str, names: list[str], size: int, **params: Any
) -> list[dict[str, Any]]:
    """Describe ``names`` in batches of ``size`` (ECS names the request list like the reply's)."""
    items: list[dict[str, Any]] = []
    for batch in chunks(names, size):
        resource = batch[0] if len(batch) == 1 else ",".join(batch)
        args: dict[str, Any] = {**params, key: batch}
        reply = caller.call(operation, resource, expect=key, **args)
        if reply is None:
            continue
        _record_failures(caller, operation, reply)
        items.extend(reply[key])
    return items


def _clusters(caller: Caller) -> list[dict[str, Any]]:
    arns = caller.pages("ListClusters", "clusterArns")
    if not arns:
        return []
    return _describe(caller, "DescribeClusters", "clusters", arns, 100, include=CLUSTER_INCLUDE)


def _services(caller: Caller, cluster: str) -> list[dict[str, Any]]:
    arns = caller.pages("ListServices", "serviceArns", resource=cluster, cluster=cluster)
    if not arns:
        return []
    items = _describe(
        caller, "DescribeServices", "services", arns, 10, cluster=cluster, include=["TAGS"]
    )
    # AWS stops listing a deleted service once it is INACTIVE; some endpoints keep it.
    return [s for s in items if s.get("status") != "INACTIVE"]


def _tasks(caller: Caller, cluster: str) -> list[dict[str, Any]]:
    arns = caller.pages(
        "ListTasks", "taskArns", resource=cluster, cluster=cluster, desiredStatus="RUNNING"
    )
    if not arns:
        return []
    return _describe(caller, "DescribeTasks", "tasks", arns, 100, cluster=cluster, include=["TAGS"])


def _container_instances(caller: Caller, cluster: str) -> list[dict[str, Any]]:
    arns = caller.pages(
        "ListContainerInstances", "containerInstanceArns", resource=cluster, cluster=cluster
    )
    if not arns:
        return []
    return _describe(
        caller,
        "DescribeContainerInstances",
        "containerInstances",
        arns,
        100,
        cluster=cluster,
        include=["TAGS", "CONTAINER_INSTANCE_HEALTH"],
    )


def _referenced_revisions(services: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> set[str]:
    """Task definition ARNs that a service, one of its deployments or task sets, or a running
    task points at: these are live, whatever their status."""
    refs: set[str] = set()
    for service in services:
        refs.add(service.get("taskDefinition", ""))
        for nested in (service.get("deployments") or []) + (service.get("taskSets") or []):
            refs.add(nested.get("taskDefinition", ""))
    for task in tasks:
        refs.add(task.get("taskDefinitionArn", ""))
    refs.discard("")
    return refs


def _task_definitions(
    caller: Caller, referenced: set[str], all_revisions: bool
) -> list[dict[str, Any]]:
    if all_revisions:
        wanted = [
            arn
            for status in ("ACTIVE", "INACTIVE")
            for arn in caller.pages("ListTaskDefinitions", "taskDefinitionArns", status=status)
            or []
        ]
        items = caller.fan_out(wanted, lambda name: _task_definition(caller, name))
    else:
        families = caller.pages("ListTaskDefinitionFamilies", "families", status="ACTIVE") or []
        items = caller.fan_out(families, lambda family: _latest_active(caller, family))
    found = [item for item in items if item is not None]
    # Revisions a service or a running task uses, whatever their status, described once each.
    have = {item.get("taskDefinitionArn") for item in found}
    missing = sorted(referenced - have)
    extra = caller.fan_out(missing, lambda arn: _task_definition(caller, arn))
    return found + [item for item in extra if item is not None]


def _latest_active(caller: Caller, family: str) -> dict[str, Any] | None:
    """The latest ACTIVE revision of ``family``: describing the bare family name answers it on
    AWS (one call per family, however many revisions). Endpoints that answer an INACTIVE
    revision instead are asked for the family's ACTIVE revisions and the highest is read."""
    item = _task_definition(caller, family)
    if item is None or item.get("status", "ACTIVE") == "ACTIVE":
        return item
    arns = caller.pages(
        "ListTaskDefinitions", "taskDefinitionArns", family, familyPrefix=family, status="ACTIVE"
    )
    best = latest_per_family([a for a in arns or [] if family_of(a) == family])
    return _task_definition(caller, best[0]) if best else None


def family_of(arn: str) -> str:
    """``family`` of ``arn:...:task-definition/family:revision``."""
    return arn.rpartition("/")[2].rpartition(":")[0]


def latest_per_family(arns: list[str]) -> list[str]:
    """The highest revision of each family among ``arns`` (``.../family:revision``)."""
    best: dict[str, tuple[int, str]] = {}
    for arn in arns:
        family, _, revision = arn.rpartition("/")[2].rpartition(":")
        number = int(revision) if revision.isdigit() else 0
        if family not in best or number > best[family][0]:
            best[family] = (number, arn)
    return [arn for _, arn in best.values()]


def _task_definition(caller: Caller, name: str) -> dict[str, Any] | None:
    reply = caller.call(
        "DescribeTaskDefinition",
        name,
        expect="taskDefinition",
        taskDefinition=name,
        include=["TAGS"],
    )
    if reply is None:
        return None
    item: dict[str, Any] = reply["taskDefinition"]
    item["tags"] = reply.get("tags") or []
    return item


def _capacity_providers(
    caller: Caller, clusters: list[dict[str, Any]], services: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Capacity providers the estate uses (named by clusters and services)."""
    names: set[str] = set()
    for cluster in clusters:
        names.update(cluster.get("capacityProviders") or [])
        names.update(
            s["capacityProvider"] for s in cluster.get("defaultCapacityProviderStrategy") or []
        )
    for service in services:
        names.update(s["capacityProvider"] for s in service.get("capacityProviderStrategy") or [])
    wanted = sorted(names - _MANAGED_PROVIDERS)
    items: list[dict[str, Any]] = []
    for batch in chunks(wanted, 100):
        reply = caller.call(
            "DescribeCapacityProviders",
            ",".join(batch),
            expect="capacityProviders",
            capacityProviders=batch,
            include=["TAGS"],
        )
        if reply is not None:
            _record_failures(caller, "DescribeCapacityProviders", reply)
            items.extend(reply["capacityProviders"])
    return items
