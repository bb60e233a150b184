"""Final verdicts: U1 (undetermined), O1 (out of scope, with a justification), A1 (attention),
and inheritance of categories by tasks and task definitions from the workloads that run them."""

from __future__ import annotations

from collections import defaultdict

from ecsguard.scope.build_ecs import EcsBuilder
from ecsguard.scope.classify import Classifier
from ecsguard.scope.components import Component
from ecsguard.scope.reasons import RANK, Reason, category_of, ordered

IN_SCOPE_SUPPORT = ("connected-to", "security-impacting")
# besides ECS workloads, what may hold card data and so must be declared to be out of scope
MUST_DECLARE = frozenset({"instance", "data_store", "queue", "bucket", "file_system"})
INHERIT = {
    "task": ("task-of", "task"),
    "task_definition": ("task-definition-of", "task definition"),
    "listener": ("listener-of", "listener"),
}


def finish(cl: Classifier, ecsb: EcsBuilder) -> dict[str, str]:
    sg = cl.sg
    inherited = _inherited(cl, ecsb)
    cats: dict[str, str] = {}
    for cid, comp in sg.components.items():
        if cid in inherited:
            continue
        _settle(cl, comp)
        cats[cid] = category_of(cl.reasons[cid])
    _attention(cl, cats)
    for cid, sources in inherited.items():
        comp = sg.components[cid]
        best = max(sources, key=lambda s: (RANK[cats.get(s, "out-of-scope")], s))
        top = ordered(cl.reasons[best])[0] if cl.reasons[best] else Reason("O1", "isolated", "")
        owner = sg.components[best]
        code, what = INHERIT[comp.kind]
        cl.add(
            cid,
            Reason(
                top.rule,
                code,
                f"{what} of {owner.kind} {owner.name} ({cats.get(best)}): {top.text}",
                (cid, best),
                top.evidence,
            ),
        )
        if comp.unknown:
            comp.flags.add("incomplete")
            if cats.get(best) == "out-of-scope":
                cl.add(cid, Reason("U1", "incomplete", "; ".join(comp.unknown[:3]), (cid,)))
        cats[cid] = category_of(cl.reasons[cid])
    return cats


def _forwards(comp: Component) -> bool:
    return comp.kind == "load_balancer" or bool(comp.declaration and comp.declaration.forwards)


def _inherited(cl: Classifier, ecsb: EcsBuilder) -> dict[str, list[str]]:
    """Tasks take their workload's category; task definitions the highest of their users'."""
    sg = cl.sg
    out: dict[str, list[str]] = {}
    family_users: dict[str, set[str]] = defaultdict(set)
    for td_id, users in ecsb.td_users.items():
        td = ecsb.inv.task_definition(td_id)
        users = {u for u in users if u != td_id}
        if users:
            out[td_id] = sorted(users)
            if td is not None:
                family_users[f"{td.region}/{td.family}"] |= users
    for td in ecsb.inv.task_definitions:
        if td.id not in out and td.id not in sg.workloads:
            fam = family_users.get(f"{td.region}/{td.family}")
            if fam:
                out[td.id] = sorted(fam)
    for cid, comp in sg.components.items():
        if comp.kind == "task" and comp.meta.get("owner") in sg.components:
            out[cid] = [comp.meta["owner"]]
        if comp.kind == "listener" and not cl.reasons.get(cid):
            lbs = sg.into(cid, "has_listener")
            if lbs:
                out[cid] = lbs  # a listener is part of its load balancer
    return out


def _settle(cl: Classifier, comp: Component) -> None:
    reasons = cl.reasons[comp.id]
    has_rule = any(r.rule[0] in "CS" for r in reasons)
    decl = comp.declaration
    unlabelled = (
        (comp.id in cl.sg.workloads or comp.kind in MUST_DECLARE)
        and not (decl and decl.labelled)
        and not any(r.code == "chd-flow" for r in reasons)
    )
    if unlabelled:
        comp.flags.add("unclassified")
    if comp.unknown:
        comp.flags.add("incomplete")
    if has_rule:
        return
    if comp.kind == "external":
        cl.add(
            comp.id,
            Reason(
                "O1",
                "third-party",
                f"external party {comp.name}: outside the assessed environment; list it as a third-party connection (12.5.2)",
                (comp.id,),
            ),
        )
        return
    if unlabelled:
        cl.add(
            comp.id,
            Reason(
                "U1",
                "unclassified",
                "no pci:chd or data-classification declaration (tag or scope.yaml) and no card-data flow: cannot be out of scope until classified",
                (comp.id,),
            ),
        )
    if comp.unknown:
        cl.add(
            comp.id,
            Reason(
                "U1",
                "incomplete",
                "; ".join(comp.unknown[:3]),
                (comp.id,),
                tuple(comp.unknown[3:6]),
            ),
        )
    if not unlabelled and not comp.unknown:
        cl.add(
            comp.id,
            Reason(
                "O1", "isolated", _justification(cl, comp), (comp.id,), tuple(_controls(cl, comp))
            ),
        )


def _controls(cl: Classifier, comp: Component) -> list[str]:
    out: set[str] = set()
    for c in comp.classes:
        out |= cl.net.classes[c].sgs
    return sorted(out)


def _justification(cl: Classifier, comp: Component) -> str:
    parts: list[str] = []
    decl = comp.declaration
    if decl is not None and decl.labelled:
        said = ",".join(decl.chd) or decl.classification or "no CHD"
        parts.append(f"declared {said} ({decl.source})")
        if decl.justification:
            parts.append(f"justification: {decl.justification}")
    if comp.classes:
        sgs = _controls(cl, comp)
        parts.append(
            f"no network path to or from any CDE component (security groups {', '.join(sgs) or 'none'})"
        )
    if comp.id in cl.sg.workloads:
        parts.append(
            "not co-located with CDE tasks; shares no task role, secret, volume or log group with the CDE"
        )
    else:
        parts.append("not used by, attached to or administering any CDE component")
    return "; ".join(parts)


def _attention(cl: Classifier, cats: dict[str, str]) -> None:
    """A1: an out-of-scope component that reaches a connected-to/security-impacting one that
    does not forward (a second hop): attention, not scope."""
    sg = cl.sg
    hop_targets = {
        c
        for y, cat in cats.items()
        if cat in IN_SCOPE_SUPPORT
        and not _forwards(sg.components[y])
        and sg.components[y].kind != "vpc_endpoint"  # AWS service endpoints: noise (§2.6 A1)
        for c in sg.components[y].classes
    }
    for cid, cat in list(cats.items()):
        if cat != "out-of-scope" or not sg.components[cid].classes:
            continue
        if not cl.view.first_out(cid, hop_targets):
            continue
        for y in cl.sg.out(cid, "can_reach"):
            if cats.get(y) in IN_SCOPE_SUPPORT and sg.components[y].classes & hop_targets:
                ev = tuple((sg.edge(cid, y, "can_reach") or {}).get("evidence", []))
                cl.add(
                    cid,
                    Reason(
                        "A1",
                        "second-hop",
                        f"can reach {sg.components[y].name} ({cats[y]}), which is not a forwarder: second hop, attention only; justify per the scoping guidance",
                        (cid, y),
                        ev,
                    ),
                )
                sg.components[cid].flags.add("attention")
                break
