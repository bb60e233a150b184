"""Finding and ScanResult: the posture result contract of DESIGN §3.3.

Every output format (json, sarif, asff, ocsf, csv, html, table) and every sink renders these
structs; ``ScanResult.to_dict()`` is exactly the ``--format json`` document.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

import msgspec

Severity = Literal["critical", "high", "medium", "low", "info"]
Status = Literal["fail", "pass", "error"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {
    name: rank for rank, name in enumerate(reversed(SEVERITIES))
}  # info=0 .. critical=4


class ResourceRef(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str
    id: str
    name: str = ""
    region: str = ""


class Location(msgspec.Struct, kw_only=True, omit_defaults=True):
    file: str = ""
    line: int | None = None


class Evidence(msgspec.Struct, kw_only=True):
    path: str = ""
    value: Any = None


class Finding(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    check_id: str
    title: str
    severity: str
    status: str
    resource: ResourceRef
    location: Location | None = None
    evidence: Evidence | None = None
    detail: str = ""
    remediation: str = ""
    references: dict[str, list[str]] = {}
    frameworks: dict[str, list[str]] = {}
    # additions beyond the §3.3 minimum (contracts only grow):
    scope: str | None = None  # PCI category of the resource when --scope is given
    suppressed: dict[str, Any] | None = None  # {"reason":..., "expires":..., "expired": bool}


def finding_id(check_id: str, resource_id: str) -> str:
    """Stable id: sha256 of check id + resource id (same finding across runs and formats)."""
    return hashlib.sha256(f"{check_id}\x1f{resource_id}".encode()).hexdigest()


class ScanResult(msgspec.Struct, kw_only=True):
    tool_version: str
    inputs: list[str]
    results: list[Finding]
    notes: list[str] = []  # e.g. "ecs.service.* not applicable for terraform"
    # counts of every evaluated result when ``results`` lists only some (``scan --quiet``)
    totals: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        if self.totals is not None:
            return self.totals
        counts = {"fail": 0, "pass": 0, "error": 0}
        by_severity = dict.fromkeys(SEVERITIES, 0)
        for finding in self.results:
            if finding.suppressed and not finding.suppressed.get("expired"):
                continue
            counts[finding.status] = counts.get(finding.status, 0) + 1
            if finding.status == "fail":
                by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
        return {**counts, "by_severity": by_severity}

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "tool": {"name": "ecsguard", "version": self.tool_version},
            "inputs": self.inputs,
            "summary": self.summary(),
            "results": msgspec.to_builtins(self.results),
        }
        if self.notes:
            doc["notes"] = self.notes
        return doc


def failing_only(result: ScanResult) -> ScanResult:
    """The result listing only ``fail`` and ``error`` findings; its summary still counts all."""
    return ScanResult(
        tool_version=result.tool_version,
        inputs=result.inputs,
        results=[f for f in result.results if f.status != "pass"],
        notes=result.notes,
        totals=result.summary(),
    )
