"""Declared data flows against the computed graph: endpoints, network feasibility, and paths
across the CDE boundary that no flow declares (PCI DSS 1.2.4 accuracy)."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import Any

from ecsguard.scope import ports as P
from ecsguard.scope.components import Component, ScopeGraph
from ecsguard.scope.declare import Flow
from ecsguard.scope.netview import NetView
from ecsguard.scope.reach import ReachEngine

API_STORES = frozenset({"queue", "bucket", "data_store"})
FLOW_KINDS = frozenset({"service", "task_group", "task_definition", "load_balancer", "data_store", "queue", "bucket",
                        "file_system", "instance", "external", "log_group"})  # fmt: skip
PRIVATE = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
]


def resolve_flows(
    sg: ScopeGraph, flows: list[Flow]
) -> tuple[dict[str, list[tuple[str, str, str]]], list[dict[str, Any]]]:
    """Link each flow's endpoints; return ``component -> [(flow, other end, kind)]`` and unknowns."""
    ends: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    unknowns: list[dict[str, Any]] = []
    for flow in flows:
        a = _endpoint(sg, flow.src, flow, unknowns)
        b = _endpoint(sg, flow.dst, flow, unknowns)
        kind = "card" if flow.is_card_data else "other"
        ends[a].append((flow.id, b, kind))
        ends[b].append((flow.id, a, kind))
        data = sg.edge(a, b, "flow")
        if data is None:
            sg.link(a, b, "flow", evidence=[flow.id], elements=list(flow.elements), card=flow.is_card_data,
                    ports=f"{flow.protocol}/{flow.port}" if flow.port else "")  # fmt: skip
        else:
            data["evidence"].append(flow.id)
            data["card"] = data.get("card") or flow.is_card_data
    return dict(ends), unknowns


def _endpoint(sg: ScopeGraph, ref: str, flow: Flow, unknowns: list[dict[str, Any]]) -> str:
    if ref.lower().startswith("external:"):
        label = ref.split(":", 1)[1]
        comp = sg.add(Component(f"external:{label}", "external", label))
        comp.flags.add("external")
        return comp.id
    found = sg.resolve(ref, FLOW_KINDS)
    if found is not None:
        return found
    # Most likely a store the inventory does not collect (a DynamoDB table by name), or a
    # component that no longer exists: kept as a data store, flagged, never out of scope.
    comp = sg.add(Component(ref, "data_store", ref.rsplit("/", 1)[-1]))
    comp.flags.add("not-in-inventory")
    what = (f"named by flow {flow.id} but no workload, load balancer or data store of the inventory has this "
            "name or ARN (a DynamoDB table, or a component that no longer exists)")  # fmt: skip
    if what not in comp.unknown:
        comp.unknown.append(what)
        unknowns.append({"component": comp.id, "what": what})
    return comp.id


_NONE = Component("", "", "")


