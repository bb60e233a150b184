"""Terraform EC2 network resources to EC2 API shapes. Security-group rules, inline blocks or
separate ``aws_security_group_rule`` / ``aws_vpc_security_group_*_rule`` resources, are first
spelt as CloudFormation-style rules so one routine (``cfn_network``) builds IpPermissions."""

from __future__ import annotations

from typing import Any

from ecsguard.collect import cfn_network
from ecsguard.collect.tf_common import as_list, blocks, one, pick, present, tag_list
from ecsguard.model import Unknown

Item = dict[str, Any]


def vpc(rid: str, values: Item) -> Item:
    out = {"VpcId": rid, **pick(values, {"cidr_block": "CidrBlock"})}
    return {**out, "IsDefault": False, "Tags": tag_list(values)}


def subnet(rid: str, values: Item) -> Item:
    table = {
        "vpc_id": "VpcId",
        "cidr_block": "CidrBlock",
        "availability_zone": "AvailabilityZone",
        "map_public_ip_on_launch": "MapPublicIpOnLaunch",
        "arn": "SubnetArn",
    }
    return {"SubnetId": rid, **pick(values, table), "Tags": tag_list(values)}


def _ports(rule: Item, proto_key: str) -> Item:
    proto = rule.get(proto_key, "-1")
    out: Item = {"IpProtocol": proto}
    if not isinstance(proto, Unknown) and str(proto).lower() not in ("-1", "all"):
        for tf, cfn in (("from_port", "FromPort"), ("to_port", "ToPort")):
            if present(rule.get(tf)):
                out[cfn] = rule[tf]
    if present(rule.get("description")):
        out["Description"] = rule["description"]
    return out


def block_rules(rule: Any, group: str, egress: bool) -> list[Any]:
    """One ``ingress``/``egress`` block or ``aws_security_group_rule`` as neutral rules."""
    if not isinstance(rule, dict):
        return [rule]
    base = _ports(rule, "protocol")
    side = "Destination" if egress else "Source"
    out: list[Any] = []
    for key, cfn in (("cidr_blocks", "CidrIp"), ("ipv6_cidr_blocks", "CidrIpv6")):
        values = rule.get(key)
        if isinstance(values, Unknown):
            out.append({**base, cfn: values})
        elif isinstance(values, list):
            out += [{**base, cfn: v} for v in values]
    lists = rule.get("prefix_list_ids")
    for value in lists if isinstance(lists, list) else []:
        out.append({**base, f"{side}PrefixListId": value})
    peers = as_list(rule.get("security_groups")) or []
    if present(rule.get("source_security_group_id")):
        peers = [*peers, rule["source_security_group_id"]] if isinstance(peers, list) else peers
    if rule.get("self"):
        peers = [*peers, group] if isinstance(peers, list) else peers
    for peer in peers if isinstance(peers, list) else [peers]:
        out.append({**base, f"{side}SecurityGroupId": peer})
    return out


def vpc_rule(values: Item, egress: bool) -> Item:
    """``aws_vpc_security_group_ingress_rule`` / ``..._egress_rule`` as one neutral rule."""
    out = _ports(values, "ip_protocol")
    side = "Destination" if egress else "Source"
    for tf, cfn in (
        ("cidr_ipv4", "CidrIp"),
        ("cidr_ipv6", "CidrIpv6"),
        ("prefix_list_id", f"{side}PrefixListId"),
        ("referenced_security_group_id", f"{side}SecurityGroupId"),
    ):
        if present(values.get(tf)):
            out[cfn] = values[tf]
    return out


def security_group(rid: str, values: Item) -> Item:
    out: Item = {"GroupId": rid}
    out.update(pick(values, {"name": "GroupName", "description": "Description", "vpc_id": "VpcId"}))
    for key, api, egress in (
        ("ingress", "IpPermissions", False),
        ("egress", "IpPermissionsEgress", True),
    ):
        rules = values.get(key)
        # Unset inline rules are computed and absent here (tf_values.COMPUTED); on create
        # Terraform removes the default egress rule, so the group ends with exactly the
        # separate rule resources folded in. Configured but unknown rules stay unknown.
        if rules is None or isinstance(rules, Unknown):
            out[api] = [] if rules is None else rules
            continue
        neutral = [r for block in blocks(rules) for r in block_rules(block, rid, egress)]
        out[api] = cfn_network.merge([cfn_network.permission(r) for r in neutral])
    out["Tags"] = tag_list(values)
    return out


