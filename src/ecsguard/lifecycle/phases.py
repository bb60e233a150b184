"""Where each task-definition family stands in its lifecycle, from one Inventory.

Phases, most advanced first: ``running`` (a task runs it), ``deployed`` (a service's desired
or in-flight revision), ``registered`` (ACTIVE, unused), ``inactive`` (deregistered),
``deleted`` (DELETE_IN_PROGRESS, or gone from the account), ``template-only`` (defined in
CloudFormation/Terraform, never registered).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import msgspec

from ecsguard.lifecycle.match import is_template
from ecsguard.model import Inventory, ecs

PHASES: tuple[str, ...] = (
    "running",
    "deployed",
    "registered",
    "inactive",
    "deleted",
    "template-only",
)
_LIVE_TASK = frozenset({"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"})


class Revision(msgspec.Struct, kw_only=True):
    revision: int
    arn: str
    status: str
    phase: str
    registered_at: str | None = None
    registered_by: str | None = None
    deregistered_at: str | None = None
    services: list[str] = []  # services whose desired or in-flight deployment uses it
    running_tasks: int = 0


class Family(msgspec.Struct, kw_only=True):
    family: str
    region: str
    phase: str
    revisions: list[Revision] = []
    templates: list[str] = []  # CloudFormation logical ids / Terraform addresses
    services: dict[str, int | None] = {}  # service name -> desired revision


def when(value: str | float | int | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def revision_of(ref: str | None) -> tuple[str, int | None]:
    """(family, revision) of an ARN, ``family:rev`` or bare family."""
    if not ref:
        return "", None
    tail = ref.rsplit("/", 1)[-1]
    family, _, rev = tail.partition(":")
    return family, int(rev) if rev.isdigit() else None


def _uses(
    inv: Inventory,
) -> tuple[dict[str, set[str]], dict[str, int], dict[str, dict[str, int | None]]]:
    """Services per revision ARN, running tasks per ARN, desired revision per family+service."""
    services: dict[str, set[str]] = defaultdict(set)
    desired: dict[str, dict[str, int | None]] = defaultdict(dict)
    for svc in inv.services:
        if is_template(svc) or svc.status == "INACTIVE":
            continue
        # The service's taskDefinition is the PRIMARY deployment's; an older ACTIVE deployment
        # still draining tasks keeps its revision deployed until it is gone.
        refs = [svc.task_definition] + [
            d.task_definition
            for d in svc.deployments
            if d.status == "ACTIVE"
            and (d.running_count is None or d.running_count + (d.pending_count or 0) > 0)
        ]
        for ref in refs:
            td = inv.task_definition(ref)
            if td is not None:
                services[td.id].add(svc.name)
        family, rev = revision_of(svc.task_definition)
        td = inv.task_definition(svc.task_definition)
        if td is not None:
            family, rev = td.family, td.revision
        if family:
            desired[family][svc.name] = rev
    running: dict[str, int] = defaultdict(int)
    for task in inv.tasks:
        if task.last_status in _LIVE_TASK and task.desired_status != "STOPPED":
            td = inv.task_definition(task.task_definition_arn)
            running[td.id if td else task.task_definition_arn] += 1
    return services, running, desired


def _phase(td: ecs.TaskDefinition, services: set[str], running: int) -> str:
    if running:
        return "running"
    if services:
        return "deployed"
    if td.status == "DELETE_IN_PROGRESS":
        return "deleted"
    if td.status == "INACTIVE":
        return "inactive"
    return "registered"


def lifecycle_view(inv: Inventory, gone: set[tuple[str, str]] | None = None) -> list[Family]:
    """One Family per (region, family); ``gone`` adds families deleted since an earlier run."""
    services, running, desired = _uses(inv)
    families: dict[tuple[str, str], Family] = {}
    templates = [td for td in inv.task_definitions if is_template(td)]
    for td in inv.task_definitions:
        if is_template(td):
            continue
        key = (td.region, td.family or td.id)
        fam = families.setdefault(key, Family(family=key[1], region=td.region, phase="registered"))
        fam.revisions.append(
            Revision(
                revision=td.revision or 0,
                arn=td.id,
                status=td.status or "ACTIVE",
                phase=_phase(td, services.get(td.id, set()), running.get(td.id, 0)),
                registered_at=when(td.registered_at),
                registered_by=td.registered_by,
                deregistered_at=when(td.deregistered_at),
                services=sorted(services.get(td.id, set())),
                running_tasks=running.get(td.id, 0),
            )
        )
    for td in templates:  # a template names no region: it joins the live family of its name
        name = td.family or td.id
        homes = [f for (_, n), f in families.items() if n == name]
        if not homes:
            homes = [
                families.setdefault(
                    (td.region, name), Family(family=name, region=td.region, phase="template-only")
                )
            ]
        for fam in homes:
            fam.templates.append((td.origin.address if td.origin else "") or td.id)
    for (_, name), fam in families.items():
        fam.revisions.sort(key=lambda r: r.revision)
        fam.services = dict(sorted(desired.get(name, {}).items()))
        if fam.revisions:
            fam.phase = min((r.phase for r in fam.revisions), key=PHASES.index)
    for region, name in sorted(gone or set()):
        if (region, name) not in families:
            families[(region, name)] = Family(family=name, region=region, phase="deleted")
    return sorted(families.values(), key=lambda f: (f.region, f.family))
