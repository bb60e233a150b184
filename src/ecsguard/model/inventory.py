"""The Inventory: every resource of every input, typed, with lookups by id, ARN and name.

``InventoryBuilder`` is the one place where API-shaped dicts become typed records; the
snapshot, task-definition, CloudFormation and Terraform loaders all feed it, so every check,
the scope graph and the lifecycle history see one model whatever the input was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import msgspec

from ecsguard.errors import InputError
from ecsguard.model import ec2, ecs
from ecsguard.model import services as svc
from ecsguard.model.base import Origin, Resource, strip_unknowns

T = TypeVar("T")


class CollectionError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A call or resource an input could not provide (from the snapshot's ``errors``)."""

    region: str = ""
    service: str = ""
    operation: str = ""
    resource: str = ""
    message: str = ""


class InputInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One input that went into the inventory."""

    path: str
    kind: str  # snapshot | cloudformation | terraform | taskdef
    # snapshots: the ``region/service`` sections and ``region/service/key`` lists the file
    # carries, so a section that was collected and found empty (no GuardDuty detector) differs
    # from one an older collector never wrote
    sections: frozenset[str] = frozenset()


# (snapshot service section, list key) -> (Inventory attribute, record type)
SECTIONS: dict[tuple[str, str], tuple[str, type[Resource]]] = {
    ("ecs", "clusters"): ("clusters", ecs.Cluster),
    ("ecs", "services"): ("services", ecs.Service),
    ("ecs", "taskDefinitions"): ("task_definitions", ecs.TaskDefinition),
    ("ecs", "tasks"): ("tasks", ecs.Task),
    ("ecs", "containerInstances"): ("container_instances", ecs.ContainerInstance),
    ("ecs", "capacityProviders"): ("capacity_providers", ecs.CapacityProvider),
    ("ecs", "accountSettings"): ("account_settings", ecs.AccountSetting),
    ("ec2", "vpcs"): ("vpcs", ec2.Vpc),
    ("ec2", "subnets"): ("subnets", ec2.Subnet),
    ("ec2", "securityGroups"): ("security_groups", ec2.SecurityGroup),
    ("ec2", "routeTables"): ("route_tables", ec2.RouteTable),
    ("ec2", "networkAcls"): ("network_acls", ec2.NetworkAcl),
    ("ec2", "networkInterfaces"): ("network_interfaces", ec2.NetworkInterface),
    ("ec2", "instances"): ("instances", ec2.Instance),
    ("ec2", "vpcPeeringConnections"): ("vpc_peering_connections", ec2.VpcPeeringConnection),
    ("ec2", "vpcEndpoints"): ("vpc_endpoints", ec2.VpcEndpoint),
    ("ec2", "managedPrefixLists"): ("managed_prefix_lists", ec2.ManagedPrefixList),
    ("ec2", "volumes"): ("volumes", ec2.Volume),
    ("ec2", "ebsEncryptionByDefault"): ("ebs_encryption_defaults", ec2.EbsEncryptionByDefault),
    ("ec2", "launchTemplates"): ("launch_templates", ec2.LaunchTemplate),
    ("elbv2", "loadBalancers"): ("load_balancers", svc.LoadBalancer),
    ("elbv2", "listeners"): ("listeners", svc.Listener),
    ("elbv2", "targetGroups"): ("target_groups", svc.TargetGroup),
    ("efs", "fileSystems"): ("efs_file_systems", svc.EfsFileSystem),
    ("efs", "accessPoints"): ("efs_access_points", svc.EfsAccessPoint),
    ("ecr", "repositories"): ("ecr_repositories", svc.EcrRepository),
    ("logs", "logGroups"): ("log_groups", svc.LogGroup),
    ("kms", "keys"): ("kms_keys", svc.KmsKey),
    ("events", "rules"): ("event_rules", svc.EventRule),
    ("guardduty", "detectors"): ("guardduty_detectors", svc.GuardDutyDetector),
    ("iam", "roles"): ("iam_roles", svc.IamRole),
    ("servicediscovery", "namespaces"): ("sd_namespaces", svc.SdNamespace),
    ("servicediscovery", "services"): ("sd_services", svc.SdService),
    ("secretsmanager", "secrets"): ("secrets", svc.SecretMeta),
    ("ssm", "parameters"): ("ssm_parameters", svc.SsmParameter),
    ("rds", "dbInstances"): ("rds_instances", svc.RdsInstance),
    ("sqs", "queues"): ("sqs_queues", svc.SqsQueue),
    ("s3", "buckets"): ("s3_buckets", svc.S3Bucket),
}
ATTRIBUTES: tuple[str, ...] = tuple(attr for attr, _ in SECTIONS.values())
RULE_SECTION = ("ec2", "securityGroupRules")
MOUNT_TARGET_SECTION = ("efs", "mountTargets")

# Live API spelling -> model field spelling, where a loader may give either.
ALIASES: dict[type[Resource], dict[str, str]] = {
    svc.EcrRepository: {"lifecyclePolicyText": "lifecyclePolicy", "policyText": "repositoryPolicy"},
    svc.S3Bucket: {
        "PublicAccessBlockConfiguration": "PublicAccessBlock",
        "ServerSideEncryptionConfiguration": "Encryption",
    },
}


class Inventory:
    """Immutable collection of typed records from one or more inputs."""

    __slots__ = (
        *ATTRIBUTES,
        "_index",
        "account_id",
        "collected_at",
        "errors",
        "inputs",
        "partition",
    )

    clusters: tuple[ecs.Cluster, ...]
    services: tuple[ecs.Service, ...]
    task_definitions: tuple[ecs.TaskDefinition, ...]
    tasks: tuple[ecs.Task, ...]
    container_instances: tuple[ecs.ContainerInstance, ...]
    capacity_providers: tuple[ecs.CapacityProvider, ...]
    account_settings: tuple[ecs.AccountSetting, ...]
    vpcs: tuple[ec2.Vpc, ...]
    subnets: tuple[ec2.Subnet, ...]
    security_groups: tuple[ec2.SecurityGroup, ...]
    route_tables: tuple[ec2.RouteTable, ...]
    network_acls: tuple[ec2.NetworkAcl, ...]
    network_interfaces: tuple[ec2.NetworkInterface, ...]
    instances: tuple[ec2.Instance, ...]
    vpc_peering_connections: tuple[ec2.VpcPeeringConnection, ...]
    vpc_endpoints: tuple[ec2.VpcEndpoint, ...]
    managed_prefix_lists: tuple[ec2.ManagedPrefixList, ...]
    volumes: tuple[ec2.Volume, ...]
    ebs_encryption_defaults: tuple[ec2.EbsEncryptionByDefault, ...]
    launch_templates: tuple[ec2.LaunchTemplate, ...]
    load_balancers: tuple[svc.LoadBalancer, ...]
    listeners: tuple[svc.Listener, ...]
    target_groups: tuple[svc.TargetGroup, ...]
    efs_file_systems: tuple[svc.EfsFileSystem, ...]
    efs_access_points: tuple[svc.EfsAccessPoint, ...]
    ecr_repositories: tuple[svc.EcrRepository, ...]
    log_groups: tuple[svc.LogGroup, ...]
    kms_keys: tuple[svc.KmsKey, ...]
    event_rules: tuple[svc.EventRule, ...]
    guardduty_detectors: tuple[svc.GuardDutyDetector, ...]
    iam_roles: tuple[svc.IamRole, ...]
    sd_namespaces: tuple[svc.SdNamespace, ...]
    sd_services: tuple[svc.SdService, ...]
    secrets: tuple[svc.SecretMeta, ...]
    ssm_parameters: tuple[svc.SsmParameter, ...]
    rds_instances: tuple[svc.RdsInstance, ...]
    sqs_queues: tuple[svc.SqsQueue, ...]
    s3_buckets: tuple[svc.S3Bucket, ...]
    errors: tuple[CollectionError, ...]
    inputs: tuple[InputInfo, ...]
    account_id: str
    partition: str
    collected_at: str
    _index: dict[str, dict[str, Resource]] | None

    def __init__(
        self,
        records: dict[str, list[Resource]] | None = None,
        *,
        errors: Iterable[CollectionError] = (),
        inputs: Iterable[InputInfo] = (),
        account_id: str = "",
        partition: str = "aws",
        collected_at: str = "",
    ) -> None:
        records = records or {}
        for attr in ATTRIBUTES:
            object.__setattr__(self, attr, tuple(records.get(attr, ())))
        object.__setattr__(self, "errors", tuple(errors))
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "account_id", account_id)
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "collected_at", collected_at)
        object.__setattr__(self, "_index", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Inventory is immutable")

    @property
    def kinds(self) -> frozenset[str]:
        """The input kinds present (snapshot, cloudformation, terraform, taskdef)."""
        return frozenset(i.kind for i in self.inputs)

    def resources(self) -> Iterator[Resource]:
        for attr in ATTRIBUTES:
            yield from getattr(self, attr)

    def counts(self) -> dict[str, int]:
        return {attr: len(getattr(self, attr)) for attr in ATTRIBUTES}

    def find(self, attr: str, ref: str | None) -> Resource | None:
        """Look a record up by id, ARN, name or (task definitions) ``family:rev`` / family."""
        if not ref:
            return None
        index = self._lookup_index()
        hit = index.get(attr, {}).get(ref)
        if hit is None and ref.startswith("arn:") and "/" in ref:
            hit = index.get(attr, {}).get(ref.rsplit("/", 1)[-1])
        return hit

    def task_definition(self, ref: str | None) -> ecs.TaskDefinition | None:
        found = self.find("task_definitions", ref)
        return found if isinstance(found, ecs.TaskDefinition) else None

    def security_group(self, ref: str | None) -> ec2.SecurityGroup | None:
        found = self.find("security_groups", ref)
        return found if isinstance(found, ec2.SecurityGroup) else None

    def cluster(self, ref: str | None) -> ecs.Cluster | None:
        found = self.find("clusters", ref)
        return found if isinstance(found, ecs.Cluster) else None

    def latest_task_definitions(self) -> list[ecs.TaskDefinition]:
        """Latest ACTIVE revision per family (Security Hub's default evaluation scope).

        Definitions without a known revision (templates) are all kept.
        """
        best: dict[tuple[str, str], ecs.TaskDefinition] = {}
        out: list[ecs.TaskDefinition] = []
        for td in self.task_definitions:
            if td.revision is None:
                out.append(td)
                continue
            if td.status not in (None, "ACTIVE"):
                continue
            key = (td.region, td.family)
            cur = best.get(key)
            if cur is None or (cur.revision or 0) < td.revision:
                best[key] = td
        return out + list(best.values())

    def errors_for(self, service: str, region: str | None = None) -> list[CollectionError]:
        return [
            e
            for e in self.errors
            if e.service == service and (region is None or e.region == region)
        ]

    def _lookup_index(self) -> dict[str, dict[str, Resource]]:
        if self._index is not None:
            return self._index
        index: dict[str, dict[str, Resource]] = defaultdict(dict)
        latest: dict[str, ecs.TaskDefinition] = {}
        for attr in ATTRIBUTES:
            table = index[attr]
            for res in getattr(self, attr):
                for key in _aliases(res):
                    table.setdefault(key, res)
                if isinstance(res, ecs.TaskDefinition) and res.status in (None, "ACTIVE"):
                    cur = latest.get(res.family)
                    if cur is None or (cur.revision or 0) < (res.revision or 0):
                        latest[res.family] = res
        for family, td in latest.items():
            index["task_definitions"].setdefault(family, td)
        built = dict(index)
        object.__setattr__(self, "_index", built)
        return built


def _aliases(res: Resource) -> list[str]:
    keys = [res.id]
    if res.given_id:
        keys.append(res.given_id)
    arn = getattr(res, res.ARN_FIELD, None) if res.ARN_FIELD else None
    if arn:
        keys.append(str(arn))
    name = res.name
    if name:
        keys.append(name)
    for field in res.ALIAS_FIELDS:
        value = getattr(res, field, None)
        if value:
            keys.append(str(value))
    if isinstance(res, ecs.TaskDefinition) and res.revision is not None:
        keys.append(f"{res.family}:{res.revision}")
    if isinstance(res, svc.SdNamespace | svc.SdService) and res.id_:
        keys.append(res.id_)
    if isinstance(res, svc.KmsKey):
        keys += list(res.aliases)
    return keys


class InventoryBuilder:
    """Accumulates API-shaped dicts from any loader and builds one typed Inventory."""

    def __init__(self) -> None:
        self._records: dict[str, list[Resource]] = defaultdict(list)
        self._rule_records: list[ec2.SecurityGroupRuleRecord] = []
        self._mount_targets: list[dict[str, Any]] = []
        self.errors: list[CollectionError] = []
        self.inputs: list[InputInfo] = []
        self.account_id = ""
        self.partition = "aws"
        self.collected_at = ""

    def add(
        self,
        section: str,
        key: str,
        item: dict[str, Any],
        *,
        source: str,
        place: str,
        region: str = "",
        origin: Origin | None = None,
        given_id: str = "",
        plain: bool = False,
    ) -> Resource | None:
        """Type one API-shaped item; ``place`` locates it in ``source`` for error messages.

        ``plain``: the caller knows the item holds no ``Unknown`` markers (it came straight from
        JSON), so the walk that looks for them is skipped.
        """
        if (section, key) == RULE_SECTION:
            self._rule_records.append(_convert(ec2.SecurityGroupRuleRecord, item, source, place))
            return None
        if (section, key) == MOUNT_TARGET_SECTION:
            if not isinstance(item, dict):
                raise InputError(source, place, f"expected an object, got {type(item).__name__}")
            _convert(svc.MountTarget, item, source, place)  # type-check now, attach at build()
            self._mount_targets.append(item)
            return None
        target = SECTIONS.get((section, key))
        if target is None:
            raise InputError(source, place, f"unknown section {section}.{key}")
        attr, cls = target
        if not isinstance(item, dict):
            raise InputError(source, place, f"expected an object, got {type(item).__name__}")
        data, unknown = (dict(item), None) if plain else strip_unknowns(item)
        for live, ours in ALIASES.get(cls, {}).items():
            if live in data and ours not in data:
                data[ours] = data.pop(live)
        data["__region"] = region
        if given_id:
            data["__id"] = given_id
        if unknown:
            data["__unknown"] = unknown
        record = _convert(cls, data, source, place)
        if origin is not None:
            record = msgspec.structs.replace(record, origin=origin)
        self._records[attr].append(record)
        return record

    def build(self) -> Inventory:
        if self._mount_targets and self._records.get("efs_file_systems"):
            self._records["efs_file_systems"] = [
                _with_mount_targets(fs, self._mount_targets)  # type: ignore[arg-type]
                for fs in self._records["efs_file_systems"]
            ]
        groups = self._records.get("security_groups", [])
        if groups:
            rule_ids = ec2.rule_id_index(self._rule_records)
            self._records["security_groups"] = [_with_rules(sg, rule_ids) for sg in groups]  # type: ignore[arg-type]
        return Inventory(
            dict(self._records),
            errors=self.errors,
            inputs=self.inputs,
            account_id=self.account_id,
            partition=self.partition,
            collected_at=self.collected_at,
        )


def _with_rules(sg: ec2.SecurityGroup, rule_ids: dict[str, dict[tuple[Any, ...], str]]) -> Resource:
    rules = ec2.normalise_rules(
        sg.group_id or sg.id, sg.ip_permissions, sg.ip_permissions_egress, rule_ids.get(sg.group_id)
    )
    return msgspec.structs.replace(sg, rules=rules)


def _with_mount_targets(fs: svc.EfsFileSystem, items: list[dict[str, Any]]) -> Resource:
    mine = [i for i in items if i.get("FileSystemId") == fs.file_system_id]
    if not mine:
        return fs
    known = {mt.mount_target_id for mt in fs.mount_targets}
    extra = tuple(
        msgspec.convert(i, svc.MountTarget, strict=False)
        for i in mine
        if i.get("MountTargetId") not in known
    )
    return msgspec.structs.replace(fs, mount_targets=fs.mount_targets + extra)


def _convert(cls: type[T], data: dict[str, Any], source: str, place: str) -> T:
    try:
        return msgspec.convert(data, cls, strict=False)
    except msgspec.ValidationError as exc:
        text = str(exc)
        message, _, where = text.partition(" - at `$")
        where = where.rstrip("`")
        raise InputError(source, f"{place}{where}", message) from None
