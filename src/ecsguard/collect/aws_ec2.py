"""The ``ec2`` section: the network facts scoping needs (VPCs, subnets, security groups and
their rules with ids, routes, NACLs, ENIs, instances, peering, endpoints, prefix lists), and the
EBS volumes and default EBS encryption that container-instance storage is judged by."""

from __future__ import annotations

from typing import Any

from ecsguard.collect.aws_calls import Caller

# snapshot key -> (operation, result key); every one is a plain paginated describe.
LISTS: dict[str, tuple[str, str]] = {
    "vpcs": ("DescribeVpcs", "Vpcs"),
    "subnets": ("DescribeSubnets", "Subnets"),
    "securityGroups": ("DescribeSecurityGroups", "SecurityGroups"),
    "securityGroupRules": ("DescribeSecurityGroupRules", "SecurityGroupRules"),
    "routeTables": ("DescribeRouteTables", "RouteTables"),
    "networkAcls": ("DescribeNetworkAcls", "NetworkAcls"),
    "networkInterfaces": ("DescribeNetworkInterfaces", "NetworkInterfaces"),
    "vpcPeeringConnections": ("DescribeVpcPeeringConnections", "VpcPeeringConnections"),
    "vpcEndpoints": ("DescribeVpcEndpoints", "VpcEndpoints"),
    "volumes": ("DescribeVolumes", "Volumes"),
}


def collect_ec2(caller: Caller) -> dict[str, list[Any]]:
    lists = caller.fan_out(list(LISTS.values()), lambda spec: caller.pages(*spec) or [])
    section: dict[str, list[Any]] = dict(zip(LISTS, lists, strict=True))
    section["instances"] = _instances(caller)
    section["managedPrefixLists"] = _prefix_lists(caller)
    default = caller.call("GetEbsEncryptionByDefault", expect="EbsEncryptionByDefault")
    section["ebsEncryptionByDefault"] = [default] if default is not None else []
    return section


def _instances(caller: Caller) -> list[dict[str, Any]]:
    reservations = caller.pages("DescribeInstances", "Reservations") or []
    return [i for r in reservations for i in r.get("Instances") or []]


def _prefix_lists(caller: Caller) -> list[dict[str, Any]]:
    """Prefix lists with their CIDRs under ``Entries``, since SG rules cite them by id only."""
    lists = caller.pages("DescribeManagedPrefixLists", "PrefixLists") or []
    for prefix_list in lists:
        pl_id = prefix_list.get("PrefixListId", "")
        entries = caller.pages("GetManagedPrefixListEntries", "Entries", pl_id, PrefixListId=pl_id)
        if entries is not None:
            prefix_list["Entries"] = entries
    return lists
