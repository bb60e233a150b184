"""Amazon ECS records: clusters, services, task sets, task definitions, tasks, instances.

Field names are the ECS API's camelCase spelling; every container definition parameter of
the current API is modelled so that checks and lifecycle diffs see all of them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ecsguard.model.base import Resource, tag_map

Num = int | float
Str = str | None
Timestamp = str | float | int | None


class _S(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Nested ECS shape."""


class Tag(_S, frozen=True):
    key: str = ""
    value: str = ""


class KeyValue(_S, frozen=True):
    name: str | None = None
    value: str | None = None


class Secret(_S, frozen=True):
    name: str = ""
    value_from: str = ""


class EnvironmentFile(_S, frozen=True):
    value: str = ""
    type: str = ""


class PortRange(_S, frozen=True):
    container_port: int | None = None
    host_port: int | None = None
    protocol: str | None = None
    name: str | None = None
    app_protocol: str | None = None
    container_port_range: str | None = None
    host_port_range: str | None = None


class MountPoint(_S, frozen=True):
    source_volume: str | None = None
    container_path: str | None = None
    read_only: bool | None = None


class VolumeFrom(_S, frozen=True):
    source_container: str | None = None
    read_only: bool | None = None


class Capabilities(_S, frozen=True):
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


class Device(_S, frozen=True):
    host_path: str = ""
    container_path: str | None = None
    permissions: tuple[str, ...] = ()


class Tmpfs(_S, frozen=True):
    container_path: str = ""
    size: int = 0
    mount_options: tuple[str, ...] = ()


class LinuxParameters(_S, frozen=True):
    capabilities: Capabilities | None = None
    devices: tuple[Device, ...] = ()
    init_process_enabled: bool | None = None
    shared_memory_size: int | None = None
    tmpfs: tuple[Tmpfs, ...] = ()
    max_swap: int | None = None
    swappiness: int | None = None


class DependsOn(_S, frozen=True):
    container_name: str = ""
    condition: str = ""


class HostEntry(_S, frozen=True):
    hostname: str = ""
    ip_address: str = ""


class Ulimit(_S, frozen=True):
    name: str = ""
    soft_limit: int = 0
    hard_limit: int = 0


class LogConfiguration(_S, frozen=True):
    log_driver: str = ""
    options: dict[str, str] = {}
    secret_options: tuple[Secret, ...] = ()


class HealthCheck(_S, frozen=True):
    command: tuple[str, ...] = ()
    interval: int | None = None
    timeout: int | None = None
    retries: int | None = None
    start_period: int | None = None


class SystemControl(_S, frozen=True):
    namespace: str | None = None
    value: str | None = None


class ResourceRequirement(_S, frozen=True):
    value: str = ""
    type: str = ""


class FirelensConfiguration(_S, frozen=True):
    type: str = ""
    options: dict[str, str] = {}


class RepositoryCredentials(_S, frozen=True):
    credentials_parameter: str = ""


class RestartPolicy(_S, frozen=True):
    enabled: bool | None = None
    ignored_exit_codes: tuple[int, ...] = ()
    restart_attempt_period: int | None = None


class ContainerDefinition(_S, frozen=True):
    name: str | None = None
    image: str | None = None
    repository_credentials: RepositoryCredentials | None = None
    cpu: int | None = None
    memory: int | None = None
    memory_reservation: int | None = None
    links: tuple[str, ...] = ()
    port_mappings: tuple[PortRange, ...] = ()
    essential: bool | None = None
    restart_policy: RestartPolicy | None = None
    entry_point: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    environment: tuple[KeyValue, ...] = ()
    environment_files: tuple[EnvironmentFile, ...] = ()
    mount_points: tuple[MountPoint, ...] = ()
    volumes_from: tuple[VolumeFrom, ...] = ()
    linux_parameters: LinuxParameters | None = None
    secrets: tuple[Secret, ...] = ()
    depends_on: tuple[DependsOn, ...] = ()
    start_timeout: int | None = None
    stop_timeout: int | None = None
    version_consistency: str | None = None
    hostname: str | None = None
    user: str | None = None
    working_directory: str | None = None
    disable_networking: bool | None = None
    privileged: bool | None = None
    readonly_root_filesystem: bool | None = None
    dns_servers: tuple[str, ...] = ()
    dns_search_domains: tuple[str, ...] = ()
    extra_hosts: tuple[HostEntry, ...] = ()
    docker_security_options: tuple[str, ...] = ()
    interactive: bool | None = None
    pseudo_terminal: bool | None = None
    docker_labels: dict[str, str] = {}
    ulimits: tuple[Ulimit, ...] = ()
    log_configuration: LogConfiguration | None = None
    health_check: HealthCheck | None = None
    system_controls: tuple[SystemControl, ...] = ()
    resource_requirements: tuple[ResourceRequirement, ...] = ()
    firelens_configuration: FirelensConfiguration | None = None
    credential_specs: tuple[str, ...] = ()


