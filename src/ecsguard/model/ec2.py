"""Amazon EC2 network records (PascalCase, as the EC2 API spells them) and normalised SG rules."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ecsguard.model.base import Resource, tag_map


class _P(msgspec.Struct, frozen=True, kw_only=True, rename="pascal", omit_defaults=True, gc=False):
    """Nested EC2 shape."""


class Ec2Tag(_P, frozen=True):
    key: str = ""
    value: str = ""


class IpRange(_P, frozen=True):
    cidr_ip: str = ""
    description: str | None = None


class Ipv6Range(_P, frozen=True):
    cidr_ipv6: str = ""
    description: str | None = None


class PrefixListId(_P, frozen=True):
    prefix_list_id: str = ""
    description: str | None = None


class UserIdGroupPair(_P, frozen=True):
    group_id: str | None = None
    group_name: str | None = None
    user_id: str | None = None
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None
    peering_status: str | None = None
    description: str | None = None


class IpPermission(_P, frozen=True):
    ip_protocol: str = "-1"
    from_port: int | None = None
    to_port: int | None = None
    ip_ranges: tuple[IpRange, ...] = ()
    ipv6_ranges: tuple[Ipv6Range, ...] = ()
    prefix_list_ids: tuple[PrefixListId, ...] = ()
    user_id_group_pairs: tuple[UserIdGroupPair, ...] = ()


class ReferencedGroup(_P, frozen=True):
    group_id: str | None = None
    user_id: str | None = None
    vpc_id: str | None = None
    vpc_peering_connection_id: str | None = None


class SecurityGroupRuleRecord(_P, frozen=True):
    """One item of DescribeSecurityGroupRules (gives each rule its id)."""

    security_group_rule_id: str = ""
    group_id: str = ""
    is_egress: bool = False
    ip_protocol: str = "-1"
    from_port: int | None = None
    to_port: int | None = None
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    prefix_list_id: str | None = None
    referenced_group_info: ReferencedGroup | None = None
    description: str | None = None


class SgRule(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A security-group rule normalised to one peer: direction, protocol, ports, peer."""

    rule_id: str
    group_id: str
    direction: str  # ingress | egress
    protocol: str  # tcp | udp | icmp | icmpv6 | -1 (all) | a protocol number
    from_port: int  # -1 with to_port -1 means all ports
    to_port: int
    peer_kind: str  # cidr4 | cidr6 | sg | prefix_list
    peer: str
    description: str | None = None

    @property
    def all_ports(self) -> bool:
        return self.protocol == "-1" or (self.from_port <= 0 and self.to_port in (-1, 65535))

    def covers_port(self, protocol: str, port: int) -> bool:
        if self.protocol not in ("-1", protocol):
            return False
        if self.protocol == "-1" or (self.from_port == -1 and self.to_port == -1):
            return True
        return self.from_port <= port <= self.to_port

    @property
    def ports_label(self) -> str:
        proto = "all" if self.protocol == "-1" else self.protocol
        if self.all_ports:
            return f"{proto}/*"
        if self.from_port == self.to_port:
            return f"{proto}/{self.from_port}"
        return f"{proto}/{self.from_port}-{self.to_port}"


