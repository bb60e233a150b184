"""Network identity classes: (VPC, subnet, security-group set, addresses) shared by components.

Reachability is computed between classes, not between tasks: every task of a service shares
its service's class, bridge/host tasks take their container instance's class. A class's
addresses are its subnet's CIDRs (any task may get any address there) or, for fixed ENIs,
the ENI's own addresses.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ecsguard.model import Inventory, ec2

Range = tuple[int, int]


def cidr_range(cidr: str) -> tuple[int, Range] | None:
    """``(ip version, (first, last))`` of a CIDR or address; None when it does not parse."""
    try:
        net = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None
    return net.version, (int(net.network_address), int(net.broadcast_address))


WORLD = {"0.0.0.0/0", "::/0"}


@dataclass
class NetClass:
    index: int
    vpc: str | None
    subnet: str | None
    sgs: frozenset[str]
    v4: tuple[Range, ...] | None  # None: addresses unknown (subnet not in the inventory)
    v6: tuple[Range, ...] | None
    concrete: bool
    unknown: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        sgs = "+".join(sorted(self.sgs)) or "no-sg"
        return f"{self.vpc or '?'}/{self.subnet or '?'}/{sgs}"


@dataclass
class SubnetInfo:
    vpc: str | None
    v4: tuple[Range, ...]
    v6: tuple[Range, ...]


class Network:
    """Lookups over the inventory's network records plus the registry of identity classes."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.subnets: dict[str, SubnetInfo] = {}
        for sn in inv.subnets:
            v4 = _ranges([sn.cidr_block] if sn.cidr_block else [], 4)
            v6 = _ranges([a.ipv6_cidr_block or "" for a in sn.ipv6_cidr_block_association_set], 6)
            self.subnets[sn.subnet_id or sn.id] = SubnetInfo(sn.vpc_id, v4, v6)
        self.sgs: dict[str, ec2.SecurityGroup] = {}
        for sg in inv.security_groups:
            self.sgs[sg.group_id or sg.id] = sg
            if sg.id not in self.sgs:
                self.sgs[sg.id] = sg
        self.enis: dict[str, ec2.NetworkInterface] = {
            e.network_interface_id or e.id: e for e in inv.network_interfaces
        }
        self.vpc_space: dict[str, tuple[tuple[Range, ...], tuple[Range, ...]]] = {}
        for vpc in inv.vpcs:
            v4c = [vpc.cidr_block or ""] + [
                a.cidr_block or "" for a in vpc.cidr_block_association_set
            ]
            v6c = [a.ipv6_cidr_block or "" for a in vpc.ipv6_cidr_block_association_set]
            self.vpc_space[vpc.vpc_id or vpc.id] = (_ranges(v4c, 4), _ranges(v6c, 6))
        self.classes: list[NetClass] = []
        self._keys: dict[tuple[object, ...], int] = {}

    def sg_vpc(self, sgs: frozenset[str]) -> str | None:
        for gid in sorted(sgs):
            sg = self.sgs.get(gid)
            if sg is not None and sg.vpc_id:
                return sg.vpc_id
        return None

    def klass(
        self,
        subnet: str | None,
        sgs: frozenset[str],
        ips: tuple[str, ...] = (),
        vpc: str | None = None,
    ) -> NetClass:
        """The class of an interface in ``subnet`` with ``sgs``; fixed ``ips`` when known."""
        key = (subnet, sgs, ips, vpc if subnet is None else None)
        found = self._keys.get(key)
        if found is not None:
            return self.classes[found]
        info = self.subnets.get(subnet or "")
        unknown: list[str] = []
        if ips:
            v4: tuple[Range, ...] | None = _ranges(list(ips), 4)
            v6: tuple[Range, ...] | None = _ranges(list(ips), 6)
        elif info is not None:
            v4, v6 = info.v4, info.v6
        else:
            v4 = v6 = None
            unknown.append(
                f"subnet {subnet} is not in the inventory: its addresses are unknown"
                if subnet
                else "no subnet known: addresses unknown"
            )
        cls_vpc = (info.vpc if info else None) or vpc or self.sg_vpc(sgs)
        for gid in sorted(sgs):
            sg = self.sgs.get(gid)
            if sg is None:
                unknown.append(
                    f"security group {gid} is not in the inventory: its rules are unknown"
                )
            elif sg.unknown:
                unknown.append(f"security group {gid} has values the input did not determine")
        cls = NetClass(len(self.classes), cls_vpc, subnet, sgs, v4, v6, bool(ips), unknown)
        self.classes.append(cls)
        self._keys[key] = cls.index
        return cls

    def eni_class(self, eni_id: str) -> NetClass | None:
        eni = self.enis.get(eni_id)
        if eni is None:
            return None
        ips = [eni.private_ip_address or ""] + [
            p.private_ip_address or "" for p in eni.private_ip_addresses
        ]
        ips += [a.ipv6_address or "" for a in eni.ipv6_addresses]
        fixed = tuple(sorted({ip for ip in ips if ip}))
        sgs = frozenset(g.group_id for g in eni.groups if g.group_id)
        return self.klass(eni.subnet_id, sgs, fixed, eni.vpc_id)


def _ranges(cidrs: list[str], version: int) -> tuple[Range, ...]:
    out: list[Range] = []
    for cidr in cidrs:
        if not cidr:
            continue
        parsed = cidr_range(cidr)
        if parsed and parsed[0] == version:
            out.append(parsed[1])
    return tuple(sorted(set(out)))


class AddressIndex:
    """Finds the classes whose addresses overlap a range, per IP version."""

    def __init__(self, classes: list[NetClass]) -> None:
        self._rows: dict[int, tuple[list[int], list[tuple[int, int, int]], int]] = {}
        self.unknown: list[int] = [c.index for c in classes if c.v4 is None]
        for version in (4, 6):
            rows: list[tuple[int, int, int]] = []
            for c in classes:
                space = c.v4 if version == 4 else c.v6
                for lo, hi in space or ():
                    rows.append((lo, hi, c.index))
            rows.sort()
            span = max((hi - lo for lo, hi, _ in rows), default=0)
            self._rows[version] = ([r[0] for r in rows], rows, span)

    def overlapping(self, version: int, lo: int, hi: int) -> set[int]:
        los, rows, span = self._rows[version]
        start = bisect_left(los, lo - span)
        stop = bisect_right(los, hi)
        out = {idx for rlo, rhi, idx in rows[start:stop] if rhi >= lo and rlo <= hi}
        if version == 4:
            out.update(self.unknown)
        return out


def overlaps(space: tuple[Range, ...] | None, lo: int, hi: int) -> bool:
    if space is None:
        return True  # unknown addresses: assume a match (fail closed: more scope, not less)
    return any(rhi >= lo and rlo <= hi for rlo, rhi in space)


def within(space: tuple[Range, ...] | None, lo: int, hi: int) -> bool:
    if not space:
        return False
    return all(rlo >= lo and rhi <= hi for rlo, rhi in space)
