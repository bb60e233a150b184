"""CloudFormation EC2 network resources to EC2 API shapes: VPCs, subnets, security groups and
their separate rule resources, route tables, network ACLs, peering, endpoints, prefix lists.
"""

from __future__ import annotations

from typing import Any

from ecsguard.model import Unknown

Item = dict[str, Any]


def tags(value: Any) -> Any:
    """CloudFormation ``[{Key, Value}]`` tags as the EC2 API's ``[{Key, Value}]`` (kept)."""
    if isinstance(value, Unknown) or not isinstance(value, list):
        return value if isinstance(value, Unknown) else []
    return [t for t in value if isinstance(t, dict)]


def pick(props: Item, table: dict[str, str]) -> Item:
    """Copy only the listed properties, renamed: nothing unlisted (such as a secret) leaks."""
    return {api: props[cfn] for cfn, api in table.items() if cfn in props}


def vpc(lid: str, props: Item) -> Item:
    out = pick(props, {"CidrBlock": "CidrBlock"})
    return {"VpcId": lid, **out, "Tags": tags(props.get("Tags"))}


def subnet(lid: str, props: Item) -> Item:
    table = {
        "VpcId": "VpcId",
        "CidrBlock": "CidrBlock",
        "AvailabilityZone": "AvailabilityZone",
        "MapPublicIpOnLaunch": "MapPublicIpOnLaunch",
    }
    return {"SubnetId": lid, **pick(props, table), "Tags": tags(props.get("Tags"))}


# Peer keys of a CloudFormation rule -> (peer kind, IpPermission list, item key)
_PEERS = {
    "CidrIp": ("cidr4", "IpRanges", "CidrIp"),
    "CidrIpv6": ("cidr6", "Ipv6Ranges", "CidrIpv6"),
    "SourcePrefixListId": ("prefix_list", "PrefixListIds", "PrefixListId"),
    "DestinationPrefixListId": ("prefix_list", "PrefixListIds", "PrefixListId"),
    "SourceSecurityGroupId": ("sg", "UserIdGroupPairs", "GroupId"),
    "DestinationSecurityGroupId": ("sg", "UserIdGroupPairs", "GroupId"),
    "SourceSecurityGroupName": ("sg_name", "UserIdGroupPairs", "GroupName"),
}
_RECORD_PEER = {
    "cidr4": "CidrIpv4",
    "cidr6": "CidrIpv6",
    "prefix_list": "PrefixListId",
}
ALL_EGRESS: Item = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def permission(rule: Any) -> Item | Unknown:
    """One CloudFormation rule (inline or separate resource) as one API IpPermission."""
    if not isinstance(rule, dict):
        return rule if isinstance(rule, Unknown) else Unknown("rule is not a mapping")
    proto = rule.get("IpProtocol", "-1")
    perm: Item = {"IpProtocol": proto if isinstance(proto, Unknown) else str(proto).lower()}
    if perm["IpProtocol"] not in ("-1", "all"):
        for key in ("FromPort", "ToPort"):
            if key in rule:
                perm[key] = rule[key]
    for cfn_key, (_kind, list_key, item_key) in _PEERS.items():
        if cfn_key not in rule:
            continue
        peer = rule[cfn_key]
        entry: Any = Unknown(f"{cfn_key} is not determined") if isinstance(peer, Unknown) else {}
        if isinstance(entry, dict):
            entry[item_key] = peer
            if "Description" in rule:
                entry["Description"] = rule["Description"]
            if cfn_key == "SourceSecurityGroupId" and "SourceSecurityGroupOwnerId" in rule:
                entry["UserId"] = rule["SourceSecurityGroupOwnerId"]
        perm.setdefault(list_key, []).append(entry)
    if any(isinstance(perm.get(k), Unknown) for k in ("IpProtocol", "FromPort", "ToPort")):
        # A rule without its protocol or ports would read as "all ports": unknown instead.
        return Unknown("protocol or ports of a rule are not determined")
    return perm


