"""Repairs of known moto artefacts in the bundled sample snapshots, applied by ``build``.

moto gives the ENIs it creates for awsvpc tasks a random ``10.x.y.z`` address that is not in
the task's subnet (and an AZ that may not be the subnet's). Real ENIs take an address from
their subnet, and scoping reasons about CIDRs, so the sample would mislead: an SG rule
admitting the VPC's CIDR would match no task. The repair gives each such ENI the next free
address of its subnet, and rewrites the same address wherever the snapshot repeats it.
Nothing else in a collected snapshot is changed.
"""

from __future__ import annotations

import ipaddress
from typing import Any


def _dns_name(ip: str) -> str:
    return f"ip-{ip.replace('.', '-')}.ec2.internal"


def repair_task_enis(doc: dict[str, Any]) -> int:
    """Move task ENI addresses into their subnets in every region; returns how many moved."""
    moved = 0
    for region in doc.get("regions", {}).values():
        moved += _repair_region(region)
    return moved


def _repair_region(region: dict[str, Any]) -> int:
    ec2 = region["ec2"]
    subnets = {s["SubnetId"]: s for s in ec2["subnets"]}
    used = {e.get("PrivateIpAddress") for e in ec2["networkInterfaces"]}
    renamed: dict[str, str] = {}
    for eni in sorted(ec2["networkInterfaces"], key=lambda e: e["NetworkInterfaceId"]):
        subnet = subnets.get(eni.get("SubnetId", ""))
        old = eni.get("PrivateIpAddress", "")
        if subnet is None or not old:
            continue
        network = ipaddress.ip_network(subnet["CidrBlock"])
        if ipaddress.ip_address(old) in network:
            continue
        new = next(str(ip) for ip in list(network.hosts())[9:] if str(ip) not in used)
        used.add(new)
        renamed[old] = new
        eni["PrivateIpAddress"], eni["PrivateDnsName"] = new, _dns_name(new)
        eni["AvailabilityZone"] = subnet["AvailabilityZone"]
        for address in eni.get("PrivateIpAddresses", []):
            if address.get("PrivateIpAddress") == old:
                address["PrivateIpAddress"], address["PrivateDnsName"] = new, _dns_name(new)
    for task in region["ecs"]["tasks"]:
        for attachment in task.get("attachments", []):
            for detail in attachment.get("details", []):
                value = str(detail.get("value", ""))
                if detail.get("name") == "privateIPv4Address" and value in renamed:
                    detail["value"] = renamed[value]
                elif detail.get("name") == "privateDnsName":
                    ip = value.removeprefix("ip-").split(".")[0].replace("-", ".")
                    if ip in renamed:
                        detail["value"] = _dns_name(renamed[ip])
    return len(renamed)
