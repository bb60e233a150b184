"""Computes a scope report from an inventory: graph, reachability, declarations, rules."""

from __future__ import annotations

import gc
from typing import Any

from ecsguard.model import Inventory
from ecsguard.scope import ports as P
from ecsguard.scope.build_ecs import EcsBuilder
from ecsguard.scope.build_net import NetBuilder
from ecsguard.scope.classify import Classifier
from ecsguard.scope.components import Component, ScopeGraph
from ecsguard.scope.declare import Declaration, Flow
from ecsguard.scope.flows import FlowChecker, resolve_flows
from ecsguard.scope.netid import Network
from ecsguard.scope.netview import NetView
from ecsguard.scope.policy import ScopePolicy
from ecsguard.scope.reach import ReachEngine, ReachResult
from ecsguard.scope.reasons import Reason
from ecsguard.scope.report import build_report
from ecsguard.scope.support import SupportRules
from ecsguard.scope.verdict import finish

# Which component kinds a failed read of a service may hide something about. A service not
# listed (ECS above all: an unread workload may use or reach any component) taints every kind.
ERROR_KINDS: dict[str, frozenset[str]] = {
    "ec2": frozenset({"service", "task_group", "task", "container_instance", "instance", "load_balancer", "data_store",
                      "security_group", "network_acl", "route_table", "vpc_endpoint", "file_system"}),
    "elbv2": frozenset({"load_balancer", "listener", "target_group", "service"}),
    "iam": frozenset({"role", "service", "task_group", "task_definition"}),
    "logs": frozenset({"log_group"}), "kms": frozenset({"key"}),
    "secretsmanager": frozenset({"secret", "key", "role"}), "ssm": frozenset({"secret", "key", "role"}), "efs": frozenset({"file_system"}), "rds": frozenset({"data_store"}),
    "sqs": frozenset({"queue"}), "s3": frozenset({"bucket"}), "ecr": frozenset({"repository"}),
    "servicediscovery": frozenset({"namespace"}),
}  # fmt: skip
# a collection error of a service not listed here leaves every component of its region unknown


def compute_scope(
    inv: Inventory,
    *,
    policy: ScopePolicy | None = None,
    overrides: dict[str, Declaration] | None = None,
    flows: list[Flow] | None = None,
) -> dict[str, Any]:
    """The scope report (DESIGN §3.4) of ``inv`` as a JSON-ready dict."""
    # Many small, acyclic objects: the cyclic collector only costs time here.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute(inv, policy, overrides, flows)
    finally:
        if enabled:
            gc.enable()


def _compute(
    inv: Inventory,
    policy: ScopePolicy | None,
    overrides: dict[str, Declaration] | None,
    flows: list[Flow] | None,
) -> dict[str, Any]:
    policy = policy or ScopePolicy()
    flows = flows or []
    sg = ScopeGraph()
    net = Network(inv)
    ecsb = EcsBuilder(inv, sg, overrides or {})
    ecsb.build()
    NetBuilder(inv, sg, net, ecsb).build()
    _resource_edges(sg)
    engine = ReachEngine(inv, net, policy)
    res = engine.prepare()
    view = NetView(sg, engine)
    _network_facts(sg, view, res)
    _collection_errors(inv, sg)
    flow_ends, unknowns = resolve_flows(sg, flows)
    unknowns += _unmatched_overrides(sg, overrides or {})
    cl = Classifier(sg, policy, flow_ends, net, engine.router, view)
    cl.run_cde()
    SupportRules(cl, inv).run()
    checker = FlowChecker(sg, engine, view)
    events = _inconsistent(sg, flow_ends) + checker.blocked(flows)
    if flows:
        events += checker.undeclared(flows, cl.cde)
    for cid in cl.cde:
        if res.wide_egress and any(c in res.wide_egress for c in sg.components[cid].classes):
            sg.components[cid].flags.add("egress-unrestricted")
        if any(_vpc_wide_ingress(engine, net, c) for c in sg.components[cid].classes):
            sg.components[cid].flags.add("vpc-wide-ingress")
    categories = finish(cl, ecsb)
    _sharing_edges(sg, cl.reasons)
    return build_report(sg, cl.reasons, categories, events, unknowns)


# reason code -> (edge type, index in the reason's path of the component shared with)
SHARING = {
    "cotenancy": ("shares_host", 1),
    "shares-bridge": ("shares_bridge", 2),
    "shares-netns": ("shares_netns", 2),
    "shared-task-role": ("shares_task_role", 2),
    "shared-secret": ("shares_secret", 2),
    "shared-volume": ("shares_volume", 2),
    "shared-log-group": ("shares_log_group", 2),
}


def _sharing_edges(sg: ScopeGraph, reasons: dict[str, list[Reason]]) -> None:
    """Derived sharing edges (DESIGN §3.4 ``shares_*``) from the reasons that found them."""
    for cid, items in reasons.items():
        for r in items:
            spec = SHARING.get(r.code)
            if spec and len(r.path) > spec[1]:
                via = [p for p in r.path[1 : spec[1]]]
                sg.link(cid, r.path[spec[1]], spec[0], evidence=via)