class FlowChecker:
    def __init__(self, sg: ScopeGraph, engine: ReachEngine, view: NetView) -> None:
        self.sg = sg
        self.engine = engine
        self.view = view
        self.forwarders = [
            c
            for c in sg.components.values()
            if c.declaration and c.declaration.forwards and c.classes
        ]

    def blocked(self, flows: list[Flow]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for flow in flows:
            a = self.sg.resolve(flow.src, FLOW_KINDS) or flow.src
            b = self.sg.resolve(flow.dst, FLOW_KINDS) or flow.dst
            missing = [
                r for r in (a, b) if "not-in-inventory" in self.sg.components.get(r, _NONE).flags
            ]
            if missing:
                events.append({"type": "DECLARATION_INCONSISTENT", "component": missing[0], "flow": flow.id,
                               "text": f"declared flow {flow.id} names {self.sg.components[missing[0]].name}, which is not in the inventory"})  # fmt: skip
                continue
            verdict = self.feasible(a, b, flow)
            if verdict is False:
                where = f" on {flow.protocol}/{flow.port}" if flow.port else ""
                events.append({"type": "DECLARED_FLOW_BLOCKED", "component": b, "flow": flow.id,
                               "text": f"declared flow {flow.id} ({flow.src} -> {flow.dst}{where}) is not network-feasible: no security-group path allows it"})  # fmt: skip
        return events

    def feasible(self, a: str, b: str, flow: Flow) -> bool | None:
        ca, cb = self.sg.components.get(a), self.sg.components.get(b)
        if ca is None or cb is None:
            return None
        proto = "udp" if flow.protocol == "udp" else "tcp"
        if ca.kind == "external":
            return self._public(b, proto, flow.port) if cb.classes else None
        if not ca.classes:
            return None
        if cb.kind == "external":
            return self._egress(ca, proto, flow.port, world=True)
        if cb.kind in API_STORES and not cb.classes:
            return self._egress(ca, proto, flow.port or 443, world=False)
        if self._reach(a, b, proto, flow.port):
            return True
        return any(self._reach(a, f, proto, None) for f in self.forwarders_of(b))

    def _reach(self, a: str, b: str, proto: str, port: int | None) -> bool:
        ps = self.view.between(self.sg.components[a], self.sg.components[b])
        return bool(ps) and (port is None or P.covers(ps, proto, port))

    def forwarders_of(self, b: str) -> list[str]:
        """Load balancers and declared forwarders that carry traffic on to ``b``."""
        out = [lb for tg in self.sg.into(b, "forwards") for lb in self.sg.into(tg, "forwards")]
        out += [
            f.id
            for f in self.forwarders
            if f.id != b and self.view.between(f, self.sg.components[b])
        ]
        return list(
            dict.fromkeys(
                c
                for c in out
                if c in self.sg.components and self.sg.components[c].kind != "listener"
            )
        )

    def _public(self, b: str, proto: str, port: int | None) -> bool:
        cands = [b]
        for tg in self.sg.into(b, "forwards"):
            cands += self.sg.into(tg, "forwards")
        for c in cands:
            data = self.sg.edge("external:internet", c, "public_entry")
            if data and (port is None or P.covers(data["_ps"], proto, port) or c != b):
                return True
        return False

    def _egress(self, comp: Component, proto: str, port: int | None, world: bool) -> bool:
        for c in comp.classes:
            for gid in self.engine.net.classes[c].sgs:
                for peer in self.engine.egress.get(gid, ()):
                    ps = P.rule_ports(peer.rule.protocol, peer.rule.from_port, peer.rule.to_port)
                    if port is not None and not P.covers(ps, proto, port):
                        continue
                    if (
                        not world
                        or peer.world
                        or peer.rule.peer_kind == "prefix_list"
                        or _public_range(peer.ranges)
                    ):
                        return True
        return False

    def undeclared(self, flows: list[Flow], cde: set[str]) -> list[dict[str, Any]]:
        declared: set[tuple[str, str]] = set()
        for flow in flows:
            a, b = self.sg.resolve(flow.src, FLOW_KINDS), self.sg.resolve(flow.dst, FLOW_KINDS)
            if a and b:
                declared.add((a, b))
                for f in self.forwarders_of(b):
                    declared.update({(a, f), (f, b)})
        events: list[dict[str, Any]] = []
        for a, b, key, data in self.sg.g.edges(keys=True, data=True):
            if key != "can_reach" or (a in cde) == (b in cde) or (a, b) in declared:
                continue
            outside = a if b in cde else b
            names = self.sg.components[a].name, self.sg.components[b].name
            text = (f"{names[0]} can connect to CDE component {names[1]} on {data.get('ports')}, but no declared flow covers it"
                    if b in cde else
                    f"CDE component {names[0]} can connect to {names[1]} on {data.get('ports')}, but no declared flow covers it")  # fmt: skip
            events.append({"type": "UNDECLARED_FLOW", "component": outside, "text": text,
                           "path": [a, b], "evidence": list(data.get("evidence", []))})  # fmt: skip
        return events


def _public_range(ranges: tuple[tuple[int, tuple[int, int]], ...]) -> bool:
    for version, (lo, _hi) in ranges:
        addr = ipaddress.ip_address(lo) if version == 4 else ipaddress.IPv6Address(lo)
        if not any(addr in n for n in PRIVATE):
            return True
    return False