def route_table(rid: str, values: Item) -> Item:
    routes = []
    for block in blocks(values.get("route")):
        if not isinstance(block, dict):
            continue
        routes.append({**route(block), "State": "active", "Origin": "CreateRoute"})
    out = {"RouteTableId": rid, **pick(values, {"vpc_id": "VpcId"})}
    return {**out, "Routes": routes, "Associations": [], "Tags": tag_list(values)}


_ROUTE = {
    "cidr_block": "DestinationCidrBlock",
    "destination_cidr_block": "DestinationCidrBlock",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_prefix_list_id": "DestinationPrefixListId",
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "transit_gateway_id": "TransitGatewayId",
    "vpc_peering_connection_id": "VpcPeeringConnectionId",
    "network_interface_id": "NetworkInterfaceId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
    "vpc_endpoint_id": "GatewayId",
}


def route(values: Item) -> Item:
    return {**pick(values, _ROUTE), "State": "active", "Origin": "CreateRoute"}


def network_acl(rid: str, values: Item) -> Item:
    entries = []
    for key, egress in (("ingress", False), ("egress", True)):
        for block in blocks(values.get(key)):
            if isinstance(block, dict):
                entries.append(nacl_entry({**block, "egress": egress}))
    out: Item = {"NetworkAclId": rid, **pick(values, {"vpc_id": "VpcId"}), "IsDefault": False}
    subnets = values.get("subnet_ids")
    if isinstance(subnets, list):
        out["Associations"] = [{"SubnetId": s} for s in subnets if isinstance(s, str)]
    return {**out, "Entries": entries, "Tags": tag_list(values)}


def nacl_entry(values: Item) -> Item:
    out = pick(
        values,
        {
            "rule_no": "RuleNumber",
            "rule_number": "RuleNumber",
            "protocol": "Protocol",
            "action": "RuleAction",
            "rule_action": "RuleAction",
            "cidr_block": "CidrBlock",
            "ipv6_cidr_block": "Ipv6CidrBlock",
        },
    )
    out["Egress"] = bool(values.get("egress"))
    proto = str(out.get("Protocol", "-1"))
    out["Protocol"] = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1"}.get(proto, proto)
    if present(values.get("from_port")) and out["Protocol"] != "-1":
        out["PortRange"] = {"From": values.get("from_port"), "To": values.get("to_port")}
    return out


def peering(rid: str, values: Item) -> Item:
    accepter = pick(
        values, {"peer_vpc_id": "VpcId", "peer_owner_id": "OwnerId", "peer_region": "Region"}
    )
    out: Item = {"VpcPeeringConnectionId": rid, "AccepterVpcInfo": accepter}
    out["RequesterVpcInfo"] = pick(values, {"vpc_id": "VpcId"})
    return {**out, "Tags": tag_list(values)}


def vpc_endpoint(rid: str, values: Item) -> Item:
    table = {
        "vpc_endpoint_type": "VpcEndpointType",
        "vpc_id": "VpcId",
        "service_name": "ServiceName",
        "policy": "PolicyDocument",
        "route_table_ids": "RouteTableIds",
        "subnet_ids": "SubnetIds",
        "private_dns_enabled": "PrivateDnsEnabled",
    }
    out: Item = {"VpcEndpointId": rid, **pick(values, table)}
    groups = as_list(values.get("security_group_ids"))
    if isinstance(groups, list):
        out["Groups"] = [{"GroupId": g} for g in groups]
    elif isinstance(groups, Unknown):
        out["Groups"] = groups
    return {**out, "Tags": tag_list(values)}


def prefix_list(rid: str, values: Item) -> Item:
    table = {
        "name": "PrefixListName",
        "address_family": "AddressFamily",
        "max_entries": "MaxEntries",
    }
    out: Item = {"PrefixListId": rid, **pick(values, table)}
    out["Entries"] = [
        pick(e, {"cidr": "Cidr", "description": "Description"})
        for e in blocks(values.get("entry"))
        if isinstance(e, dict)
    ]
    return {**out, "Tags": tag_list(values)}


