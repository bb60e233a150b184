"""Self-contained HTML: the scan report and the evidence pack. One file, inline CSS and JS.

Jinja2 autoescaping is on for every template, so names, tags and details from the audited estate
are always escaped; control characters are removed as well so the file stays clean to view.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import jinja2

from ecsguard.frameworks import load_frameworks
from ecsguard.posture.result import Finding, ScanResult
from ecsguard.report.common import (
    framework_labels,
    frameworks_in,
    iso,
    location_text,
    option_time,
    sorted_findings,
)
from ecsguard.report.evidence import EvidencePack, build_evidence_pack
from ecsguard.report.text import terminal_safe


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ecsguard.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_clean,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _clean(value: Any) -> Any:
    # Runs on every {{ expression }} before escaping: strips ANSI and control characters.
    return terminal_safe(value) if isinstance(value, str) else value


def render_html(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    shipped = load_frameworks()
    packs = [
        build_evidence_pack(result, shipped[fw]).to_dict()
        for fw in frameworks_in(result, frameworks)
        if fw in shipped
    ]
    template = environment().get_template("scan.html.j2")
    return template.render(
        tool_version=result.tool_version,
        generated_at=iso(option_time(options)),
        inputs=result.inputs,
        summary=result.summary(),
        notes=result.notes,
        frameworks=packs,
        findings=[_finding_row(f, frameworks) for f in sorted_findings(result.results)],
    )


def render_evidence_html(pack: EvidencePack) -> str:
    return environment().get_template("evidence.html.j2").render(pack=pack.to_dict())


def _finding_row(finding: Finding, frameworks: Sequence[str] | None) -> dict[str, Any]:
    suppressed = ""
    if finding.suppressed:
        reason = str(finding.suppressed.get("reason", ""))
        suppressed = f"{reason} (expired)" if finding.suppressed.get("expired") else reason
    return {
        "severity": finding.severity,
        "status": finding.status,
        "suppressed": suppressed,
        "check_id": finding.check_id,
        "title": finding.title,
        "resource_type": finding.resource.type,
        "resource_id": finding.resource.id,
        "resource_name": finding.resource.name or finding.resource.id,
        "where": location_text(finding) or finding.resource.region,
        "evidence_path": finding.evidence.path if finding.evidence is not None else "",
        "detail": finding.detail,
        "remediation": finding.remediation,
        "frameworks": framework_labels(finding, frameworks),
    }