class HostVolume(_S, frozen=True):
    source_path: str | None = None


class DockerVolumeConfiguration(_S, frozen=True):
    scope: str | None = None
    autoprovision: bool | None = None
    driver: str | None = None
    driver_opts: dict[str, str] = {}
    labels: dict[str, str] = {}


class EfsAuthorizationConfig(_S, frozen=True):
    access_point_id: str | None = None
    iam: str | None = None


class EfsVolumeConfiguration(_S, frozen=True):
    file_system_id: str = ""
    root_directory: str | None = None
    transit_encryption: str | None = None
    transit_encryption_port: int | None = None
    authorization_config: EfsAuthorizationConfig | None = None


class FsxAuthorizationConfig(_S, frozen=True):
    credentials_parameter: str = ""
    domain: str = ""


class FsxWindowsVolumeConfiguration(_S, frozen=True):
    file_system_id: str = ""
    root_directory: str = ""
    authorization_config: FsxAuthorizationConfig | None = None


class Volume(_S, frozen=True):
    name: str | None = None
    host: HostVolume | None = None
    configured_at_launch: bool | None = None
    docker_volume_configuration: DockerVolumeConfiguration | None = None
    efs_volume_configuration: EfsVolumeConfiguration | None = None
    fsx_windows_file_server_volume_configuration: FsxWindowsVolumeConfiguration | None = None


class PlacementConstraint(_S, frozen=True):
    type: str | None = None
    expression: str | None = None


class RuntimePlatform(_S, frozen=True):
    cpu_architecture: str | None = None
    operating_system_family: str | None = None


class EphemeralStorage(_S, frozen=True):
    size_in_gi_b: int = msgspec.field(default=0, name="sizeInGiB")


class ProxyConfiguration(_S, frozen=True):
    type: str | None = None
    container_name: str = ""
    properties: tuple[KeyValue, ...] = ()


class Attribute(_S, frozen=True):
    name: str = ""
    value: str | None = None
    target_type: str | None = None
    target_id: str | None = None


class TaskDefinition(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::TaskDefinition"
    ARN_FIELD: ClassVar[str] = "task_definition_arn"

    task_definition_arn: str = ""
    family: str = ""
    revision: int | None = None
    container_definitions: tuple[ContainerDefinition, ...] = ()
    task_role_arn: str | None = None
    execution_role_arn: str | None = None
    network_mode: str | None = None
    volumes: tuple[Volume, ...] = ()
    status: str | None = None
    requires_attributes: tuple[Attribute, ...] = ()
    placement_constraints: tuple[PlacementConstraint, ...] = ()
    compatibilities: tuple[str, ...] = ()
    runtime_platform: RuntimePlatform | None = None
    requires_compatibilities: tuple[str, ...] = ()
    cpu: str | int | None = None
    memory: str | int | None = None
    pid_mode: str | None = None
    ipc_mode: str | None = None
    proxy_configuration: ProxyConfiguration | None = None
    registered_at: Timestamp = None
    deregistered_at: Timestamp = None
    registered_by: str | None = None
    ephemeral_storage: EphemeralStorage | None = None
    enable_fault_injection: bool | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.family}:{self.revision}" if self.revision is not None else self.family

    @property
    def tag_dict(self) -> dict[str, str]:
        return tag_map(self.tags)

    @property
    def is_windows(self) -> bool:
        osf = self.runtime_platform.operating_system_family if self.runtime_platform else None
        return bool(osf) and str(osf).upper().startswith("WINDOWS")

    def container_index(self, name: str) -> int | None:
        for index, container in enumerate(self.container_definitions):
            if container.name == name:
                return index
        return None


