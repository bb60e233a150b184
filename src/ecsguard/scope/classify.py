"""Ordered classification rules C1-C4 (CDE, to a fixpoint), then S1-S5, U1, O1 and A1
(PCI_SCOPING §2.6). Each rule is a small function that adds reasons; the category follows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ecsguard.scope import ports as P
from ecsguard.scope.components import Component, ScopeGraph
from ecsguard.scope.netid import Network
from ecsguard.scope.netview import NetView
from ecsguard.scope.policy import ScopePolicy
from ecsguard.scope.reasons import Reason
from ecsguard.scope.routing import Router

Reasons = dict[str, list[Reason]]
NETWORKED = frozenset({"service", "task_group", "task_definition", "container_instance", "load_balancer",
                       "instance", "data_store", "file_system", "vpc_endpoint"})  # fmt: skip


class Classifier:
    def __init__(
        self,
        sg: ScopeGraph,
        policy: ScopePolicy,
        flow_ends: dict[str, list[tuple[str, str, str]]],
        net: Network,
        router: Router,
        view: NetView,
    ) -> None:
        self.view = view
        self.sg = sg
        self.net = net
        self.router = router
        self.policy = policy
        self.flow_ends = flow_ends  # component -> [(flow id, other end, "card"|"other")]
        self.reasons: Reasons = defaultdict(list)
        self.cde: set[str] = set()
        self._c2_done: set[tuple[str, str, str]] = set()

    def add(self, cid: str, reason: Reason) -> None:
        if reason.rule.startswith("C"):
            self.cde.add(cid)
        self.reasons[cid].append(reason)

    # ---- C rules --------------------------------------------------------------------
    def run_cde(self) -> None:
        self.c1()
        rules: list[Callable[[], None]] = [self.c2, self.c3, self.c4]
        while True:
            before = len(self.cde)
            for rule in rules:
                rule()
            self._touch_cde()
            self._c4_unrestricted()
            if len(self.cde) == before:
                return

    def _touch_cde(self) -> None:
        """Materialise every path into and out of the CDE found so far."""
        for cid in sorted(self.cde):
            self.view.touch_into(cid)
            self.view.touch_out(cid)

    def c1(self) -> None:
        for cid, comp in self.sg.components.items():
            decl = comp.declaration
            if decl is not None and decl.handles_chd:
                what = ", ".join(v for v in decl.chd if v != "none") or decl.classification or "SAD"
                text = f"declared to {what} cardholder data ({decl.source})"
                if decl.sad:
                    text += "; handles sensitive authentication data (pci:sad=true)"
                self.add(cid, Reason("C1", "declared-chd", text, (cid,), (decl.source,)))
            for flow_id, other, kind in self.flow_ends.get(cid, []):
                if kind == "card" and comp.kind != "external":
                    self.add(
                        cid,
                        Reason(
                            "C1",
                            "chd-flow",
                            f"endpoint of declared card-data flow {flow_id}",
                            (cid, other),
                            (flow_id,),
                        ),
                    )

    def c2(self) -> None:
        for lb in (c for c in self.sg.components.values() if c.kind == "load_balancer"):
            for tg in self.sg.out(lb.id, "forwards"):
                for wid in self.sg.out(tg, "forwards"):
                    if (
                        wid in self.cde
                        and wid in self.sg.workloads
                        and (lb.id, tg, wid) not in self._c2_done
                    ):
                        self._c2_done.add((lb.id, tg, wid))
                        listeners = self.sg.edge(lb.id, tg, "forwards") or {}
                        ev = (*listeners.get("evidence", []), tg)
                        name = self.sg.components[wid].name
                        self.add(
                            lb.id,
                            Reason(
                                "C2",
                                "forwards-to-cde",
                                f"forwards traffic to CDE workload {name}: transmits its cardholder data",
                                (lb.id, tg, wid),
                                ev,
                            ),
                        )
                        self.add(
                            tg,
                            Reason(
                                "C2",
                                "forwards-to-cde",
                                f"target group of CDE workload {name}",
                                (tg, wid),
                                (),
                            ),
                        )
                        for ls in ev[:-1]:
                            self.add(
                                ls,
                                Reason(
                                    "C2",
                                    "forwards-to-cde",
                                    f"listener forwarding to CDE workload {name}",
                                    (ls, tg, wid),
                                    (),
                                ),
                            )

    def c3(self) -> None:
        for wid in list(self.cde):
            wl = self.sg.workloads.get(wid)
            if wl is None:
                continue
            name = self.sg.components[wid].name
            for host in wl.hosts:
                if host in self.sg.components and host not in self.cde:
                    self.add(
                        host,
                        Reason(
                            "C3", "runs-cde-task", f"runs tasks of CDE workload {name}", (host, wid)
                        ),
                    )
            for host in wl.may_hosts - wl.hosts:
                if host in self.sg.components and host not in self.cde:
                    self.add(
                        host,
                        Reason(
                            "C3",
                            "may-run-cde-task",
                            f"eligible by launch type/capacity provider to run CDE workload {name}",
                            (host, wid),
                        ),
                    )

    def c4(self) -> None:
        self._c4_shared_namespace()
        if self.policy.same_subnet_is_cde:
            self._c4_same_subnet()

    def _c4_shared_namespace(self) -> None:
        cde_on: dict[str, list[str]] = defaultdict(list)
        for wid in self.cde:
            wl = self.sg.workloads.get(wid)
            if wl and (wl.network_mode in ("bridge", "host") or self.policy.cotenancy == "cde"):
                for host in wl.hosts | wl.may_hosts:
                    cde_on[host].append(wid)
        for wid, wl in self.sg.workloads.items():
            if wid in self.cde:
                continue
            for host in sorted(wl.hosts | wl.may_hosts):
                for other in cde_on.get(host, []):
                    reason = self._shared_namespace(wid, host, other)
                    if reason is not None:
                        self.add(wid, reason)

    def _shared_namespace(self, wid: str, host: str, other: str) -> Reason | None:
        wl, owl = self.sg.workloads[wid], self.sg.workloads[other]
        oname = self.sg.components[other].name
        hname = self.sg.components[host].name if host in self.sg.components else host
        observed = host in wl.hosts and host in owl.hosts
        verb = (
            "shares"
            if observed
            else "may share (both are eligible for the host; placement is not evaluated)"
        )
        path = (wid, host, other)
        if not observed and self.policy.cotenancy != "cde":
            # a bridge that could be shared is no connectivity yet: S2 (co-tenancy) covers it
            return None
        if self.policy.cotenancy == "cde":
            return Reason(
                "C4",
                "cotenancy",
                f"{verb} EC2 host {hname} with CDE workload {oname} (policy cotenancy = cde)",
                path,
            )
        if wl.network_mode == "bridge" and owl.network_mode == "bridge":
            return Reason(
                "C4",
                "shares-bridge",
                f"{verb} the Docker bridge of host {hname} with CDE workload {oname}: unrestricted connectivity",
                path,
            )
        if wl.network_mode in ("bridge", "host") and "host" in (wl.network_mode, owl.network_mode):
            return Reason(
                "C4",
                "shares-netns",
                f"{verb} the network namespace of host {hname} with CDE workload {oname}",
                path,
            )
        return None

    def _c4_unrestricted(self) -> None:
        for cid in list(self.cde):
            for _, other, data in self.sg.g.out_edges(cid, keys=False, data=True):
                if other in self.cde or not data.get("_ps"):
                    continue
                if self.sg.components[other].kind == "vpc_endpoint":
                    continue  # an interface endpoint serves many: connected-to, never CDE (§2.8)
                back = self.sg.edge(other, cid, "can_reach")
                fwd = self.sg.edge(cid, other, "can_reach")
                if fwd and back and P.is_all(fwd["_ps"]) and P.is_all(back["_ps"]):
                    ev = tuple(dict.fromkeys([*back.get("evidence", []), *fwd.get("evidence", [])]))
                    self.add(
                        other,
                        Reason(
                            "C4",
                            "unrestricted-connectivity",
                            f"all ports, both directions, with CDE component {self.sg.components[cid].name}",
                            (other, cid),
                            ev,
                        ),
                    )

    def _c4_same_subnet(self) -> None:
        cde_subnets: dict[str, str] = {}
        for cid in self.cde:
            for c in self.sg.components[cid].classes:
                subnet = self.net_subnet(c)
                if subnet:
                    cde_subnets.setdefault(subnet, cid)
        for cid, comp in self.sg.components.items():
            if cid in self.cde or comp.kind not in NETWORKED:
                continue
            for c in comp.classes:
                subnet = self.net_subnet(c)
                if subnet in cde_subnets:
                    self.add(
                        cid,
                        Reason(
                            "C4",
                            "same-subnet",
                            f"in subnet {subnet} with CDE component {self.sg.components[cde_subnets[subnet]].name} (same_subnet_is_cde)",
                            (cid, cde_subnets[subnet]),
                            (subnet,),
                        ),
                    )
                    break

    def net_subnet(self, c: int) -> str | None:
        return self.net.classes[c].subnet

    # ---- helpers ------------------------------------------------------------------
    def name(self, cid: str) -> str:
        return self.sg.components[cid].name

    def workloads_in_cde(self) -> list[str]:
        return [w for w in self.sg.workloads if w in self.cde]


def comp_label(comp: Component) -> str:
    return f"{comp.kind} {comp.name}"