def merge(perms: list[Any]) -> list[Any]:
    """Group permissions with one protocol and port range into one item, as the API does."""
    out: list[Any] = []
    by_key: dict[tuple[Any, ...], Item] = {}
    for perm in perms:
        if not isinstance(perm, dict) or any(
            isinstance(perm.get(k), Unknown) for k in ("IpProtocol", "FromPort", "ToPort")
        ):
            out.append(perm)
            continue
        key = (perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"))
        if key not in by_key:
            by_key[key] = {k: (list(v) if isinstance(v, list) else v) for k, v in perm.items()}
            out.append(by_key[key])
            continue
        for list_key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
            if perm.get(list_key):
                by_key[key].setdefault(list_key, []).extend(perm[list_key])
    return out


def security_group(lid: str, props: Item) -> Item:
    ingress = props.get("SecurityGroupIngress", [])
    egress = props.get("SecurityGroupEgress")
    out: Item = {"GroupId": lid}
    out.update(
        pick(props, {"GroupName": "GroupName", "GroupDescription": "Description", "VpcId": "VpcId"})
    )
    out["IpPermissions"] = _perms(ingress)
    # Without SecurityGroupEgress, EC2 gives a VPC group its default allow-all egress rule.
    out["IpPermissionsEgress"] = [dict(ALL_EGRESS)] if egress is None else _perms(egress)
    out["Tags"] = tags(props.get("Tags"))
    return out


def _perms(rules: Any) -> Any:
    if isinstance(rules, Unknown):
        return rules
    if not isinstance(rules, list):
        return Unknown("rules are not a list")
    return merge([permission(rule) for rule in rules])


def rule_record(lid: str, props: Item, egress: bool) -> list[Item]:
    """``ec2.securityGroupRules`` items for a separate rule resource (one per peer)."""
    perm = permission(props)
    group = props.get("GroupId")
    if isinstance(perm, Unknown) or not isinstance(group, str):
        return []
    base: Item = {"SecurityGroupRuleId": lid, "GroupId": group, "IsEgress": egress}
    for key in ("IpProtocol", "FromPort", "ToPort"):
        if key in perm:
            base[key] = perm[key]
    if "Description" in props:
        base["Description"] = props["Description"]
    out = []
    for cfn_key, (kind, _list_key, _item_key) in _PEERS.items():
        peer = props.get(cfn_key)
        if not isinstance(peer, str) or kind == "sg_name":
            continue
        if kind == "sg":
            out.append({**base, "ReferencedGroupInfo": {"GroupId": peer}})
        else:
            out.append({**base, _RECORD_PEER[kind]: peer})
    if any(_has_unknown(v) for item in out for v in item.values()):
        return []
    return out


def _has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    return isinstance(value, Unknown)


_ROUTE = {
    key: key
    for key in (
        "DestinationCidrBlock",
        "DestinationIpv6CidrBlock",
        "DestinationPrefixListId",
        "GatewayId",
        "NatGatewayId",
        "TransitGatewayId",
        "VpcPeeringConnectionId",
        "InstanceId",
        "NetworkInterfaceId",
        "EgressOnlyInternetGatewayId",
    )
}


def route_table(lid: str, props: Item) -> Item:
    out = {"RouteTableId": lid, **pick(props, {"VpcId": "VpcId"})}
    return {**out, "Routes": [], "Associations": [], "Tags": tags(props.get("Tags"))}


def route(props: Item) -> Item:
    return {**pick(props, _ROUTE), "State": "active", "Origin": "CreateRoute"}


def network_acl(lid: str, props: Item) -> Item:
    out = {"NetworkAclId": lid, **pick(props, {"VpcId": "VpcId"}), "IsDefault": False}
    return {**out, "Entries": [], "Associations": [], "Tags": tags(props.get("Tags"))}


def nacl_entry(props: Item) -> Item:
    table = {
        "RuleNumber": "RuleNumber",
        "Protocol": "Protocol",
        "RuleAction": "RuleAction",
        "Egress": "Egress",
        "CidrBlock": "CidrBlock",
        "Ipv6CidrBlock": "Ipv6CidrBlock",
        "PortRange": "PortRange",
    }
    out = pick(props, table)
    out.setdefault("Egress", False)
    return out


def peering(lid: str, props: Item) -> Item:
    accepter = pick(props, {"PeerVpcId": "VpcId", "PeerOwnerId": "OwnerId", "PeerRegion": "Region"})
    out: Item = {"VpcPeeringConnectionId": lid, "AccepterVpcInfo": accepter}
    out["RequesterVpcInfo"] = pick(props, {"VpcId": "VpcId"})
    return {**out, "Tags": tags(props.get("Tags"))}


def vpc_endpoint(lid: str, props: Item) -> Item:
    table = {
        "VpcEndpointType": "VpcEndpointType",
        "VpcId": "VpcId",
        "ServiceName": "ServiceName",
        "PolicyDocument": "PolicyDocument",
        "RouteTableIds": "RouteTableIds",
        "SubnetIds": "SubnetIds",
        "PrivateDnsEnabled": "PrivateDnsEnabled",
    }
    out: Item = {"VpcEndpointId": lid, **pick(props, table)}
    out.setdefault("VpcEndpointType", "Gateway")
    groups = props.get("SecurityGroupIds")
    if isinstance(groups, list):
        out["Groups"] = [{"GroupId": g} for g in groups]
    elif isinstance(groups, Unknown):
        out["Groups"] = groups
    return out


def prefix_list(lid: str, props: Item) -> Item:
    table = {
        "PrefixListName": "PrefixListName",
        "AddressFamily": "AddressFamily",
        "MaxEntries": "MaxEntries",
        "Entries": "Entries",
    }
    return {"PrefixListId": lid, **pick(props, table), "Tags": tags(props.get("Tags"))}


def instance(lid: str, props: Item) -> Item:
    table = {"ImageId": "ImageId", "InstanceType": "InstanceType", "SubnetId": "SubnetId"}
    out: Item = {"InstanceId": lid, **pick(props, table)}
    groups = props.get("SecurityGroupIds")
    if isinstance(groups, list):
        out["SecurityGroups"] = [{"GroupId": g} for g in groups]
    elif isinstance(groups, Unknown):
        out["SecurityGroups"] = groups
    if "IamInstanceProfile" in props:
        out["IamInstanceProfile"] = {"Arn": props["IamInstanceProfile"]}
    if "BlockDeviceMappings" in props:
        out["BlockDeviceMappings"] = block_device_mappings(props["BlockDeviceMappings"])
    return {**out, "Tags": tags(props.get("Tags"))}


_EBS = ("Encrypted", "KmsKeyId", "VolumeSize", "VolumeType", "SnapshotId", "DeleteOnTermination")


def block_device_mappings(value: Any) -> Any:
    """RunInstances / launch-template mappings keep the API's keys (``Ebs.Encrypted``)."""
    if not isinstance(value, list):
        return value  # an Unknown marker, or a type the model will name
    out: list[Any] = []
    for mapping in value:
        if not isinstance(mapping, dict):
            out.append(mapping)
            continue
        item = pick(mapping, {k: k for k in ("DeviceName", "NoDevice", "VirtualName")})
        ebs = mapping.get("Ebs")
        if isinstance(ebs, dict):
            item["Ebs"] = pick(ebs, {k: k for k in _EBS})
        elif ebs is not None:
            item["Ebs"] = ebs
        out.append(item)
    return out


def launch_template(lid: str, props: Item) -> Item:
    out: Item = {
        "LaunchTemplateId": lid,
        **pick(props, {"LaunchTemplateName": "LaunchTemplateName"}),
    }
    data = props.get("LaunchTemplateData")
    if isinstance(data, dict):
        table = {"ImageId": "ImageId", "InstanceType": "InstanceType", "UserData": "UserData"}
        lt_data = pick(data, table)
        if "BlockDeviceMappings" in data:
            lt_data["BlockDeviceMappings"] = block_device_mappings(data["BlockDeviceMappings"])
        out["LaunchTemplateData"] = lt_data
    elif data is not None:
        out["LaunchTemplateData"] = data
    return out