def instance(rid: str, values: Item) -> Item:
    table = {
        "ami": "ImageId",
        "instance_type": "InstanceType",
        "subnet_id": "SubnetId",
        "private_ip": "PrivateIpAddress",
        "public_ip": "PublicIpAddress",
    }
    out: Item = {"InstanceId": rid, **pick(values, table)}
    groups = as_list(values.get("vpc_security_group_ids"))
    if isinstance(groups, list):
        out["SecurityGroups"] = [{"GroupId": g} for g in groups]
    elif isinstance(groups, Unknown):
        out["SecurityGroups"] = groups
    metadata = one(values.get("metadata_options"))
    if isinstance(metadata, dict):
        out["MetadataOptions"] = pick(
            metadata,
            {
                "http_tokens": "HttpTokens",
                "http_put_response_hop_limit": "HttpPutResponseHopLimit",
                "http_endpoint": "HttpEndpoint",
                "instance_metadata_tags": "InstanceMetadataTags",
            },
        )
    if present(values.get("iam_instance_profile")):
        out["IamInstanceProfile"] = {"Arn": values["iam_instance_profile"]}
    out["BlockDeviceMappings"] = _instance_block_devices(values)
    return {**out, "Tags": tag_list(values)}


# Terraform EBS attribute -> RunInstances ``Ebs`` key
_EBS = {
    "encrypted": "Encrypted",
    "kms_key_id": "KmsKeyId",
    "volume_size": "VolumeSize",
    "volume_type": "VolumeType",
    "snapshot_id": "SnapshotId",
    "delete_on_termination": "DeleteOnTermination",
}


def _ebs(block: Any, computed_flag: bool = False) -> Any:
    """``computed_flag``: ``encrypted`` is Optional+Computed (aws_instance), so a plan shows an
    unset flag as known-after-apply; it is then treated as unset."""
    if not isinstance(block, dict):
        return block  # an Unknown marker
    out = pick(block, _EBS)
    encrypted = out.get("Encrypted")
    if isinstance(encrypted, str):  # aws_launch_template: "true" | "false" | "" (unset)
        if encrypted in ("true", "false"):
            out["Encrypted"] = encrypted == "true"
        else:
            del out["Encrypted"]
    elif computed_flag and isinstance(encrypted, Unknown):
        del out["Encrypted"]
    return out


def _instance_block_devices(values: Item) -> list[Any]:
    """``root_block_device`` and ``ebs_block_device`` as RunInstances mappings; the root one is
    named ``root`` when the plan does not know its device name yet. Both blocks are
    Optional+Computed: left out of the configuration they are known only after apply, and then
    mean "the AMI's own mappings" (no mapping here), which is what a template without
    ``BlockDeviceMappings`` means too."""
    out: list[Any] = []
    root = one(values.get("root_block_device"))
    if isinstance(root, dict):
        name = root.get("device_name")
        device = name if isinstance(name, str) and name else "root"
        out.append({"DeviceName": device, "Ebs": _ebs(root, computed_flag=True)})
    extra = values.get("ebs_block_device")
    for block in extra if isinstance(extra, list) else []:
        if isinstance(block, dict):
            ebs = _ebs(block, computed_flag=True)
            out.append({"DeviceName": block.get("device_name"), "Ebs": ebs})
    return out


def launch_template(rid: str, values: Item) -> Item:
    out: Item = {"LaunchTemplateId": rid, **pick(values, {"name": "LaunchTemplateName"})}
    data = pick(
        values, {"image_id": "ImageId", "instance_type": "InstanceType", "user_data": "UserData"}
    )
    mappings: list[Any] = []
    for block in blocks(values.get("block_device_mappings")):
        if isinstance(block, Unknown):
            data["BlockDeviceMappings"] = block
            break
        item: Item = pick(block, {"device_name": "DeviceName", "no_device": "NoDevice"})
        ebs = one(block.get("ebs"))
        if ebs is not None:
            item["Ebs"] = _ebs(ebs)
        mappings.append(item)
    else:
        data["BlockDeviceMappings"] = mappings
    out["LaunchTemplateData"] = data
    return out


def ebs_encryption_by_default(rid: str, values: Item) -> Item:
    return {"EbsEncryptionByDefault": values.get("enabled", True)}
