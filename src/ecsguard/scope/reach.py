"""Reachability between network identity classes: egress of the source ∩ ingress of the
destination, per protocol and port set, through routes and NACLs, with the SG rule ids as
evidence (PCI_SCOPING §2.5). Indexed by referenced group and address range so that a large
estate costs time in proportion to the rules, not to the square of the classes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ecsguard.model import Inventory
from ecsguard.model.ec2 import SgRule
from ecsguard.scope import ports as P
from ecsguard.scope.netid import WORLD, AddressIndex, NetClass, Network, Range, cidr_range, overlaps
from ecsguard.scope.policy import ScopePolicy
from ecsguard.scope.routing import Router


@dataclass
class Reach:
    """``src`` class can open connections to ``dst`` class on ``ports``."""

    ports: P.PortSet
    evidence: list[str]
    mode: str = "local"  # local | peering | tgw


@dataclass
class ReachResult:
    pairs: dict[tuple[int, int], Reach] = field(default_factory=dict)
    public: dict[int, tuple[P.PortSet, list[str]]] = field(default_factory=dict)
    wide_egress: dict[int, list[str]] = field(default_factory=dict)
    unknown: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class Peer:
    """A rule's peer resolved to address ranges or a group id."""

    rule: SgRule
    group: str | None
    ranges: tuple[tuple[int, Range], ...]
    world: bool
    unresolved: str = ""


def prefix_list_ranges(inv: Inventory) -> tuple[dict[str, list[tuple[int, Range]]], set[str]]:
    """Customer prefix lists expanded to ranges; the ids of AWS-managed service lists."""
    out: dict[str, list[tuple[int, Range]]] = {}
    aws: set[str] = set()
    for pl in inv.managed_prefix_lists:
        pid = pl.prefix_list_id or pl.id
        if (pl.owner_id or "").upper() == "AWS" or (pl.prefix_list_name or "").startswith(
            "com.amazonaws."
        ):
            aws.add(pid)
            continue
        out[pid] = [r for e in pl.entries if (r := cidr_range(e.cidr))]
    return out, aws


def resolve_peer(rule: SgRule, pls: dict[str, list[tuple[int, Range]]], aws_pls: set[str]) -> Peer:
    if rule.peer_kind == "sg":
        return Peer(rule, rule.peer or rule.group_id, (), False)
    if rule.peer_kind in ("cidr4", "cidr6"):
        parsed = cidr_range(rule.peer)
        if parsed is None:
            return Peer(rule, None, (), False, f"unparsable CIDR {rule.peer!r}")
        return Peer(rule, None, (parsed,), rule.peer in WORLD)
    if rule.peer in aws_pls:
        return Peer(rule, None, (), False)  # AWS service prefix lists never match an ENI
    if rule.peer in pls:
        return Peer(rule, None, tuple(pls[rule.peer]), False)
    return Peer(rule, None, (), False, f"prefix list {rule.peer} is not in the inventory")


def _matches(peer: Peer, c: NetClass) -> bool:
    if peer.group is not None:
        return peer.group in c.sgs
    return any(overlaps(c.v4 if v == 4 else c.v6, lo, hi) for v, (lo, hi) in peer.ranges)


