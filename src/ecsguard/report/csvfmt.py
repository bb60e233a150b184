"""CSV: one row per result, for spreadsheets. Cells that would start a formula are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from ecsguard.posture.result import Finding, ScanResult
from ecsguard.report.common import framework_labels, location_text, sorted_findings
from ecsguard.report.text import cell_safe

COLUMNS = (
    "id",
    "check_id",
    "title",
    "severity",
    "status",
    "suppressed",
    "pci_scope",
    "resource_type",
    "resource_id",
    "resource_name",
    "region",
    "location",
    "evidence_path",
    "detail",
    "remediation",
    "frameworks",
    "references",
)


def render_csv(result: ScanResult, *, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for finding in sorted_findings(result.results):
        writer.writerow(
            [cell_safe("" if value is None else value) for value in _row(finding, frameworks)]
        )
    return buffer.getvalue()


def _row(finding: Finding, frameworks: Sequence[str] | None) -> list[object]:
    suppressed = ""
    if finding.suppressed:
        suppressed = "expired" if finding.suppressed.get("expired") else "yes"
    references = [
        f"{tool}:{ref}" for tool, ids in sorted(finding.references.items()) for ref in ids
    ]
    return [
        finding.id,
        finding.check_id,
        finding.title,
        finding.severity,
        finding.status,
        suppressed,
        finding.scope or "",
        finding.resource.type,
        finding.resource.id,
        finding.resource.name,
        finding.resource.region,
        location_text(finding),
        finding.evidence.path if finding.evidence is not None else "",
        finding.detail,
        finding.remediation,
        "; ".join(framework_labels(finding, frameworks)),
        "; ".join(references),
    ]
