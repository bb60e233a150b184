"""OCSF 1.5.0 Compliance Finding events (class 2003), one per result, as a JSON array.

The ``cloud`` profile is applied (``cloud.provider`` = AWS, region and account when known).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ecsguard.posture.result import Finding, ScanResult
from ecsguard.report.common import arn_parts, estate_account, is_suppressed, option_time
from ecsguard.report.text import one_line

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003
ACTIVITY_CREATE = 1
SEVERITY_IDS = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
SEVERITY_NAMES = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
# compliance.status_id: 1 Pass, 3 Fail, 0 Unknown (an error means it could not be evaluated).
COMPLIANCE_STATUS = {"pass": (1, "Pass"), "fail": (3, "Fail"), "error": (0, "Unknown")}
AWS_ACCOUNT_TYPE_ID = 10


def render_ocsf(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    events = to_ocsf(result, frameworks=frameworks, **options)
    return orjson.dumps(events, option=orjson.OPT_INDENT_2).decode() + "\n"


def to_ocsf(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> list[dict[str, Any]]:
    millis = int(option_time(options).timestamp() * 1000)
    options = {**options, "account_id": estate_account(result, options)}
    product = {"name": "ecsguard", "vendor_name": "ecsguard", "version": result.tool_version}
    return [_event(f, millis, product, frameworks, options) for f in result.results]


def _event(
    finding: Finding,
    millis: int,
    product: dict[str, str],
    frameworks: Sequence[str] | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    severity_id = SEVERITY_IDS.get(finding.severity, 0)
    status_id, status = COMPLIANCE_STATUS.get(finding.status, (0, "Unknown"))
    suppressed = is_suppressed(finding)
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": SEVERITY_NAMES.get(severity_id, "Unknown"),
        "time": millis,
        "status_id": 3 if suppressed else 1,
        "status": "Suppressed" if suppressed else "New",
        "message": one_line(finding.detail or finding.title),
        "metadata": {
            "version": OCSF_VERSION,
            "product": product,
            "profiles": ["cloud"],
            "uid": f"{finding.id}-{millis}",  # one per emitted event; finding_info.uid is stable
            "event_code": finding.check_id,
        },
        "finding_info": {
            "uid": finding.id,
            "title": one_line(finding.title),
            "desc": one_line(finding.detail or finding.title),
            "types": [finding.check_id],
        },
        "compliance": _compliance(finding, frameworks, status_id, status),
        "cloud": _cloud(finding, options),
        "resources": [_resource(finding)],
        "unmapped": _unmapped(finding),
    }
    if finding.remediation:
        event["remediation"] = {"desc": one_line(finding.remediation)}
    return event


def _compliance(
    finding: Finding, frameworks: Sequence[str] | None, status_id: int, status: str
) -> dict[str, Any]:
    chosen = {
        fw: reqs
        for fw, reqs in sorted(finding.frameworks.items())
        if frameworks is None or fw in frameworks
    }
    return {
        "control": finding.check_id,
        "standards": list(chosen),
        "requirements": [f"{fw} {req}" for fw, reqs in chosen.items() for req in reqs],
        "status_id": status_id,
        "status": status,
    }


def _cloud(finding: Finding, options: dict[str, Any]) -> dict[str, Any]:
    arn = arn_parts(finding.resource.id)
    cloud: dict[str, Any] = {"provider": "AWS"}
    region = finding.resource.region or arn.get("region") or str(options.get("region") or "")
    if region:
        cloud["region"] = region
    account = arn.get("account") or str(options.get("account_id") or "")
    if account:
        cloud["account"] = {"uid": account, "type_id": AWS_ACCOUNT_TYPE_ID, "type": "AWS Account"}
    if arn.get("partition"):
        cloud["cloud_partition"] = arn["partition"]
    return cloud


def _resource(finding: Finding) -> dict[str, Any]:
    resource: dict[str, Any] = {"uid": finding.resource.id, "type": finding.resource.type}
    if finding.resource.name:
        resource["name"] = finding.resource.name
    if finding.resource.region:
        resource["region"] = finding.resource.region
    return resource


def _unmapped(finding: Finding) -> dict[str, Any]:
    extra: dict[str, Any] = {"status": finding.status, "references": finding.references}
    if finding.location is not None and finding.location.file:
        extra["location"] = {"file": finding.location.file, "line": finding.location.line}
    if finding.evidence is not None and finding.evidence.path:
        extra["evidence"] = {"path": finding.evidence.path, "value": finding.evidence.value}
    if finding.suppressed:
        extra["suppressed"] = finding.suppressed
    return {"ecsguard": extra}