class ReachEngine:
    def __init__(self, inv: Inventory, net: Network, policy: ScopePolicy) -> None:
        self.net = net
        self.policy = policy
        self.pls, self.aws_pls = prefix_list_ranges(inv)
        self.router = Router(inv, self.pls)
        self.ingress: dict[str, list[Peer]] = {}
        self.egress: dict[str, list[Peer]] = {}
        for gid, sg in net.sgs.items():
            if gid != (sg.group_id or sg.id):
                continue
            peers = [resolve_peer(r, self.pls, self.aws_pls) for r in sg.rules]
            self.ingress[gid] = [p for p in peers if p.rule.direction == "ingress"]
            self.egress[gid] = [p for p in peers if p.rule.direction == "egress"]

    def run(self) -> ReachResult:
        classes = self.net.classes
        res = ReachResult()
        by_sg: dict[str, list[int]] = defaultdict(list)
        for c in classes:
            for gid in c.sgs:
                by_sg[gid].append(c.index)
        addr = AddressIndex(classes)
        for c in classes:
            self._note_unknowns(c, res)
        candidates = self._ingress(classes, by_sg, addr, res)
        for (s, d), (ports, ev) in candidates.items():
            reach = self._pair(classes[s], classes[d], ports, ev)
            if reach is not None:
                res.pairs[(s, d)] = reach
        return res

    def _note_unknowns(self, c: NetClass, res: ReachResult) -> None:
        res.unknown[c.index].extend(c.unknown)
        wide: list[str] = []
        for gid in c.sgs:
            for peer in self.ingress.get(gid, []) + self.egress.get(gid, []):
                if peer.unresolved:
                    res.unknown[c.index].append(f"{peer.rule.rule_id}: {peer.unresolved}")
                elif peer.group and peer.group not in self.net.sgs:
                    res.unknown[c.index].append(
                        f"{peer.rule.rule_id}: references {peer.group}, not in the inventory "
                        "(another account, or a stale reference)"
                    )
                if peer.world and peer.rule.direction == "egress":
                    wide.append(peer.rule.rule_id)
        if wide:
            res.wide_egress[c.index] = sorted(wide)

    def _ingress(
        self,
        classes: list[NetClass],
        by_sg: dict[str, list[int]],
        addr: AddressIndex,
        res: ReachResult,
    ) -> dict[tuple[int, int], tuple[P.PortSet, list[str]]]:
        acc: dict[tuple[int, int], tuple[P.PortSet, list[str]]] = {}
        count_public = self.policy.public_entry_counts_as_connection
        for d in classes:
            public: P.PortSet = {}
            public_ev: list[str] = []
            local: dict[int, tuple[P.PortSet, list[str]]] = {}
            for gid in sorted(d.sgs):
                for peer in self.ingress.get(gid, ()):
                    rule = peer.rule
                    rp = P.rule_ports(rule.protocol, rule.from_port, rule.to_port)
                    if peer.world:
                        public = P.union(public, rp)
                        public_ev.append(rule.rule_id)
                        if not count_public:
                            continue
                    for s in self._sources(peer, by_sg, addr):
                        cur = local.get(s)
                        local[s] = (
                            (rp, [rule.rule_id])
                            if cur is None
                            else (P.union(cur[0], rp), [*cur[1], rule.rule_id])
                        )
            if public:
                res.public[d.index] = (public, public_ev)
            for s, (ps, ev) in local.items():
                if public and not count_public:
                    ps = P.subtract(ps, public)
                if ps:
                    acc[(s, d.index)] = (ps, ev)
        return acc

    def _sources(self, peer: Peer, by_sg: dict[str, list[int]], addr: AddressIndex) -> set[int]:
        if peer.group is not None:
            return set(by_sg.get(peer.group, ()))
        out: set[int] = set()
        for version, (lo, hi) in peer.ranges:
            out |= addr.overlapping(version, lo, hi)
        return out

    def _pair(self, s: NetClass, d: NetClass, ingress: P.PortSet, ev: list[str]) -> Reach | None:
        mode, route_ev = self.router.path(s, d)
        if mode is None:
            return None
        eg: P.PortSet = {}
        eg_ev: list[str] = []
        for gid in sorted(s.sgs):
            for peer in self.egress.get(gid, ()):
                if peer.group is not None and mode == "tgw":
                    continue  # SG references do not cross a transit gateway
                if _matches(peer, d):
                    eg = P.union(
                        eg, P.rule_ports(peer.rule.protocol, peer.rule.from_port, peer.rule.to_port)
                    )
                    eg_ev.append(peer.rule.rule_id)
        if mode == "tgw":
            ingress, ev = self._cidr_only(s, d)
        ports = P.intersect(ingress, eg)
        if not ports:
            return None
        nacl = self.router.nacl_ports(s, d)
        if nacl is not None:
            ports = P.intersect(ports, nacl)
            if not ports:
                return None
        return Reach(ports, sorted(set(ev)) + sorted(set(eg_ev)) + route_ev, mode)

    def _cidr_only(self, s: NetClass, d: NetClass) -> tuple[P.PortSet, list[str]]:
        ps: P.PortSet = {}
        ev: list[str] = []
        for gid in sorted(d.sgs):
            for peer in self.ingress.get(gid, ()):
                if (
                    peer.group is None
                    and _matches(peer, s)
                    and (self.policy.public_entry_counts_as_connection or not peer.world)
                ):
                    ps = P.union(
                        ps, P.rule_ports(peer.rule.protocol, peer.rule.from_port, peer.rule.to_port)
                    )
                    ev.append(peer.rule.rule_id)
        return ps, ev