class SecurityGroup(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::SecurityGroup"
    ARN_FIELD: ClassVar[str] = "group_id"
    NAME_FIELD: ClassVar[str] = "group_name"

    group_id: str = ""
    group_name: str = ""
    description: str | None = None
    vpc_id: str | None = None
    owner_id: str | None = None
    ip_permissions: tuple[IpPermission, ...] = ()
    ip_permissions_egress: tuple[IpPermission, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()
    rules: tuple[SgRule, ...] = msgspec.field(default=(), name="__rules")

    @property
    def tag_dict(self) -> dict[str, str]:
        return tag_map(self.tags)


def normalise_rules(
    group_id: str,
    ingress: tuple[IpPermission, ...],
    egress: tuple[IpPermission, ...],
    rule_ids: dict[tuple[Any, ...], str] | None = None,
) -> tuple[SgRule, ...]:
    """Split IpPermissions into one SgRule per peer, naming each with its rule id if known."""
    rule_ids = rule_ids or {}
    out: list[SgRule] = []
    for direction, perms in (("ingress", ingress), ("egress", egress)):
        for index, perm in enumerate(perms):
            proto = _proto(perm.ip_protocol)
            lo = perm.from_port if perm.from_port is not None else -1
            hi = perm.to_port if perm.to_port is not None else -1
            peers: list[tuple[str, str, str | None]] = []
            peers += [("cidr4", r.cidr_ip, r.description) for r in perm.ip_ranges]
            peers += [("cidr6", r.cidr_ipv6, r.description) for r in perm.ipv6_ranges]
            peers += [
                ("prefix_list", p.prefix_list_id, p.description) for p in perm.prefix_list_ids
            ]
            peers += [("sg", p.group_id or "", p.description) for p in perm.user_id_group_pairs]
            for kind, peer, desc in peers:
                key = (direction, proto, lo, hi, kind, peer)
                rid = rule_ids.get(key) or f"{group_id}/{direction}/{index}/{kind}:{peer}"
                out.append(
                    SgRule(
                        rule_id=rid,
                        group_id=group_id,
                        direction=direction,
                        protocol=proto,
                        from_port=lo,
                        to_port=hi,
                        peer_kind=kind,
                        peer=peer,
                        description=desc,
                    )
                )
    return tuple(out)


_PROTO_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def _proto(value: str | int | None) -> str:
    text = str(value if value is not None else "-1").lower()
    return _PROTO_NAMES.get(text, text)


def rule_id_index(records: list[SecurityGroupRuleRecord]) -> dict[str, dict[tuple[Any, ...], str]]:
    """Map (group) -> (direction, protocol, from, to, peer kind, peer) -> SecurityGroupRuleId."""
    out: dict[str, dict[tuple[Any, ...], str]] = {}
    for rec in records:
        direction = "egress" if rec.is_egress else "ingress"
        proto = _proto(rec.ip_protocol)
        lo = rec.from_port if rec.from_port is not None else -1
        hi = rec.to_port if rec.to_port is not None else -1
        if rec.cidr_ipv4:
            kind, peer = "cidr4", rec.cidr_ipv4
        elif rec.cidr_ipv6:
            kind, peer = "cidr6", rec.cidr_ipv6
        elif rec.prefix_list_id:
            kind, peer = "prefix_list", rec.prefix_list_id
        elif rec.referenced_group_info and rec.referenced_group_info.group_id:
            kind, peer = "sg", rec.referenced_group_info.group_id
        else:
            continue
        out.setdefault(rec.group_id, {})[(direction, proto, lo, hi, kind, peer)] = (
            rec.security_group_rule_id
        )
    return out


class CidrAssoc(_P, frozen=True):
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None


class Vpc(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::VPC"
    ARN_FIELD: ClassVar[str] = "vpc_id"

    vpc_id: str = ""
    cidr_block: str | None = None
    cidr_block_association_set: tuple[CidrAssoc, ...] = ()
    ipv6_cidr_block_association_set: tuple[CidrAssoc, ...] = ()
    is_default: bool | None = None
    owner_id: str | None = None
    tags: tuple[Ec2Tag, ...] = ()


class Subnet(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::Subnet"
    ARN_FIELD: ClassVar[str] = "subnet_id"

    subnet_id: str = ""
    subnet_arn: str | None = None
    vpc_id: str | None = None
    cidr_block: str | None = None
    ipv6_cidr_block_association_set: tuple[CidrAssoc, ...] = ()
    availability_zone: str | None = None
    map_public_ip_on_launch: bool | None = None
    tags: tuple[Ec2Tag, ...] = ()


class Route(_P, frozen=True):
    destination_cidr_block: str | None = None
    destination_ipv6_cidr_block: str | None = None
    destination_prefix_list_id: str | None = None
    gateway_id: str | None = None
    nat_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    vpc_peering_connection_id: str | None = None
    instance_id: str | None = None
    network_interface_id: str | None = None
    egress_only_internet_gateway_id: str | None = None
    state: str | None = None
    origin: str | None = None


class RouteTableAssociation(_P, frozen=True):
    route_table_association_id: str | None = None
    subnet_id: str | None = None
    gateway_id: str | None = None
    main: bool | None = None


class RouteTable(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::RouteTable"
    ARN_FIELD: ClassVar[str] = "route_table_id"

    route_table_id: str = ""
    vpc_id: str | None = None
    routes: tuple[Route, ...] = ()
    associations: tuple[RouteTableAssociation, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()


class PortRangeFromTo(_P, frozen=True):
    from_: int | None = msgspec.field(default=None, name="From")
    to: int | None = None


class NaclEntry(_P, frozen=True):
    rule_number: int = 0
    protocol: str = "-1"
    rule_action: str = "allow"
    egress: bool = False
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None
    port_range: PortRangeFromTo | None = None


class NaclAssociation(_P, frozen=True):
    network_acl_association_id: str | None = None
    subnet_id: str | None = None


class NetworkAcl(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::NetworkAcl"
    ARN_FIELD: ClassVar[str] = "network_acl_id"

    network_acl_id: str = ""
    vpc_id: str | None = None
    is_default: bool | None = None
    entries: tuple[NaclEntry, ...] = ()
    associations: tuple[NaclAssociation, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()


class GroupIdentifier(_P, frozen=True):
    group_id: str = ""
    group_name: str | None = None


class PublicAssociation(_P, frozen=True):
    public_ip: str | None = None
    public_dns_name: str | None = None
    ip_owner_id: str | None = None


class PrivateIp(_P, frozen=True):
    private_ip_address: str | None = None
    primary: bool | None = None
    association: PublicAssociation | None = None


class Ipv6Address(_P, frozen=True):
    ipv6_address: str | None = None


class EniAttachment(_P, frozen=True):
    instance_id: str | None = None
    attachment_id: str | None = None
    device_index: int | None = None
    status: str | None = None


class NetworkInterface(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::NetworkInterface"
    ARN_FIELD: ClassVar[str] = "network_interface_id"

    network_interface_id: str = ""
    subnet_id: str | None = None
    vpc_id: str | None = None
    availability_zone: str | None = None
    description: str | None = None
    interface_type: str | None = None
    private_ip_address: str | None = None
    private_ip_addresses: tuple[PrivateIp, ...] = ()
    ipv6_addresses: tuple[Ipv6Address, ...] = ()
    groups: tuple[GroupIdentifier, ...] = ()
    association: PublicAssociation | None = None
    attachment: EniAttachment | None = None
    requester_id: str | None = None
    requester_managed: bool | None = None
    status: str | None = None
    tag_set: tuple[Ec2Tag, ...] = ()

    @property
    def public_ip(self) -> str | None:
        if self.association and self.association.public_ip:
            return self.association.public_ip
        for ip in self.private_ip_addresses:
            if ip.association and ip.association.public_ip:
                return ip.association.public_ip
        return None


class MetadataOptions(_P, frozen=True):
    http_tokens: str | None = None
    http_put_response_hop_limit: int | None = None
    http_endpoint: str | None = None
    http_protocol_ipv6: str | None = None
    instance_metadata_tags: str | None = None


class InstanceProfile(_P, frozen=True):
    arn: str | None = None
    id: str | None = None


class InstanceState(_P, frozen=True):
    name: str | None = None
    code: int | None = None


class InstanceEni(_P, frozen=True):
    network_interface_id: str | None = None
    subnet_id: str | None = None
    groups: tuple[GroupIdentifier, ...] = ()


class EbsBlockDevice(_P, frozen=True):
    """``Ebs`` of a block-device mapping: DescribeInstances gives the attached volume
    (``VolumeId``, ``Status``); RunInstances / launch-template data give the request
    (``Encrypted``, ``KmsKeyId``, size, type)."""

    volume_id: str | None = None
    status: str | None = None
    attach_time: Any = None
    delete_on_termination: bool | None = None
    encrypted: bool | None = None
    kms_key_id: str | None = None
    volume_size: int | None = None
    volume_type: str | None = None
    snapshot_id: str | None = None


class BlockDeviceMapping(_P, frozen=True):
    device_name: str | None = None
    ebs: EbsBlockDevice | None = None
    virtual_name: str | None = None
    no_device: str | None = None


class Instance(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::Instance"
    ARN_FIELD: ClassVar[str] = "instance_id"

    instance_id: str = ""
    image_id: str | None = None
    instance_type: str | None = None
    subnet_id: str | None = None
    vpc_id: str | None = None
    private_ip_address: str | None = None
    public_ip_address: str | None = None
    security_groups: tuple[GroupIdentifier, ...] = ()
    metadata_options: MetadataOptions | None = None
    iam_instance_profile: InstanceProfile | None = None
    state: InstanceState | None = None
    network_interfaces: tuple[InstanceEni, ...] = ()
    platform: str | None = None
    block_device_mappings: tuple[BlockDeviceMapping, ...] = ()
    root_device_type: str | None = None
    user_data: str | None = None  # templates and plans only (DescribeInstances has none)
    tags: tuple[Ec2Tag, ...] = ()


class VolumeAttachment(_P, frozen=True):
    volume_id: str | None = None
    instance_id: str | None = None
    device: str | None = None
    state: str | None = None
    delete_on_termination: bool | None = None
    attach_time: Any = None


class Volume(Resource, rename="pascal", frozen=True):
    """A DescribeVolumes item."""

    TYPE: ClassVar[str] = "AWS::EC2::Volume"
    ARN_FIELD: ClassVar[str] = "volume_id"

    volume_id: str = ""
    encrypted: bool | None = None
    kms_key_id: str | None = None
    size: int | None = None
    volume_type: str | None = None
    state: str | None = None
    availability_zone: str | None = None
    snapshot_id: str | None = None
    attachments: tuple[VolumeAttachment, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()


class EbsEncryptionByDefault(Resource, rename="pascal", frozen=True):
    """The GetEbsEncryptionByDefault reply of a region (or ``aws_ebs_encryption_by_default``):
    new volumes are encrypted whatever their own ``Encrypted`` flag says."""

    TYPE: ClassVar[str] = "AWS::EC2::EBSEncryptionByDefault"

    ebs_encryption_by_default: bool | None = None
    sse_type: str | None = None

    @property
    def id(self) -> str:
        """The reply names nothing: the region's setting (or the Terraform address)."""
        return self.given_id or f"ebs-encryption-by-default/{self.region or '-'}"


class LaunchTemplateData(_P, frozen=True):
    block_device_mappings: tuple[BlockDeviceMapping, ...] = ()
    image_id: str | None = None
    instance_type: str | None = None
    user_data: str | None = None


class LaunchTemplate(Resource, rename="pascal", frozen=True):
    """A launch template version as DescribeLaunchTemplateVersions spells it (from templates and
    plans: ``AWS::EC2::LaunchTemplate``, ``aws_launch_template``)."""

    TYPE: ClassVar[str] = "AWS::EC2::LaunchTemplate"
    ARN_FIELD: ClassVar[str] = "launch_template_id"
    NAME_FIELD: ClassVar[str] = "launch_template_name"
    ALIAS_FIELDS: ClassVar[tuple[str, ...]] = ("launch_template_name",)

    launch_template_id: str = ""
    launch_template_name: str | None = None
    version_number: int | None = None
    launch_template_data: LaunchTemplateData | None = None


class PeeringVpcInfo(_P, frozen=True):
    vpc_id: str | None = None
    owner_id: str | None = None
    region: str | None = None
    cidr_block: str | None = None
    cidr_block_set: tuple[CidrAssoc, ...] = ()
    ipv6_cidr_block_set: tuple[CidrAssoc, ...] = ()


class PeeringStatus(_P, frozen=True):
    code: str | None = None
    message: str | None = None


class VpcPeeringConnection(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::VPCPeeringConnection"
    ARN_FIELD: ClassVar[str] = "vpc_peering_connection_id"

    vpc_peering_connection_id: str = ""
    accepter_vpc_info: PeeringVpcInfo | None = None
    requester_vpc_info: PeeringVpcInfo | None = None
    status: PeeringStatus | None = None
    tags: tuple[Ec2Tag, ...] = ()


class VpcEndpoint(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::VPCEndpoint"
    ARN_FIELD: ClassVar[str] = "vpc_endpoint_id"
    NAME_FIELD: ClassVar[str] = "service_name"

    vpc_endpoint_id: str = ""
    vpc_endpoint_type: str | None = None
    vpc_id: str | None = None
    service_name: str | None = None
    state: str | None = None
    policy_document: str | dict[str, Any] | None = None
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    groups: tuple[GroupIdentifier, ...] = ()
    private_dns_enabled: bool | None = None
    tags: tuple[Ec2Tag, ...] = ()


class PrefixListEntry(_P, frozen=True):
    cidr: str = ""
    description: str | None = None


class ManagedPrefixList(Resource, rename="pascal", frozen=True):
    TYPE: ClassVar[str] = "AWS::EC2::PrefixList"
    ARN_FIELD: ClassVar[str] = "prefix_list_id"
    NAME_FIELD: ClassVar[str] = "prefix_list_name"

    prefix_list_id: str = ""
    prefix_list_name: str | None = None
    address_family: str | None = None
    state: str | None = None
    max_entries: int | None = None
    owner_id: str | None = None
    entries: tuple[PrefixListEntry, ...] = ()
    tags: tuple[Ec2Tag, ...] = ()
