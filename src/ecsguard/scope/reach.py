"""Reachability between network identity classes: egress of the source ∩ ingress of the
destination, per protocol and port set, through routes and NACLs, with the SG rule ids as
evidence (PCI_SCOPING §2.5). Indexed by referenced group and address range so that a large
estate costs time in proportion to the rules, not to the square of the classes.

Pairs are computed on demand: everything reaching into or out of a class the classifier asks
about (the CDE, forwarders, second hops, declared flows), and cached."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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
    label: str = ""


@dataclass
class ReachResult:
    """What is known for every class without pairwise work: public entries, wide egress, gaps."""

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

    @property
    def ports(self) -> P.PortSet:
        return _PORTS(self.rule.protocol, self.rule.from_port, self.rule.to_port)


_port_cache: dict[tuple[str, int, int], P.PortSet] = {}


def _PORTS(protocol: str, lo: int, hi: int) -> P.PortSet:
    key = (protocol, lo, hi)
    hit = _port_cache.get(key)
    if hit is None:
        hit = _port_cache[key] = P.rule_ports(protocol, lo, hi)
    return hit


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
    if peer.world:
        version = peer.ranges[0][0]
        return (c.v4 if version == 4 else c.v6) != ()
    return any(overlaps(c.v4 if v == 4 else c.v6, lo, hi) for v, (lo, hi) in peer.ranges)


class ReachEngine:
    def __init__(self, inv: Inventory, net: Network, policy: ScopePolicy) -> None:
        self.net = net
        self.policy = policy
        self.pls, self.aws_pls = prefix_list_ranges(inv)
        self.router = Router(inv, self.pls)
        self.ingress: dict[str, list[Peer]] = {}
        self.egress: dict[str, list[Peer]] = {}
        # reverse indexes: which ingress rules (of which group) admit a referenced group / range
        self.ing_by_ref: dict[str, list[tuple[str, Peer]]] = defaultdict(list)
        self.ing_by_range: dict[tuple[int, int, int], list[tuple[str, Peer]]] = defaultdict(list)
        for gid, sg in net.sgs.items():
            if gid != (sg.group_id or sg.id):
                continue
            peers = [resolve_peer(r, self.pls, self.aws_pls) for r in sg.rules]
            self.ingress[gid] = [p for p in peers if p.rule.direction == "ingress"]
            self.egress[gid] = [p for p in peers if p.rule.direction == "egress"]
            for peer in self.ingress[gid]:
                if peer.world and not policy.public_entry_counts_as_connection:
                    continue
                if peer.group is not None:
                    self.ing_by_ref[peer.group].append((gid, peer))
                for version, (lo, hi) in peer.ranges:
                    self.ing_by_range[(version, lo, hi)].append((gid, peer))
        self.by_sg: dict[str, list[int]] = defaultdict(list)
        self.addr = AddressIndex([])
        self.pairs: dict[tuple[int, int], Reach | None] = {}
        self._range_index: dict[int, tuple[list[int], list[tuple[int, int, int]], int]] | None = (
            None
        )
        self._plans: dict[int, tuple[P.PortSet, list[str], P.PortSet, list[str], list[Peer]]] = {}
        self.by_dst: dict[int, dict[int, Reach]] = defaultdict(dict)
        self._into: set[int] = set()
        self.result = ReachResult()

    def prepare(self) -> ReachResult:
        """Index the classes (call once all are registered); note public entries and gaps."""
        for c in self.net.classes:
            for gid in c.sgs:
                self.by_sg[gid].append(c.index)
        self.addr = AddressIndex(self.net.classes)
        for c in self.net.classes:
            self._note_unknowns(c, self.result)
            public, ev = self._public(c)
            if public:
                self.result.public[c.index] = (public, ev)
        return self.result

    def _public(self, d: NetClass) -> tuple[P.PortSet, list[str]]:
        ps: P.PortSet = {}
        ev: list[str] = []
        for gid in sorted(d.sgs):
            for peer in self.ingress.get(gid, ()):
                if peer.world:
                    ps = P.union(
                        ps, P.rule_ports(peer.rule.protocol, peer.rule.from_port, peer.rule.to_port)
                    )
                    ev.append(peer.rule.rule_id)
        return ps, ev

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

    # --- on-demand pairs -------------------------------------------------------------
    def into(self, d: int) -> dict[int, Reach]:
        """Every class that can open connections to class ``d`` (one sweep over its rules)."""
        if d not in self._into:
            self._into.add(d)
            dc = self.net.classes[d]
            acc: dict[int, tuple[P.PortSet, list[str]]] = {}
            for gid in sorted(dc.sgs):
                for peer in self.ingress.get(gid, ()):
                    if peer.world and not self.policy.public_entry_counts_as_connection:
                        continue
                    for s in self._peer_classes(peer):
                        _accumulate(acc, s, peer)
            for s, (ps, ev) in acc.items():
                self._finish(s, d, ps, ev)
        return self.by_dst[d]

    def out_of(
        self, s: int, targets: set[int] | None = None, first: bool = False
    ) -> dict[int, Reach]:
        """Classes ``s`` can open connections to (only among ``targets`` when given)."""
        sc = self.net.classes[s]
        acc: dict[int, tuple[P.PortSet, list[str]]] = {}
        hits: list[tuple[str, Peer]] = []
        for gid in sc.sgs:
            hits += self.ing_by_ref.get(gid, ())
        for key in self._ranges_overlapping(sc):
            hits += self.ing_by_range[key]
        for owner, peer in hits:
            for d in self.by_sg.get(owner, ()):
                if targets is None or d in targets:
                    _accumulate(acc, d, peer)
        found: dict[int, Reach] = {}
        for d, (ps, ev) in sorted(acc.items()):
            reach = self._finish(s, d, ps, ev)
            if reach is not None:
                found[d] = reach
                if first:
                    break
        return found

    def _ranges_overlapping(self, c: NetClass) -> list[tuple[int, int, int]]:
        """Keys of ``ing_by_range`` whose range overlaps the class's addresses (bisect index)."""
        if self._range_index is None:
            index: dict[int, tuple[list[int], list[tuple[int, int, int]], int]] = {}
            for version in (4, 6):
                keys = sorted(k for k in self.ing_by_range if k[0] == version)
                span = max((hi - lo for _, lo, hi in keys), default=0)
                index[version] = ([k[1] for k in keys], keys, span)
            self._range_index = index
        out: list[tuple[int, int, int]] = []
        for version, space in ((4, c.v4), (6, c.v6)):
            los, keys, span = self._range_index[version]
            if space is None:
                out += keys
                continue
            for lo, hi in space:
                start, stop = bisect_left(los, lo - span), bisect_right(los, hi)
                out += [k for k in keys[start:stop] if k[2] >= lo]
        return list(dict.fromkeys(out))

    def _peer_classes(self, peer: Peer) -> set[int]:
        if peer.group is not None:
            return set(self.by_sg.get(peer.group, ()))
        out: set[int] = set()
        for version, (lo, hi) in peer.ranges:
            out |= self.addr.overlapping(version, lo, hi)
        return out

    def pair(self, s: int, d: int) -> Reach | None:
        key = (s, d)
        if key in self.pairs:
            return self.pairs[key]
        ingress, ev = self._admits(self.net.classes[s], self.net.classes[d], cidr_only=False)
        return self._finish(s, d, ingress, ev)

    def _finish(self, s: int, d: int, ingress: P.PortSet, ev: list[str]) -> Reach | None:
        key = (s, d)
        if key in self.pairs:
            return self.pairs[key]
        public = self.result.public.get(d)
        if public and ingress and not self.policy.public_entry_counts_as_connection:
            ingress = P.subtract(ingress, public[0])
        reach = (
            self._pair(self.net.classes[s], self.net.classes[d], ingress, ev) if ingress else None
        )
        self.pairs[key] = reach
        if reach is not None:
            self.by_dst[d][s] = reach
        return reach

    def _admits(self, s: NetClass, d: NetClass, cidr_only: bool) -> tuple[P.PortSet, list[str]]:
        """Ports ``d``'s groups admit from ``s`` (public entry ports are removed later)."""
        ps: P.PortSet = {}
        ev: list[str] = []
        count_public = self.policy.public_entry_counts_as_connection
        for gid in sorted(d.sgs):
            for peer in self.ingress.get(gid, ()):
                if (peer.world and not count_public) or (cidr_only and peer.group is not None):
                    continue
                if _matches(peer, s):
                    ps = P.union(ps, peer.ports)
                    ev.append(peer.rule.rule_id)
        return ps, ev

    def _egress_plan(
        self, s: NetClass
    ) -> tuple[P.PortSet, list[str], P.PortSet, list[str], list[Peer]]:
        """Per class: world v4 egress, world v6 egress, and the other egress peers."""
        plan = self._plans.get(s.index)
        if plan is None:
            w4: P.PortSet = {}
            w6: P.PortSet = {}
            e4: list[str] = []
            e6: list[str] = []
            rest: list[Peer] = []
            for gid in sorted(s.sgs):
                for peer in self.egress.get(gid, ()):
                    if peer.world and peer.ranges[0][0] == 4:
                        w4, e4 = P.union(w4, peer.ports), [*e4, peer.rule.rule_id]
                    elif peer.world:
                        w6, e6 = P.union(w6, peer.ports), [*e6, peer.rule.rule_id]
                    else:
                        rest.append(peer)
            if P.is_everything(w4):
                w4 = P.ALL  # identity marks "all traffic" for the fast path
            plan = self._plans[s.index] = (w4, e4, w6, e6, rest)
        return plan

    def _egress(self, s: NetClass, d: NetClass, mode: str) -> tuple[P.PortSet, list[str]]:
        w4, e4, w6, e6, rest = self._egress_plan(s)
        eg: P.PortSet = {}
        eg_ev: list[str] = []
        if w4 and d.v4 != ():
            eg, eg_ev = w4, list(e4)
            if w4 is P.ALL:
                return eg, eg_ev
        if w6 and d.v6 != ():
            eg, eg_ev = P.union(eg, w6), eg_ev + e6
        for peer in rest:
            if peer.group is not None and mode == "tgw":
                continue  # SG references do not cross a transit gateway
            if _matches(peer, d):
                eg = P.union(eg, peer.ports)
                eg_ev.append(peer.rule.rule_id)
        return eg, eg_ev

    def _pair(self, s: NetClass, d: NetClass, ingress: P.PortSet, ev: list[str]) -> Reach | None:
        mode, route_ev = self.router.path(s, d)
        if mode is None:
            return None
        if mode == "tgw":
            ingress, ev = self._admits(s, d, cidr_only=True)
            public = self.result.public.get(d.index)
            if public and not self.policy.public_entry_counts_as_connection:
                ingress = P.subtract(ingress, public[0])
        eg, eg_ev = self._egress(s, d, mode)
        ports = ingress if eg is P.ALL else P.intersect(ingress, eg)
        if not ports:
            return None
        nacl = self.router.nacl_ports(s, d)
        if nacl is not None:
            ports = P.intersect(ports, nacl)
            if not ports:
                return None
        return Reach(
            ports, sorted(set(ev)) + sorted(set(eg_ev)) + route_ev, mode, P.cached_label(ports)
        )


def _accumulate(acc: dict[int, tuple[P.PortSet, list[str]]], key: int, peer: Peer) -> None:
    cur = acc.get(key)
    if cur is None:
        acc[key] = (peer.ports, [peer.rule.rule_id])
    else:
        acc[key] = (P.union(cur[0], peer.ports), [*cur[1], peer.rule.rule_id])
