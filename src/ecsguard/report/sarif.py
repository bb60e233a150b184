"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One rule per check; one result per active or suppressed failure. IaC findings carry the
template's relative path and line (so code scanning annotates the line); snapshot and live
findings carry a logical location naming the resource ARN. Resource names come from the audited
estate, so text is HTML-escaped: viewers render messages and help as markdown/HTML.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import quote

import orjson

from ecsguard.posture.result import Finding, ScanResult
from ecsguard.report.common import framework_labels, is_suppressed, sorted_findings
from ecsguard.report.text import one_line

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ecsguard/ecsguard"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub reads `security-severity` (0.1-10) to bucket alerts as critical/high/medium/low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def render_sarif(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    base_dir = str(options.get("base_dir") or os.getcwd())
    failures = [f for f in sorted_findings(result.results) if f.status == "fail"]
    rules, index = _rules(failures, frameworks)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ecsguard",
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [_invocation(result)],
        "results": [_result(f, index[f.check_id], base_dir, frameworks) for f in failures],
        "columnKind": "unicodeCodePoints",
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def _text(value: object) -> str:
    return html.escape(one_line(value), quote=False)


def _rules(
    failures: list[Finding], frameworks: Sequence[str] | None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for finding in failures:
        if finding.check_id in index:
            continue
        index[finding.check_id] = len(rules)
        rules.append(_rule(finding, frameworks))
    return rules, index


def _rule(finding: Finding, frameworks: Sequence[str] | None) -> dict[str, Any]:
    remediation = _text(finding.remediation or "See the check documentation.")
    refs = [f"{tool}:{ref}" for tool, ids in sorted(finding.references.items()) for ref in ids]
    properties: dict[str, Any] = {
        "tags": ["security", "ecs", *framework_labels(finding, frameworks)],
        "references": refs,
    }
    if finding.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[finding.severity]
    return {
        "id": finding.check_id,
        "name": "".join(part.title() for part in finding.check_id.replace(".", "_").split("_")),
        "shortDescription": {"text": _text(finding.title)},
        "fullDescription": {"text": _text(finding.title)},
        "help": {"text": remediation, "markdown": f"**Remediation**: {remediation}"},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
        "properties": properties,
    }


def _result(
    finding: Finding, rule_index: int, base_dir: str, frameworks: Sequence[str] | None
) -> dict[str, Any]:
    name = finding.resource.name or finding.resource.id
    message = finding.detail or finding.title
    out: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": _text(f"{message} ({finding.resource.type} {name})")},
        "locations": [_location(finding, base_dir)],
        "partialFingerprints": {"ecsguardFindingId/v1": finding.id},
        "properties": {
            "severity": finding.severity,
            "resourceType": _text(finding.resource.type),
            "resourceId": _text(finding.resource.id),
            "frameworks": framework_labels(finding, frameworks),
        },
    }
    if finding.evidence is not None and finding.evidence.path:
        out["properties"]["evidencePath"] = _text(finding.evidence.path)
    if is_suppressed(finding):
        reason = (finding.suppressed or {}).get("reason", "suppressed in ecsguard configuration")
        out["suppressions"] = [{"kind": "external", "justification": _text(reason)}]
    return out


def _location(finding: Finding, base_dir: str) -> dict[str, Any]:
    logical = {
        "name": _text(finding.resource.name or finding.resource.id),
        "fullyQualifiedName": _text(finding.resource.id),
        "kind": "resource",
    }
    location: dict[str, Any] = {"logicalLocations": [logical]}
    # Only IaC findings have a line; a snapshot file is evidence, not source to annotate.
    if finding.location is not None and finding.location.file and finding.location.line:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(finding.location.file, base_dir)}
        }
        physical["region"] = {"startLine": max(1, finding.location.line)}
        location["physicalLocation"] = physical
    return location


def _uri(path: str, base_dir: str) -> str:
    """A relative, forward-slash, percent-encoded URI (what code scanning matches to the repo);
    a ``file://`` URI when the file lies outside ``base_dir``."""
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path, base_dir)
        except ValueError:  # another drive on Windows
            relative = ".."
        if relative.startswith(".."):
            return PurePath(path).as_uri()
        path = relative
    posix = PurePosixPath(path.replace(os.sep, "/")).as_posix()
    return quote(posix.removeprefix("./"), safe="/:")


def _invocation(result: ScanResult) -> dict[str, Any]:
    notes = [{"level": "note", "message": {"text": _text(note)}} for note in result.notes]
    errors = [
        {
            "level": "error",
            "message": {"text": _text(f"{f.check_id} on {f.resource.id}: {f.detail or f.title}")},
        }
        for f in result.results
        if f.status == "error"
    ]
    return {"executionSuccessful": True, "toolExecutionNotifications": notes + errors}