class AwsVpcConfiguration(_S, frozen=True):
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None


class NetworkConfiguration(_S, frozen=True):
    awsvpc_configuration: AwsVpcConfiguration | None = None


class ServiceLoadBalancer(_S, frozen=True):
    target_group_arn: str | None = None
    load_balancer_name: str | None = None
    container_name: str | None = None
    container_port: int | None = None


class ServiceRegistry(_S, frozen=True):
    registry_arn: str | None = None
    port: int | None = None
    container_name: str | None = None
    container_port: int | None = None


class CapacityProviderStrategyItem(_S, frozen=True):
    capacity_provider: str = ""
    weight: int | None = None
    base: int | None = None


class CircuitBreaker(_S, frozen=True):
    enable: bool = False
    rollback: bool = False


class DeploymentAlarms(_S, frozen=True):
    alarm_names: tuple[str, ...] = ()
    enable: bool = False
    rollback: bool = False


class DeploymentConfiguration(_S, frozen=True):
    deployment_circuit_breaker: CircuitBreaker | None = None
    maximum_percent: int | None = None
    minimum_healthy_percent: int | None = None
    alarms: DeploymentAlarms | None = None
    strategy: str | None = None


class ClientAlias(_S, frozen=True):
    port: int | None = None
    dns_name: str | None = None


class ScPcaAuthority(_S, frozen=True):
    aws_pca_authority_arn: str | None = None


class ServiceConnectTls(_S, frozen=True):
    issuer_certificate_authority: ScPcaAuthority | None = None
    kms_key: str | None = None
    role_arn: str | None = None


class ServiceConnectService(_S, frozen=True):
    port_name: str = ""
    discovery_name: str | None = None
    client_aliases: tuple[ClientAlias, ...] = ()
    ingress_port_override: int | None = None
    tls: ServiceConnectTls | None = None


class ServiceConnectConfiguration(_S, frozen=True):
    enabled: bool = False
    namespace: str | None = None
    services: tuple[ServiceConnectService, ...] = ()
    log_configuration: LogConfiguration | None = None


class Deployment(_S, frozen=True):
    id: str | None = None
    status: str | None = None
    task_definition: str | None = None
    desired_count: int | None = None
    pending_count: int | None = None
    running_count: int | None = None
    failed_tasks: int | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] = ()
    launch_type: str | None = None
    platform_version: str | None = None
    platform_family: str | None = None
    network_configuration: NetworkConfiguration | None = None
    rollout_state: str | None = None
    rollout_state_reason: str | None = None
    service_connect_configuration: ServiceConnectConfiguration | None = None


class TaskSet(_S, frozen=True):
    id: str | None = None
    task_set_arn: str | None = None
    status: str | None = None
    task_definition: str | None = None
    launch_type: str | None = None
    capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] = ()
    platform_version: str | None = None
    platform_family: str | None = None
    network_configuration: NetworkConfiguration | None = None
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    service_registries: tuple[ServiceRegistry, ...] = ()
    computed_desired_count: int | None = None
    running_count: int | None = None
    tags: tuple[Tag, ...] = ()


class DeploymentController(_S, frozen=True):
    type: str | None = None