def _vpc_wide_ingress(engine: ReachEngine, net: Network, c: int) -> bool:
    """An ingress CIDR that spans the class's whole VPC (every ENI of the VPC is admitted)."""
    klass = net.classes[c]
    space = net.vpc_space.get(klass.vpc or "", ((), ()))[0]
    if not space:
        return False
    for gid in klass.sgs:
        for peer in engine.ingress.get(gid, ()):
            if peer.world or peer.group is not None:
                continue
            if any(
                v == 4 and all(lo <= s_lo and s_hi <= hi for s_lo, s_hi in space)
                for v, (lo, hi) in peer.ranges
            ):
                return True
    return False


def _resource_edges(sg: ScopeGraph) -> None:
    for wid, wl in sg.workloads.items():
        for etype, targets in (
            ("task_role", wl.task_roles), ("execution_role", wl.exec_roles), ("reads_secret", wl.secrets),
            ("logs_to", wl.log_groups), ("pulls_image", wl.repositories), ("registered_in", wl.namespaces),
            ("mounts", set(wl.volumes)),
        ):  # fmt: skip
            for t in targets:
                sg.link(wid, t, etype)
        for host in wl.hosts:
            sg.link(wid, host, "runs_on")
        for host in wl.may_hosts - wl.hosts:
            sg.link(wid, host, "may_run_on")


def _network_facts(sg: ScopeGraph, view: NetView, res: ReachResult) -> None:
    """Per-class facts (gaps, public entry points) copied onto the components in each class."""
    by_class = view.by_class
    for c, comps in by_class.items():
        for cid in comps:
            sg.components[cid].unknown.extend(
                u for u in res.unknown.get(c, []) if u not in sg.components[cid].unknown
            )
    if res.public:
        sg.add(Component("external:internet", "external", "internet", flags={"external"}))
    for d, (ps, ev) in res.public.items():
        for b in by_class.get(d, ()):
            sg.components[b].flags.add("public-entry")
            data = sg.edge("external:internet", b, "public_entry")
            if data is None:
                sg.link(
                    "external:internet",
                    b,
                    "public_entry",
                    _ps=ps,
                    evidence=list(ev),
                    ports=P.label(ps),
                )
            else:
                data["_ps"] = P.union(data["_ps"], ps)
                data["ports"] = P.label(data["_ps"])


def _unmatched_overrides(sg: ScopeGraph, overrides: dict[str, Declaration]) -> list[dict[str, Any]]:
    qualified = {c.meta.get("qualified") for c in sg.components.values()}
    return [
        {
            "component": key,
            "what": "scope.yaml names it, but no component of the inventory has this name or ARN",
        }
        for key in sorted(overrides)
        if sg.resolve(key) is None and key not in qualified
    ]


def _collection_errors(inv: Inventory, sg: ScopeGraph) -> None:
    """Fail closed: what a collection error may hide is unknown, never out of scope."""
    for err in inv.errors:
        text = f"collection error ({err.service} {err.operation} in {err.region or 'all regions'}): {err.message}"
        hit = sg.resolve(err.resource) if err.resource else None
        if hit is not None:
            sg.components[hit].unknown.append(text)
            if not err.operation.startswith("List"):
                continue  # one resource unread; a failed listing hides everything under it
        kinds = ERROR_KINDS.get(err.service)
        for comp in sg.components.values():
            if (kinds is None or comp.kind in kinds) and (
                not err.region or not comp.region or comp.region == err.region
            ):
                if kinds is None and comp.kind in ("external",):
                    continue
                if text not in comp.unknown:
                    comp.unknown.append(text)


def _inconsistent(
    sg: ScopeGraph, flow_ends: dict[str, list[tuple[str, str, str]]]
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for cid, comp in sg.components.items():
        decl = comp.declaration
        card = [f for f, _o, kind in flow_ends.get(cid, []) if kind == "card"]
        if (
            decl is not None
            and decl.labelled
            and not decl.handles_chd
            and card
            and comp.kind != "external"
        ):
            events.append({"type": "DECLARATION_INCONSISTENT", "component": cid,
                           "text": f"{comp.name} is declared not to handle cardholder data ({decl.source}) but is an endpoint of card-data flow(s) {', '.join(sorted(card))}"})  # fmt: skip
        tag = comp.meta.get("tag_declaration")
        if (
            isinstance(tag, Declaration)
            and decl is not None
            and decl.source == "scope.yaml"
            and tag.labelled
            and tag.handles_chd != decl.handles_chd
        ):
            events.append({"type": "DECLARATION_INCONSISTENT", "component": cid,
                           "text": f"{comp.name}: tags ({tag.source}) and scope.yaml disagree on cardholder data; scope.yaml wins"})  # fmt: skip
    return events
