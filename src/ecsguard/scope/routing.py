"""Can packets get from one subnet to another at all? Local VPC routes, peering, transit gateway,
and the stateless network ACLs on the way (PCI_SCOPING §2.5)."""

from __future__ import annotations

from ecsguard.model import Inventory, ec2
from ecsguard.scope import ports as P
from ecsguard.scope.netid import NetClass, Range, cidr_range, overlaps, within

NACL_PROTO = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "-1"}


class Router:
    """Route and NACL evaluation with caches keyed by subnet pairs."""

    def __init__(self, inv: Inventory, prefix_lists: dict[str, list[tuple[int, Range]]]) -> None:
        self.prefix_lists = prefix_lists
        self.peerings: dict[frozenset[str], str] = {}
        for pcx in inv.vpc_peering_connections:
            status = pcx.status.code if pcx.status else "active"
            a = pcx.accepter_vpc_info.vpc_id if pcx.accepter_vpc_info else None
            r = pcx.requester_vpc_info.vpc_id if pcx.requester_vpc_info else None
            if a and r and (status or "active") == "active":
                self.peerings[frozenset((a, r))] = pcx.vpc_peering_connection_id or pcx.id
        self.main_rt: dict[str, ec2.RouteTable] = {}
        self.subnet_rt: dict[str, ec2.RouteTable] = {}
        self.vpcs_with_rts: set[str] = set()
        for rt in inv.route_tables:
            if rt.vpc_id:
                self.vpcs_with_rts.add(rt.vpc_id)
            for assoc in rt.associations:
                if assoc.main and rt.vpc_id:
                    self.main_rt[rt.vpc_id] = rt
                elif assoc.subnet_id:
                    self.subnet_rt[assoc.subnet_id] = rt
        self.subnet_nacl: dict[str, ec2.NetworkAcl] = {}
        self.default_nacl: dict[str, ec2.NetworkAcl] = {}
        for acl in inv.network_acls:
            if acl.is_default and acl.vpc_id:
                self.default_nacl[acl.vpc_id] = acl
            for na in acl.associations:
                if na.subnet_id:
                    self.subnet_nacl[na.subnet_id] = acl
        self._route_cache: dict[tuple[object, ...], tuple[str | None, list[str]]] = {}
        self._nacl_cache: dict[tuple[object, ...], P.PortSet | None] = {}

    def route_table(self, subnet: str | None, vpc: str | None) -> ec2.RouteTable | None:
        if subnet and subnet in self.subnet_rt:
            return self.subnet_rt[subnet]
        return self.main_rt.get(vpc or "")

    def path(self, s: NetClass, d: NetClass) -> tuple[str | None, list[str]]:
        """``(mode, evidence)``: mode is local | peering | tgw | None (no route)."""
        if s.vpc is None or d.vpc is None or s.vpc == d.vpc:
            return "local", []
        key = (
            s.subnet,
            d.subnet,
            s.vpc,
            d.vpc,
            s.index if s.concrete else -1,
            d.index if d.concrete else -1,
        )
        hit = self._route_cache.get(key)
        if hit is None:
            hit = self._path(s, d)
            self._route_cache[key] = hit
        return hit

    def _path(self, s: NetClass, d: NetClass) -> tuple[str | None, list[str]]:
        pcx = self.peerings.get(frozenset((s.vpc or "", d.vpc or "")))
        there = self._hop(s, d)
        back = self._hop(d, s)
        if pcx and there in (pcx, "assumed") and back in (pcx, "assumed"):
            ev = (
                [pcx]
                if there != "assumed" and back != "assumed"
                else [pcx, "routes assumed (route tables not in the input)"]
            )
            return "peering", ev
        if there and there.startswith("tgw-") and back and back.startswith("tgw-"):
            return "tgw", [there, "transit gateway route tables assumed to propagate"]
        return None, []

    def _hop(self, s: NetClass, d: NetClass) -> str | None:
        """The target of the route ``s``'s subnet uses towards ``d``'s addresses."""
        if s.vpc not in self.vpcs_with_rts:
            return "assumed"
        rt = self.route_table(s.subnet, s.vpc)
        if rt is None:
            return "assumed"
        for route in rt.routes:
            target = route.vpc_peering_connection_id or route.transit_gateway_id
            if not target or route.state == "blackhole":
                continue
            for version, (lo, hi) in self._route_dest(route):
                space = d.v4 if version == 4 else d.v6
                if overlaps(space, lo, hi):
                    return target
        return None

    def _route_dest(self, route: ec2.Route) -> list[tuple[int, Range]]:
        out: list[tuple[int, Range]] = []
        for cidr in (route.destination_cidr_block, route.destination_ipv6_cidr_block):
            parsed = cidr_range(cidr) if cidr else None
            if parsed:
                out.append(parsed)
        if route.destination_prefix_list_id:
            out += self.prefix_lists.get(route.destination_prefix_list_id, [])
        return out

    def nacl_ports(self, s: NetClass, d: NetClass) -> P.PortSet | None:
        """Ports both subnets' NACLs let through from ``s`` to ``d``; None: unrestricted."""
        if not self.subnet_nacl and not self.default_nacl:
            return None
        if s.subnet is not None and s.subnet == d.subnet:
            return None  # traffic inside a subnet does not cross its NACL
        out = self._acl(self._nacl(s), True, d)
        inn = self._acl(self._nacl(d), False, s)
        if out is None:
            return inn
        if inn is None:
            return out
        return P.intersect(out, inn)

    def controls(self, c: NetClass) -> list[str]:
        """Ids of the NACL and route table that bound a class's subnet (segmentation controls)."""
        out: list[str] = []
        acl = self._nacl(c)
        if acl is not None:
            out.append(acl.id)
        rt = self.route_table(c.subnet, c.vpc)
        if rt is not None:
            out.append(rt.id)
        return out

    def _nacl(self, c: NetClass) -> ec2.NetworkAcl | None:
        if c.subnet and c.subnet in self.subnet_nacl:
            return self.subnet_nacl[c.subnet]
        return self.default_nacl.get(c.vpc or "")

    def _acl(self, acl: ec2.NetworkAcl | None, egress: bool, peer: NetClass) -> P.PortSet | None:
        if acl is None:
            return None
        key = (acl.network_acl_id, egress, peer.v4, peer.v6)
        if key in self._nacl_cache:
            return self._nacl_cache[key]
        result = _evaluate_acl(acl, egress, peer)
        self._nacl_cache[key] = result
        return result


