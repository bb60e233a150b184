"""The evidence pack an assessor reads: per requirement, who owns it, what proves it, what is missing.

Built from a ScanResult, one framework, optional manual attestations and an optional scope report
(DESIGN §3.4). Pure: no I/O; the CLI reads files and renders the pack as HTML or JSON.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from ecsguard.frameworks.attestations import Attestation
from ecsguard.frameworks.model import Framework, Requirement
from ecsguard.posture.result import Finding, ScanResult

# Ordered worst first: the order the summary and the HTML use.
STATUSES: tuple[str, ...] = (
    "fail",
    "error",
    "attestation-expired",
    "needs-attestation",
    "not-evaluated",
    "scope-review",
    "pass",
    "inherited",
)


class ResourceResult(msgspec.Struct, kw_only=True):
    finding_id: str
    status: str
    severity: str
    type: str
    id: str
    name: str = ""
    location: str = ""
    detail: str = ""
    suppressed: str = ""


class CheckEvidence(msgspec.Struct, kw_only=True):
    check_id: str
    provenance: str
    title: str = ""
    remediation: str = ""
    passed: int = 0
    failed: int = 0
    errors: int = 0
    suppressed: int = 0
    resources: list[ResourceResult] = []


class AttestationEvidence(msgspec.Struct, kw_only=True):
    owner: str
    date: str
    expires: str
    evidence: str
    status: str
    statement: str = ""
    source: str = ""


class RequirementEvidence(msgspec.Struct, kw_only=True):
    id: str
    title: str
    section: str
    ownership: str
    status: str
    launch_types: dict[str, str] = {}
    checks: list[CheckEvidence] = []
    scope: str = ""
    scope_evidence: dict[str, Any] = {}
    manual: bool = False
    attestations: list[AttestationEvidence] = []
    gaps: list[str] = []
    guidance: str = ""


class EvidencePack(msgspec.Struct, kw_only=True):
    framework: dict[str, str]
    generated_at: str
    tool_version: str
    inputs: list[str]
    summary: dict[str, Any]
    requirements: list[RequirementEvidence]
    ecsguard_evidence: int = 1

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = msgspec.to_builtins(self)
        return doc


class PackContext(msgspec.Struct, kw_only=True):
    """What every requirement of one pack is judged against."""

    by_check: dict[str, list[Finding]]
    today: dt.date
    scope_summary: dict[str, Any] | None = None
    launch_type: str | None = None
    # check id -> why it produced no result (from the scan's notes, e.g. "not applicable for
    # cloudformation"), so an assessor reads a reason rather than a bare "not evaluated".
    not_run: dict[str, str] = {}


def build_evidence_pack(
    result: ScanResult,
    framework: Framework,
    *,
    attestations: Iterable[Attestation] = (),
    scope_report: dict[str, Any] | None = None,
    today: dt.date | None = None,
    launch_type: str | None = None,
) -> EvidencePack:
    """Assemble the pack; ``today`` decides which attestations have expired; ``launch_type``
    (fargate|ec2) resolves ownership where the two differ."""
    context = PackContext(
        by_check=_findings_by_check(result.results),
        today=today or dt.datetime.now(dt.UTC).date(),
        scope_summary=summarise_scope(scope_report) if scope_report is not None else None,
        launch_type=launch_type,
        not_run=_reasons_not_run(result.notes),
    )
    attested = _attestations_by_requirement(attestations, framework.id)
    requirements = [
        requirement_evidence(req, attested.get(req.id, []), context)
        for req in framework.requirements
    ]
    counts = Counter(req.status for req in requirements)
    return EvidencePack(
        framework={
            "id": framework.id,
            "name": framework.name,
            "version": framework.version,
            "source": framework.source,
            "launch_type": launch_type or "any",
        },
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tool_version=result.tool_version,
        inputs=list(result.inputs),
        summary={
            "requirements": len(requirements),
            "by_status": {status: counts.get(status, 0) for status in STATUSES},
            "by_ownership": dict(Counter(req.ownership for req in requirements)),
            "findings": result.summary(),
        },
        requirements=requirements,
    )


def requirement_evidence(
    req: Requirement, attestations: Sequence[Attestation], context: PackContext
) -> RequirementEvidence:
    scope_summary = context.scope_summary
    checks = [
        _check_evidence(m.check, m.provenance, context.by_check.get(m.check, []))
        for m in req.checks
    ]
    attests = [_attestation_evidence(a, context.today) for a in attestations]
    gaps = _gaps(req, checks, attests, context)
    scope_gaps = scope_problems(scope_summary) if (req.scope and scope_summary) else []
    ownership = req.ownership_for(context.launch_type)
    status = _status(req, checks, attests, scope_summary)
    if scope_gaps and status == "pass":
        status = "scope-review"  # the attested scope disagrees with what the engine computed
    if ownership == "aws" and status not in ("fail", "error"):
        status = "inherited"  # AWS's side of the model: evidenced by AWS's own attestation
    return RequirementEvidence(
        id=req.id,
        title=req.title,
        section=req.section,
        ownership=ownership,
        launch_types={str(k): str(v) for k, v in req.launch_types.items()},
        status=status,
        checks=checks,
        scope=req.scope,
        scope_evidence=scope_summary if (req.scope and scope_summary) else {},
        manual=req.manual,
        attestations=attests,
        gaps=gaps + scope_gaps,
        guidance=req.guidance,
    )


def _findings_by_check(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.check_id, []).append(finding)
    return grouped


def _attestations_by_requirement(
    attestations: Iterable[Attestation], framework_id: str
) -> dict[str, list[Attestation]]:
    grouped: dict[str, list[Attestation]] = {}
    for attestation in attestations:
        if attestation.framework == framework_id:
            grouped.setdefault(attestation.requirement, []).append(attestation)
    return grouped


def is_suppressed(finding: Finding) -> bool:
    return bool(finding.suppressed) and not (finding.suppressed or {}).get("expired")


def _check_evidence(check_id: str, provenance: str, findings: list[Finding]) -> CheckEvidence:
    evidence = CheckEvidence(check_id=check_id, provenance=provenance)
    for finding in findings:
        evidence.title = evidence.title or finding.title
        evidence.remediation = evidence.remediation or finding.remediation
        if is_suppressed(finding):
            evidence.suppressed += 1
        elif finding.status == "fail":
            evidence.failed += 1
        elif finding.status == "error":
            evidence.errors += 1
        else:
            evidence.passed += 1
        evidence.resources.append(_resource_result(finding))
    evidence.resources.sort(key=lambda r: (r.status != "fail", r.status != "error", r.id))
    return evidence


def _resource_result(finding: Finding) -> ResourceResult:
    location = ""
    if finding.location is not None and finding.location.file:
        line = finding.location.line
        location = f"{finding.location.file}:{line}" if line else finding.location.file
    reason = ""
    if is_suppressed(finding):
        reason = str((finding.suppressed or {}).get("reason", "suppressed"))
    return ResourceResult(
        finding_id=finding.id,
        status=finding.status,
        severity=finding.severity,
        type=finding.resource.type,
        id=finding.resource.id,
        name=finding.resource.name,
        location=location,
        detail=finding.detail,
        suppressed=reason,
    )


def _attestation_evidence(attestation: Attestation, today: dt.date) -> AttestationEvidence:
    return AttestationEvidence(
        owner=attestation.owner,
        date=attestation.date.isoformat(),
        expires=attestation.expires.isoformat(),
        evidence=attestation.evidence,
        status=attestation.status(today),
        statement=attestation.statement,
        source=attestation.source,
    )


def _status(
    req: Requirement,
    checks: list[CheckEvidence],
    attests: list[AttestationEvidence],
    scope_summary: dict[str, Any] | None,
) -> str:
    if any(c.failed for c in checks):
        return "fail"
    if any(c.errors for c in checks):
        return "error"
    if req.manual and not any(a.status == "valid" for a in attests):
        return "attestation-expired" if attests else "needs-attestation"
    evaluated = any(c.passed or c.suppressed for c in checks)
    if req.checks and not evaluated and not req.manual:
        return "scope-review" if (req.scope and scope_summary) else "not-evaluated"
    if not req.checks and not req.manual:
        return "scope-review" if scope_summary else "not-evaluated"
    return "pass"


def _gaps(
    req: Requirement,
    checks: list[CheckEvidence],
    attests: list[AttestationEvidence],
    context: PackContext,
) -> list[str]:
    gaps: list[str] = []
    for check in checks:
        if check.failed:
            gaps.append(f"{check.check_id}: {check.failed} resource(s) fail")
        if check.errors:
            gaps.append(f"{check.check_id}: {check.errors} resource(s) could not be evaluated")
        if check.suppressed:
            gaps.append(f"{check.check_id}: {check.suppressed} failure(s) suppressed as accepted")
        if not check.resources:
            reason = context.not_run.get(check.check_id, "no results in the input")
            gaps.append(f"{check.check_id}: {reason} (not evaluated)")
    if req.manual and not any(a.status == "valid" for a in attests):
        expired = [a for a in attests if a.status == "expired"]
        gaps.append(
            f"attestation expired on {max(a.expires for a in expired)}"
            if expired
            else "no manual attestation (owner, date, evidence link, expiry)"
        )
    if req.scope and context.scope_summary is None:
        gaps.append("no scope report attached (run `ecsguard scope --format json`, pass --scope)")
    return gaps


def _reasons_not_run(notes: Iterable[str]) -> dict[str, str]:
    reasons: dict[str, str] = {}
    for note in notes:
        check_id, sep, reason = note.partition(": ")
        if sep and "." in check_id and " " not in check_id:
            reasons[check_id] = reason
    return reasons


def summarise_scope(scope_report: dict[str, Any]) -> dict[str, Any]:
    """The parts of a §3.4 scope report an assessor needs beside a scoping requirement."""
    components = scope_report.get("components") or []
    categories = Counter(str(c.get("category", "undetermined")) for c in components)
    events = Counter(str(e.get("type", "")) for e in scope_report.get("events") or [])
    return {
        "components": len(components),
        "by_category": dict(sorted(categories.items())),
        "edges": len(scope_report.get("edges") or []),
        "events": dict(sorted(events.items())),
        "unknowns": len(scope_report.get("unknowns") or []),
    }


def scope_problems(scope_summary: dict[str, Any]) -> list[str]:
    """What in a scope report an assessor must resolve before scope counts as confirmed."""
    problems = [f"scope report: {n} {kind} event(s)" for kind, n in scope_summary["events"].items()]
    undetermined = scope_summary["by_category"].get("undetermined", 0)
    if undetermined:
        problems.append(f"scope report: {undetermined} component(s) undetermined")
    if scope_summary["unknowns"]:
        problems.append(f"scope report: {scope_summary['unknowns']} unknown(s) to resolve")
    return problems