class Service(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::Service"
    ARN_FIELD: ClassVar[str] = "service_arn"
    NAME_FIELD: ClassVar[str] = "service_name"

    service_arn: str = ""
    service_name: str = ""
    cluster_arn: str = ""
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    service_registries: tuple[ServiceRegistry, ...] = ()
    status: str | None = None
    desired_count: int | None = None
    running_count: int | None = None
    pending_count: int | None = None
    launch_type: str | None = None
    capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] = ()
    platform_version: str | None = None
    platform_family: str | None = None
    task_definition: str | None = None
    deployment_configuration: DeploymentConfiguration | None = None
    task_sets: tuple[TaskSet, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    role_arn: str | None = None
    created_at: Timestamp = None
    created_by: str | None = None
    placement_constraints: tuple[PlacementConstraint, ...] = ()
    network_configuration: NetworkConfiguration | None = None
    health_check_grace_period_seconds: int | None = None
    scheduling_strategy: str | None = None
    deployment_controller: DeploymentController | None = None
    enable_ecs_managed_tags: bool | None = msgspec.field(default=None, name="enableECSManagedTags")
    propagate_tags: str | None = None
    enable_execute_command: bool | None = None
    availability_zone_rebalancing: str | None = None
    service_connect_configuration: ServiceConnectConfiguration | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def tag_dict(self) -> dict[str, str]:
        return tag_map(self.tags)

    @property
    def awsvpc(self) -> AwsVpcConfiguration | None:
        nc = self.network_configuration
        return nc.awsvpc_configuration if nc else None

    @property
    def effective_service_connect(self) -> ServiceConnectConfiguration | None:
        """Service-level Service Connect (IaC) or the primary deployment's (live API)."""
        if self.service_connect_configuration is not None:
            return self.service_connect_configuration
        for deployment in self.deployments:
            if deployment.status == "PRIMARY" and deployment.service_connect_configuration:
                return deployment.service_connect_configuration
        return None


class NetworkBinding(_S, frozen=True):
    bind_ip: str | None = msgspec.field(default=None, name="bindIP")
    container_port: int | None = None
    host_port: int | None = None
    protocol: str | None = None


class ContainerNetworkInterface(_S, frozen=True):
    attachment_id: str | None = None
    private_ipv4_address: str | None = None
    ipv6_address: str | None = None


class Container(_S, frozen=True):
    container_arn: str | None = None
    name: str | None = None
    image: str | None = None
    image_digest: str | None = None
    runtime_id: str | None = None
    last_status: str | None = None
    network_bindings: tuple[NetworkBinding, ...] = ()
    network_interfaces: tuple[ContainerNetworkInterface, ...] = ()
    health_status: str | None = None


class AttachmentDetail(_S, frozen=True):
    name: str = ""
    value: str | None = None


class Attachment(_S, frozen=True):
    id: str | None = None
    type: str | None = None
    status: str | None = None
    details: tuple[AttachmentDetail, ...] = ()

    def detail(self, name: str) -> str | None:
        for item in self.details:
            if item.name == name:
                return item.value
        return None


class Task(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::Task"
    ARN_FIELD: ClassVar[str] = "task_arn"

    task_arn: str = ""
    cluster_arn: str = ""
    task_definition_arn: str = ""
    container_instance_arn: str | None = None
    overrides: dict[str, Any] = {}
    last_status: str | None = None
    desired_status: str | None = None
    cpu: str | None = None
    memory: str | None = None
    containers: tuple[Container, ...] = ()
    started_by: str | None = None
    version: int | None = None
    stopped_reason: str | None = None
    stop_code: str | None = None
    connectivity: str | None = None
    created_at: Timestamp = None
    started_at: Timestamp = None
    stopped_at: Timestamp = None
    group: str | None = None
    launch_type: str | None = None
    capacity_provider_name: str | None = None
    platform_version: str | None = None
    platform_family: str | None = None
    attachments: tuple[Attachment, ...] = ()
    health_status: str | None = None
    enable_execute_command: bool | None = None
    availability_zone: str | None = None
    ephemeral_storage: EphemeralStorage | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def tag_dict(self) -> dict[str, str]:
        return tag_map(self.tags)

    @property
    def eni_ids(self) -> list[str]:
        out = []
        for att in self.attachments:
            if att.type == "ElasticNetworkInterface":
                eni = att.detail("networkInterfaceId")
                if eni:
                    out.append(eni)
        return out


class VersionInfo(_S, frozen=True):
    agent_version: str | None = None
    agent_hash: str | None = None
    docker_version: str | None = None


class ContainerInstance(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::ContainerInstance"
    ARN_FIELD: ClassVar[str] = "container_instance_arn"
    NAME_FIELD: ClassVar[str] = "ec2_instance_id"

    container_instance_arn: str = ""
    cluster_arn: str = ""  # added by collectors (the API response lacks it)
    ec2_instance_id: str | None = None
    capacity_provider_name: str | None = None
    version_info: VersionInfo | None = None
    status: str | None = None
    agent_connected: bool | None = None
    running_tasks_count: int | None = None
    attributes: tuple[Attribute, ...] = ()
    registered_at: Timestamp = None
    attachments: tuple[Attachment, ...] = ()
    tags: tuple[Tag, ...] = ()

    def attribute(self, name: str) -> str | None:
        for attr in self.attributes:
            if attr.name == name:
                return attr.value
        return None

    @property
    def cluster_name(self) -> str:
        """The cluster, from ``clusterArn`` or the long-format instance ARN (``.../cluster/id``)."""
        if self.cluster_arn:
            return self.cluster_arn.rsplit("/", 1)[-1]
        resource = self.container_instance_arn.split(":", 5)[-1]
        parts = resource.split("/")
        return parts[1] if len(parts) == 3 else ""


class ExecLogConfiguration(_S, frozen=True):
    cloud_watch_log_group_name: str | None = None
    cloud_watch_encryption_enabled: bool | None = None
    s3_bucket_name: str | None = None
    s3_encryption_enabled: bool | None = None
    s3_key_prefix: str | None = None


class ExecuteCommandConfiguration(_S, frozen=True):
    kms_key_id: str | None = None
    logging: str | None = None
    log_configuration: ExecLogConfiguration | None = None


class ManagedStorageConfiguration(_S, frozen=True):
    kms_key_id: str | None = None
    fargate_ephemeral_storage_kms_key_id: str | None = None


class ClusterConfiguration(_S, frozen=True):
    execute_command_configuration: ExecuteCommandConfiguration | None = None
    managed_storage_configuration: ManagedStorageConfiguration | None = None


class ClusterSetting(_S, frozen=True):
    name: str = ""
    value: str | None = None


class ServiceConnectDefaults(_S, frozen=True):
    namespace: str | None = None


class Cluster(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::Cluster"
    ARN_FIELD: ClassVar[str] = "cluster_arn"
    NAME_FIELD: ClassVar[str] = "cluster_name"

    cluster_arn: str = ""
    cluster_name: str = ""
    configuration: ClusterConfiguration | None = None
    status: str | None = None
    registered_container_instances_count: int | None = None
    running_tasks_count: int | None = None
    active_services_count: int | None = None
    settings: tuple[ClusterSetting, ...] = ()
    capacity_providers: tuple[str, ...] = ()
    default_capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    service_connect_defaults: ServiceConnectDefaults | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def tag_dict(self) -> dict[str, str]:
        return tag_map(self.tags)

    def setting(self, name: str) -> str | None:
        for item in self.settings:
            if item.name == name:
                return item.value
        return None


class ManagedScaling(_S, frozen=True):
    status: str | None = None
    target_capacity: int | None = None


class AutoScalingGroupProvider(_S, frozen=True):
    auto_scaling_group_arn: str | None = None
    managed_scaling: ManagedScaling | None = None
    managed_termination_protection: str | None = None
    managed_draining: str | None = None


class CapacityProvider(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::CapacityProvider"
    ARN_FIELD: ClassVar[str] = "capacity_provider_arn"
    NAME_FIELD: ClassVar[str] = "name"

    capacity_provider_arn: str = ""
    name: str = ""  # type: ignore[assignment]
    status: str | None = None
    auto_scaling_group_provider: AutoScalingGroupProvider | None = None
    tags: tuple[Tag, ...] = ()


class AccountSetting(Resource, rename="camel", frozen=True):
    TYPE: ClassVar[str] = "AWS::ECS::AccountSetting"
    NAME_FIELD: ClassVar[str] = "name"

    name: str = ""  # type: ignore[assignment]
    value: str | None = None
    principal_arn: str | None = None
    type: str | None = None

    @property
    def id(self) -> str:
        return self.given_id or f"{self.principal_arn or 'account'}/{self.name}"
