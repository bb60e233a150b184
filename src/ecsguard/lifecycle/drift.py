"""Drift reported as findings (DESIGN §3.3 results), pure functions over inventories.

- tasks running a revision other than their service's desired one after the deployment ended;
- live configuration that differs from the template that defines it (IaC drift);
- a deployed revision that was never scanned, or failed the ``--fail-on`` gate when it was;
- a CDE service whose configuration changed since the last scope confirmation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ecsguard.lifecycle.diff import Change, DiffOptions, diff_records
from ecsguard.lifecycle.match import is_template, pair
from ecsguard.model import ATTRIBUTES, Inventory, Resource, ecs
from ecsguard.posture.result import (
    SEVERITY_RANK,
    Evidence,
    Finding,
    Location,
    ResourceRef,
    finding_id,
)

CHECKS: dict[str, dict[str, Any]] = {
    "lifecycle.service.tasks_on_desired_revision": {
        "title": "Service tasks run the service's desired task-definition revision",
        "severity": "medium",
        "remediation": "Find why the old tasks survived (failed deployment, stuck drain) and "
        "force a new deployment; never leave unreviewed revisions running.",
        "frameworks": {"pci-dss-4.0": ["6.5.1", "2.2.1"], "nist-800-53-r5": ["CM-3", "CM-2"]},
    },
    "lifecycle.iac.live_matches_template": {
        "title": "Live configuration matches the template that defines it",
        "severity": "high",
        "remediation": "Apply the change through the template (or revert it live) so the "
        "reviewed definition is what runs.",
        "frameworks": {"pci-dss-4.0": ["6.5.1", "1.2.2"], "nist-800-53-r5": ["CM-3", "CM-6"]},
    },
    "lifecycle.task_definition.deployed_revision_scanned": {
        "title": "Deployed task-definition revision was scanned and passed the gate",
        "severity": "high",
        "remediation": "Scan every revision before a service deploys it (ecsguard scan "
        "--fail-on in the pipeline) and roll back revisions that fail.",
        "frameworks": {"pci-dss-4.0": ["6.5.1", "6.2.4"], "nist-800-53-r5": ["CM-4", "SA-11"]},
    },
    "lifecycle.scope.cde_unchanged_since_confirmation": {
        "title": "CDE service unchanged since the last scope confirmation",
        "severity": "medium",
        "remediation": "Re-run ecsguard scope and have the scope owner confirm it (PCI DSS "
        "12.5.2 asks for confirmation after significant changes).",
        "frameworks": {"pci-dss-4.0": ["12.5.2", "12.5.2.1"], "nist-800-53-r5": ["CM-4"]},
    },
}


def make_finding(
    check_id: str,
    record: Resource,
    status: str,
    detail: str,
    evidence: Evidence | None = None,
    severity: str | None = None,
) -> Finding:
    meta = CHECKS[check_id]
    origin = record.origin
    location = Location(file=origin.file, line=origin.line) if origin and origin.file else None
    return Finding(
        id=finding_id(check_id, record.id),
        check_id=check_id,
        title=meta["title"],
        severity=severity or meta["severity"],
        status=status,
        resource=ResourceRef(
            type=record.TYPE, id=record.id, name=record.name, region=record.region
        ),
        location=location,
        evidence=evidence,
        detail=detail,
        remediation=meta["remediation"],
        frameworks=meta["frameworks"],
    )


def _epoch(value: str | float | int | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _deploying(svc: ecs.Service, now: float | None, grace: float) -> bool:
    """A deployment is still within its life: started less than ``grace`` seconds ago.

    A rollout that has been IN_PROGRESS for longer than that is stuck, which is exactly the
    drift to report; without timestamps an IN_PROGRESS rollout gets the benefit of the doubt.
    """
    for dep in svc.deployments:
        started = _epoch(dep.created_at) or _epoch(dep.updated_at)
        if started is None or now is None:
            if dep.rollout_state == "IN_PROGRESS":
                return True
            continue
        if dep.status == "PRIMARY" and now - started < grace:
            return True
    return False


def stale_tasks(inv: Inventory, grace_seconds: float = 3600.0) -> list[Finding]:
    """Services whose running tasks use another revision than the desired one, after deploy."""
    now = _epoch(inv.collected_at)
    out: list[Finding] = []
    for svc in inv.services:
        if is_template(svc) or svc.status == "INACTIVE" or not svc.task_definition:
            continue
        desired = inv.task_definition(svc.task_definition)
        desired_id = desired.id if desired else svc.task_definition
        stale = sorted(
            {
                t.task_definition_arn
                for t in inv.tasks
                if t.group == f"service:{svc.service_name}"
                and t.cluster_arn == svc.cluster_arn
                and t.last_status in ("PENDING", "ACTIVATING", "RUNNING")
                and t.task_definition_arn != desired_id
            }
        )
        check = "lifecycle.service.tasks_on_desired_revision"
        if not stale:
            out.append(make_finding(check, svc, "pass", f"All running tasks use {desired_id}."))
            continue
        if _deploying(svc, now, grace_seconds):
            detail = f"Tasks on {', '.join(stale)} while a deployment to {desired_id} is under way."
            out.append(make_finding(check, svc, "pass", detail))
            continue
        detail = (
            f"Tasks still run {', '.join(stale)} although the service wants {desired_id} "
            "and no deployment is in progress."
        )
        evidence = Evidence(path="taskDefinition", value={"desired": desired_id, "running": stale})
        out.append(make_finding(check, svc, "fail", detail, evidence))
    return out


def iac_drift(inv: Inventory) -> list[Finding]:
    """Live resources that differ from the template (CloudFormation/Terraform) defining them."""
    out: list[Finding] = []
    check = "lifecycle.iac.live_matches_template"
    for attr in ATTRIBUTES:
        records = getattr(inv, attr)
        templates = [r for r in records if is_template(r)]
        live = [r for r in records if not is_template(r)]
        if not templates or not live:
            continue
        for template, actual, cross in pair(templates, live):
            if not cross or template is None or actual is None:
                continue
            options = DiffOptions(ignore_identity=True, template_side="old")
            changes = diff_records(template, actual, options)
            out.append(_drift_finding(check, template, actual, changes))
    return out


def _drift_finding(
    check: str, template: Resource, actual: Resource, changes: list[Change]
) -> Finding:
    where = (template.origin.address if template.origin else "") or template.id
    if not changes:
        return make_finding(check, actual, "pass", f"Matches {where}.")
    relevant = [c for c in changes if c.security_relevant]
    first = (relevant or changes)[0]
    paths = ", ".join(c.path for c in (relevant or changes)[:5])
    detail = f"{len(changes)} parameter(s) differ from template {where}: {paths}."
    evidence = Evidence(path=first.path, value={"template": first.old, "live": first.new})
    severity = None if relevant else "low"
    return make_finding(check, actual, "fail", detail, evidence, severity)


def deployed_unscanned(
    inv: Inventory, gate: dict[str, str | None], fail_on: str = "high"
) -> list[Finding]:
    """Deployed revisions never scanned (absent from ``gate``) or failing at ``fail_on``+.

    ``gate`` maps a revision's id to the worst severity that failed when it was first scanned
    (None: it passed everything).
    """
    check = "lifecycle.task_definition.deployed_revision_scanned"
    deployed: dict[str, list[str]] = {}
    for svc in inv.services:
        if is_template(svc) or svc.status == "INACTIVE":
            continue
        td = inv.task_definition(svc.task_definition)
        if td is not None and not is_template(td):
            deployed.setdefault(td.id, []).append(svc.name)
    out: list[Finding] = []
    threshold = SEVERITY_RANK.get(fail_on, 3)
    for td_id, services in sorted(deployed.items()):
        td = inv.task_definition(td_id)
        assert td is not None
        users = ", ".join(services)
        if td_id not in gate:
            out.append(
                make_finding(
                    check, td, "fail", f"{td.name} is deployed by {users} but was never scanned."
                )
            )
            continue
        worst = gate[td_id]
        if worst is not None and SEVERITY_RANK.get(worst, 0) >= threshold:
            detail = (
                f"{td.name} failed the --fail-on {fail_on} gate ({worst}) yet {users} deploys it."
            )
            evidence = Evidence(path="", value={"worst_failing_severity": worst})
            out.append(make_finding(check, td, "fail", detail, evidence))
            continue
        out.append(make_finding(check, td, "pass", f"{td.name} was scanned and passed the gate."))
    return out


def cde_changed(
    inv: Inventory, cde_services: set[str], changed: dict[str, list[str]], scope_time: str
) -> list[Finding]:
    """CDE services (ids) whose configuration changed since the scope run.

    ``changed`` maps a service id to the changed parameter paths (its own and its desired
    task definition's) between the scope run and now.
    """
    check = "lifecycle.scope.cde_unchanged_since_confirmation"
    out: list[Finding] = []
    for svc in inv.services:
        if svc.id not in cde_services and svc.name not in cde_services:
            continue
        paths = changed.get(svc.id, [])
        if not paths:
            out.append(
                make_finding(check, svc, "pass", f"Unchanged since the scope of {scope_time}.")
            )
            continue
        detail = f"Changed since the scope confirmed on {scope_time}: {', '.join(paths[:5])}."
        out.append(make_finding(check, svc, "fail", detail, Evidence(path=paths[0], value=paths)))
    return out