def _evaluate_acl(acl: ec2.NetworkAcl, egress: bool, peer: NetClass) -> P.PortSet | None:
    """First-match evaluation; a partially matching allow counts (some addresses pass)."""
    entries = sorted(
        (e for e in acl.entries if bool(e.egress) == egress), key=lambda e: e.rule_number
    )
    decided: P.PortSet = {}
    allowed: P.PortSet = {}
    for entry in entries:
        cidr = entry.cidr_block or entry.ipv6_cidr_block
        parsed = cidr_range(cidr) if cidr else None
        if parsed is None:
            continue
        version, (lo, hi) = parsed
        space = peer.v4 if version == 4 else peer.v6
        if space is not None and not overlaps(space, lo, hi):
            continue
        proto = NACL_PROTO.get(str(entry.protocol), str(entry.protocol))
        pr = entry.port_range
        lo_p = pr.from_ if pr and pr.from_ is not None else -1
        hi_p = pr.to if pr and pr.to is not None else -1
        eports = P.rule_ports(proto, lo_p, hi_p)
        fresh = P.subtract(eports, decided)
        if entry.rule_action == "allow":
            allowed = P.union(allowed, fresh)
        if space is not None and within(space, lo, hi):
            decided = P.union(decided, eports)
    if P.label(allowed) == "all":
        return None
    return allowed
