"""Records of the AWS services around ECS: ELBv2 (with WAF associations), EFS, ECR, Logs, KMS,
EventBridge, GuardDuty, IAM, Cloud Map, Secrets Manager, SSM, RDS, SQS and S3, each in its own
API's spelling.

Only metadata is modelled for Secrets Manager and SSM: values are never collected.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ecsguard.model.base import Resource
from ecsguard.model.ec2 import Ec2Tag

Timestamp = str | float | int | None
PolicyDoc = str | dict[str, Any] | None


class _P(msgspec.Struct, frozen=True, kw_only=True, rename="pascal", omit_defaults=True, gc=False):
    """Nested PascalCase shape."""


class _C(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Nested camelCase shape."""


class KeyValueAttr(_P, frozen=True):
    key: str = ""
    value: str | None = None


class LbState(_P, frozen=True):
    code: str | None = None


class LbZone(_P, frozen=True):
    zone_name: str | None = None
    subnet_id: str | None = None


class WebAcl(_P, frozen=True):
    """The ``WebACL`` of GetWebACLForResource, kept to its identity."""

    name: str | None = None
    id: str | None = None
    arn: str | None = msgspec.field(default=None, name="ARN")


class LoadBalancer(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::ElasticLoadBalancingV2::LoadBalancer"
    ARN_FIELD: ClassVar[str] = "load_balancer_arn"
    NAME_FIELD: ClassVar[str] = "load_balancer_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("load_balancer_name",)

    load_balancer_arn: str = ""
    load_balancer_name: str = ""
    dns_name: str | None = msgspec.field(default=None, name="DNSName")
    scheme: str | None = None
    vpc_id: str | None = None
    state: LbState | None = None
    type: str | None = None
    availability_zones: tuple[LbZone, ...] = ()
    security_groups: tuple[str, ...] = ()
    ip_address_type: str | None = None
    attributes: tuple[KeyValueAttr, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()
    # Application LBs: the associated web ACL, ``None`` when there is none; UNSET when the
    # input did not say (an older snapshot, or GetWebACLForResource failed: see ``errors``)
    web_acl: WebAcl | msgspec.UnsetType | None = msgspec.field(default=msgspec.UNSET, name="WebACL")

    def attribute(self, key: str) -> str | None:
        for item in self.attributes:
            if item.key == key:
                return item.value
        return None


class Certificate(_P, frozen=True):
    certificate_arn: str | None = None
    is_default: bool | None = None


class TargetGroupTuple(_P, frozen=True):
    target_group_arn: str | None = None
    weight: int | None = None


class ForwardConfig(_P, frozen=True):
    target_groups: tuple[TargetGroupTuple, ...] = ()


class RedirectConfig(_P, frozen=True):
    protocol: str | None = None
    port: str | None = None
    host: str | None = None
    path: str | None = None
    query: str | None = None
    status_code: str | None = None


class ListenerAction(_P, frozen=True):
    type: str = ""
    target_group_arn: str | None = None
    forward_config: ForwardConfig | None = None
    redirect_config: RedirectConfig | None = None
    order: int | None = None

    def target_group_arns(self) -> list[str]:
        arns = [self.target_group_arn] if self.target_group_arn else []
        if self.forward_config:
            arns += [
                t.target_group_arn for t in self.forward_config.target_groups if t.target_group_arn
            ]
        return list(dict.fromkeys(arns))


class MutualAuthentication(_P, frozen=True):
    mode: str | None = None


class Listener(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::ElasticLoadBalancingV2::Listener"
    ARN_FIELD: ClassVar[str] = "listener_arn"

    listener_arn: str = ""
    load_balancer_arn: str = ""
    port: int | None = None
    protocol: str | None = None
    certificates: tuple[Certificate, ...] = ()
    ssl_policy: str | None = None
    default_actions: tuple[ListenerAction, ...] = ()
    alpn_policy: tuple[str, ...] = ()
    mutual_authentication: MutualAuthentication | None = None

    @property
    def name(self) -> str:
        return f"{self.protocol}:{self.port}"


class Target(_P, frozen=True):
    id: str | None = None
    port: int | None = None


class TargetHealth(_P, frozen=True):
    state: str | None = None


class TargetHealthDescription(_P, frozen=True):
    target: Target | None = None
    target_health: TargetHealth | None = None


class TargetGroup(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::ElasticLoadBalancingV2::TargetGroup"
    ARN_FIELD: ClassVar[str] = "target_group_arn"
    NAME_FIELD: ClassVar[str] = "target_group_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("target_group_name",)

    target_group_arn: str = ""
    target_group_name: str = ""
    protocol: str | None = None
    port: int | None = None
    vpc_id: str | None = None
    target_type: str | None = None
    load_balancer_arns: tuple[str, ...] = ()
    health_check_protocol: str | None = None
    health_check_path: str | None = None
    protocol_version: str | None = None
    target_health_descriptions: tuple[TargetHealthDescription, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()


class MountTarget(_P, frozen=True):
    mount_target_id: str | None = None
    file_system_id: str | None = None
    subnet_id: str | None = None
    vpc_id: str | None = None
    ip_address: str | None = None
    availability_zone_name: str | None = None
    security_groups: tuple[str, ...] = ()


class EfsFileSystem(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EFS::FileSystem"
    ARN_FIELD: ClassVar[str] = "file_system_arn"
    NAME_FIELD: ClassVar[str] = "file_system_id"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("file_system_id",)

    file_system_id: str = ""
    file_system_arn: str | None = None
    name_tag: str | None = msgspec.field(default=None, name="Name")
    encrypted: bool | None = None
    kms_key_id: str | None = None
    performance_mode: str | None = None
    throughput_mode: str | None = None
    life_cycle_state: str | None = None
    file_system_policy: PolicyDoc = None
    backup_policy: dict[str, Any] | None = None
    mount_targets: tuple[MountTarget, ...] = msgspec.field(default=(), name="mountTargets")
    tags: tuple[Ec2Tag, ...] = ()

    @property
    def id(self) -> str:
        return self.given_id or self.file_system_arn or self.file_system_id

    @property
    def name(self) -> str:
        return self.name_tag or self.file_system_id or self.id


class PosixUser(_P, frozen=True):
    uid: int | None = None
    gid: int | None = None
    secondary_gids: tuple[int, ...] = ()


class CreationInfo(_P, frozen=True):
    owner_uid: int | None = None
    owner_gid: int | None = None
    permissions: str | None = None


class RootDirectory(_P, frozen=True):
    path: str | None = None
    creation_info: CreationInfo | None = None


class EfsAccessPoint(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EFS::AccessPoint"
    ARN_FIELD: ClassVar[str] = "access_point_arn"
    NAME_FIELD: ClassVar[str] = "access_point_id"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("access_point_id",)

    access_point_id: str = ""
    access_point_arn: str | None = None
    file_system_id: str | None = None
    posix_user: PosixUser | None = None
    root_directory: RootDirectory | None = None
    name_tag: str | None = msgspec.field(default=None, name="Name")
    tags: tuple[Ec2Tag, ...] = ()

    @property
    def name(self) -> str:
        return self.name_tag or self.access_point_id or self.id


class ScanningConfiguration(_C, frozen=True):
    scan_on_push: bool | None = None


class EcrEncryption(_C, frozen=True):
    encryption_type: str | None = None
    kms_key: str | None = None


class EcrRepository(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECR::Repository"
    ARN_FIELD: ClassVar[str] = "repository_arn"
    NAME_FIELD: ClassVar[str] = "repository_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("repository_name", "repository_uri")

    repository_arn: str = ""
    registry_id: str | None = None
    repository_name: str = ""
    repository_uri: str | None = None
    created_at: Timestamp = None
    image_tag_mutability: str | None = None
    image_scanning_configuration: ScanningConfiguration | None = None
    encryption_configuration: EcrEncryption | None = None
    lifecycle_policy: PolicyDoc = None
    repository_policy: PolicyDoc = None
    tags: tuple[Ec2Tag, ...] = ()


class LogGroup(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::Logs::LogGroup"
    ARN_FIELD: ClassVar[str] = "log_group_arn"
    NAME_FIELD: ClassVar[str] = "log_group_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("log_group_name", "arn")

    log_group_name: str = ""
    log_group_arn: str | None = None
    arn: str | None = None
    creation_time: int | None = None
    retention_in_days: int | None = None
    stored_bytes: int | None = None
    kms_key_id: str | None = None
    data_protection_status: str | None = None
    log_group_class: str | None = None
    tags: dict[str, str] = {}

    @property
    def id(self) -> str:
        return self.given_id or self.log_group_arn or self.arn or self.log_group_name


class KmsKey(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::KMS::Key"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "key_id"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("key_id", "arn")

    key_id: str = ""
    arn: str | None = None
    key_state: str | None = None
    key_manager: str | None = None
    key_usage: str | None = None
    key_spec: str | None = None
    enabled: bool | None = None
    key_origin: str | None = msgspec.field(default=None, name="Origin")  # AWS_KMS, EXTERNAL, ...
    multi_region: bool | None = None
    description: str | None = None
    key_rotation_enabled: bool | None = None
    aliases: tuple[str, ...] = ()
    policy: PolicyDoc = None
    tags: tuple[dict[str, Any], ...] = ()


class EventsAwsVpcConfiguration(_P, frozen=True):
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None


class EventsNetworkConfiguration(_P, frozen=True):
    awsvpc_configuration: EventsAwsVpcConfiguration | None = msgspec.field(
        default=None, name="awsvpcConfiguration"
    )


class EventsCapacityProviderItem(_C, frozen=True):
    """camelCase in the EventBridge API too."""

    capacity_provider: str = ""
    weight: int | None = None
    base: int | None = None


class EcsParameters(_P, frozen=True):
    """An EventBridge target's ``EcsParameters``: the RunTask call the rule makes."""

    task_definition_arn: str = ""
    task_count: int | None = None
    launch_type: str | None = None
    network_configuration: EventsNetworkConfiguration | None = None
    platform_version: str | None = None
    group: str | None = None
    capacity_provider_strategy: tuple[EventsCapacityProviderItem, ...] = ()
    enable_ecs_managed_tags: bool | None = msgspec.field(default=None, name="EnableECSManagedTags")
    enable_execute_command: bool | None = None
    placement_constraints: tuple[dict[str, Any], ...] = ()
    placement_strategy: tuple[dict[str, Any], ...] = ()
    propagate_tags: str | None = None
    reference_id: str | None = None
    tags: tuple[dict[str, Any], ...] = ()

    @property
    def awsvpc(self) -> EventsAwsVpcConfiguration | None:
        nc = self.network_configuration
        return nc.awsvpc_configuration if nc else None


class EventTarget(_P, frozen=True):
    id: str = ""
    arn: str | None = None  # the cluster, for ECS targets
    role_arn: str | None = None
    ecs_parameters: EcsParameters | None = None


class EventRule(Resource, rename="pascal", frozen=True):
    """A ListRules item plus ``Targets`` (its ListTargetsByRule items). The collector keeps
    only rules with an ECS target; templates and plans give every rule they define."""

    TYPE: ClassVar[str] = "AWS::Events::Rule"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("name",)

    name: str = ""
    arn: str | None = None
    event_pattern: str | dict[str, Any] | None = None
    state: str | None = None
    description: str | None = None
    schedule_expression: str | None = None
    role_arn: str | None = None
    managed_by: str | None = None
    event_bus_name: str | None = None
    targets: tuple[EventTarget, ...] = ()

    @property
    def ecs_targets(self) -> list[tuple[int, EventTarget]]:
        """(index in ``Targets``, target) of the targets that run ECS tasks."""
        return [(i, t) for i, t in enumerate(self.targets) if t.ecs_parameters is not None]


class DetectorAdditionalConfiguration(_P, frozen=True):
    name: str | None = None
    status: str | None = None
    updated_at: Timestamp = None


class DetectorFeature(_P, frozen=True):
    name: str | None = None
    status: str | None = None
    updated_at: Timestamp = None
    additional_configuration: tuple[DetectorAdditionalConfiguration, ...] = ()


class GuardDutyDetector(Resource, rename="pascal", frozen=True):
    """A GetDetector reply plus its ``DetectorId`` (from ListDetectors)."""

    TYPE: ClassVar[str] = "AWS::GuardDuty::Detector"
    ARN_FIELD: ClassVar[str] = "detector_id"

    detector_id: str = ""
    status: str | None = None
    finding_publishing_frequency: str | None = None
    service_role: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    data_sources: dict[str, Any] | None = None
    features: tuple[DetectorFeature, ...] = ()
    tags: dict[str, str] | None = None

    def feature(self, name: str) -> tuple[int, DetectorFeature] | None:
        for index, feat in enumerate(self.features):
            if feat.name == name:
                return index, feat
        return None


class AttachedPolicy(_P, frozen=True):
    policy_name: str | None = None
    policy_arn: str | None = None
    policy_document: PolicyDoc = None


class InlinePolicy(_P, frozen=True):
    policy_name: str | None = None
    policy_document: PolicyDoc = None


class IamRole(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::IAM::Role"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "role_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("role_name",)

    role_name: str = ""
    role_id: str | None = None
    arn: str | None = None
    path: str | None = None
    assume_role_policy_document: PolicyDoc = None
    attached_policies: tuple[AttachedPolicy, ...] = ()
    role_policy_list: tuple[InlinePolicy, ...] = ()
    permissions_boundary: dict[str, Any] | None = None
    tags: tuple[Ec2Tag, ...] = ()


class SdNamespace(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::ServiceDiscovery::Namespace"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "name"

    id_: str = msgspec.field(default="", name="Id")
    arn: str | None = None
    name: str = ""  # type: ignore[assignment]
    type: str | None = None
    properties: dict[str, Any] = {}


class SdService(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::ServiceDiscovery::Service"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "name"

    id_: str = msgspec.field(default="", name="Id")
    arn: str | None = None
    name: str = ""  # type: ignore[assignment]
    namespace_id: str | None = None
    dns_config: dict[str, Any] = {}


class SecretMeta(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::SecretsManager::Secret"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("name",)

    arn: str | None = msgspec.field(default=None, name="ARN")
    name: str = ""  # type: ignore[assignment]
    kms_key_id: str | None = None
    rotation_enabled: bool | None = None
    rotation_rules: dict[str, Any] | None = None
    last_rotated_date: Timestamp = None
    last_changed_date: Timestamp = None
    tags: tuple[Ec2Tag, ...] = ()


class SsmParameter(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::SSM::Parameter"
    ARN_FIELD: ClassVar[str] = "arn"
    NAME_FIELD: ClassVar[str] = "name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("name",)

    name: str = ""  # type: ignore[assignment]
    arn: str | None = msgspec.field(default=None, name="ARN")
    type: str | None = None
    key_id: str | None = None
    tier: str | None = None
    data_type: str | None = None
    version: int | None = None
    last_modified_date: Timestamp = None
    tags: tuple[Ec2Tag, ...] = ()


class RdsSubnet(_P, frozen=True):
    subnet_identifier: str | None = None


class RdsSubnetGroup(_P, frozen=True):
    vpc_id: str | None = None
    subnets: tuple[RdsSubnet, ...] = ()


class RdsVpcSg(_P, frozen=True):
    vpc_security_group_id: str = ""
    status: str | None = None


class RdsEndpoint(_P, frozen=True):
    address: str | None = None
    port: int | None = None


class RdsInstance(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::RDS::DBInstance"
    ARN_FIELD: ClassVar[str] = "db_instance_arn"
    NAME_FIELD: ClassVar[str] = "db_instance_identifier"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("db_instance_identifier",)

    db_instance_identifier: str = msgspec.field(default="", name="DBInstanceIdentifier")
    db_instance_arn: str | None = msgspec.field(default=None, name="DBInstanceArn")
    engine: str | None = None
    db_subnet_group: RdsSubnetGroup | None = msgspec.field(default=None, name="DBSubnetGroup")
    vpc_security_groups: tuple[RdsVpcSg, ...] = ()
    endpoint: RdsEndpoint | None = None
    publicly_accessible: bool | None = None
    storage_encrypted: bool | None = None
    kms_key_id: str | None = None
    tag_list: tuple[Ec2Tag, ...] = ()


class SqsQueue(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::SQS::Queue"
    ARN_FIELD: ClassVar[str] = "queue_arn"
    NAME_FIELD: ClassVar[str] = "queue_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("queue_url", "queue_name")

    queue_url: str = ""
    queue_arn: str | None = None
    queue_name: str | None = None
    attributes: dict[str, str] = {}
    tags: dict[str, str] = {}

    @property
    def id(self) -> str:
        return self.given_id or self.queue_arn or self.attributes.get("QueueArn") or self.queue_url

    @property
    def name(self) -> str:
        return self.queue_name or self.queue_url.rsplit("/", 1)[-1]


class S3Bucket(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::S3::Bucket"
    NAME_FIELD: ClassVar[str] = "name"

    name: str = ""  # type: ignore[assignment]
    creation_date: Timestamp = None
    bucket_region: str | None = None
    tags: tuple[Ec2Tag, ...] = ()
    public_access_block: dict[str, Any] | None = None
    encryption: dict[str, Any] | None = None
    policy_status: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return self.given_id or f"arn:aws:s3:::{self.name}"
