"""Alerts: the DESIGN §3.5 JSON shape, OCSF Detection Finding (2004) and ASFF renderings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecsguard import __version__

__all__ = ["SEVERITIES", "Alert", "Detection", "iso_time", "render_alert", "to_asff", "to_ocsf"]

SEVERITIES = ("info", "low", "medium", "high", "critical")
_OCSF_SEVERITY = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
_ASFF_LABEL = {
    "info": "INFORMATIONAL",
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
    "critical": "CRITICAL",
}
_ASFF_NORMALIZED = {"info": 0, "low": 30, "medium": 50, "high": 70, "critical": 90}


def iso_time(epoch_ms: int | float | None) -> str:
    """Epoch milliseconds as an ISO-8601 UTC string (now when unknown)."""
    if not isinstance(epoch_ms, int | float) or epoch_ms <= 0:
        moment = datetime.now(UTC)
    else:
        moment = datetime.fromtimestamp(min(float(epoch_ms), 3.2e14) / 1000.0, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(slots=True)
class Alert:
    """One (possibly aggregated) detection. ``to_dict`` is the contract shape plus added keys."""

    rule_id: str
    finding_type: str
    severity: str
    title: str
    detail: str
    time_ms: int
    event_uids: list[str]
    resource: dict[str, Any]
    process: dict[str, Any]
    mitre: list[str]
    tags: list[str] = field(default_factory=list)
    source: str = "rule"
    evidence: dict[str, Any] = field(default_factory=dict)
    count: int = 1
    last_ms: int = 0
    pci_category: str | None = None
    hostname: str | None = None

    @property
    def id(self) -> str:
        """Stable for the same rule, task, process tree and first event."""
        first = self.event_uids[0] if self.event_uids else str(self.time_ms)
        key = "|".join([self.rule_id, str(self.resource.get("task_arn")), first])
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "time": iso_time(self.time_ms),
            "rule_id": self.rule_id,
            "finding_type": self.finding_type,
            "severity": self.severity,
            "title": self.title,
            "event_uids": list(self.event_uids),
            "resource": dict(self.resource),
            "process": dict(self.process),
            "detail": self.detail,
            "mitre": list(self.mitre),
            "count": self.count,
            "first_seen": iso_time(self.time_ms),
            "last_seen": iso_time(self.last_ms or self.time_ms),
            "source": self.source,
            "tags": list(self.tags),
        }
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        if self.pci_category:
            out["pci_category"] = self.pci_category
        if self.hostname:
            out["hostname"] = self.hostname
        return out


def _account_region(task_arn: str | None) -> tuple[str, str, str]:
    parts = (task_arn or "").split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        return parts[1] or "aws", parts[3] or "us-east-1", parts[4] or "000000000000"
    return "aws", "us-east-1", "000000000000"


def to_ocsf(alert: Alert) -> dict[str, Any]:
    """OCSF 1.1 Detection Finding (class 2004, activity 1 Create)."""
    res = alert.resource
    finding: dict[str, Any] = {
        "uid": alert.id,
        "title": alert.title,
        "desc": alert.detail,
        "types": [alert.finding_type],
        "analytic": {"uid": alert.rule_id, "name": alert.title, "type_id": 1, "type": "Rule"},
        "first_seen_time": alert.time_ms,
        "last_seen_time": alert.last_ms or alert.time_ms,
        "related_events": [{"uid": uid} for uid in alert.event_uids],
        "attacks": [{"technique": {"uid": t}} for t in alert.mitre],
    }
    process = {
        k: v
        for k, v in {
            "name": alert.process.get("name"),
            "pid": alert.process.get("pid"),
            "cmd_line": alert.process.get("cmdline"),
        }.items()
        if v is not None
    }
    container = {
        k: v
        for k, v in {
            "name": res.get("container"),
            "image": {"name": res.get("image")} if res.get("image") else None,
        }.items()
        if v
    }
    return {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "activity_id": 1,
        "type_uid": 200401,
        "severity_id": _OCSF_SEVERITY.get(alert.severity, 0),
        "severity": alert.severity.capitalize(),
        "status_id": 1,
        "is_alert": True,
        "time": alert.time_ms,
        "count": alert.count,
        "message": alert.title,
        "metadata": {
            "version": "1.1.0",
            "uid": alert.id,
            "product": {"name": "ecsguard", "vendor_name": "ecsguard", "version": __version__},
        },
        "finding_info": finding,
        "resources": [
            {
                "uid": res.get("task_arn") or "unknown",
                "type": "AwsEcsTask",
                "name": res.get("cluster"),
            }
        ],
        "evidences": [{"process": process, "container": container}],
        "unmapped": {"ecsguard": alert.to_dict()},
    }


def to_asff(alert: Alert) -> dict[str, Any]:
    """AWS Security Finding Format, ready for BatchImportFindings."""
    res = alert.resource
    partition, region, account = _account_region(res.get("task_arn"))
    created = iso_time(alert.time_ms)
    tactic = alert.finding_type.split(":", 1)[0]
    resources: list[dict[str, Any]] = [
        {
            "Type": "AwsEcsTask",
            "Id": res.get("task_arn") or "unknown",
            "Partition": partition,
            "Region": region,
            "Details": {"Other": {"cluster": str(res.get("cluster") or "")}},
        }
    ]
    if res.get("container"):
        resources.append(
            {
                "Type": "Container",
                "Id": str(res.get("container_id") or res["container"]),
                "Details": {
                    "Container": {
                        "Name": str(res["container"]),
                        "ImageName": str(res.get("image") or ""),
                    }
                },
            }
        )
    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": alert.id,
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"ecsguard/{alert.rule_id}",
        "AwsAccountId": account,
        "Types": [f"TTPs/{tactic}/{alert.finding_type}"],
        "CreatedAt": created,
        "UpdatedAt": iso_time(alert.last_ms or alert.time_ms),
        "FirstObservedAt": created,
        "LastObservedAt": iso_time(alert.last_ms or alert.time_ms),
        "Severity": {
            "Label": _ASFF_LABEL.get(alert.severity, "INFORMATIONAL"),
            "Normalized": _ASFF_NORMALIZED.get(alert.severity, 0),
            "Original": alert.severity,
        },
        "Title": alert.title[:256],
        "Description": (alert.detail or alert.title)[:1024],
        "Resources": resources,
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "ProductFields": {
            "ecsguard/finding_type": alert.finding_type,
            "ecsguard/count": str(alert.count),
        },
    }
    if alert.process.get("name"):
        proc: dict[str, Any] = {"Name": str(alert.process["name"])[:64]}
        if isinstance(alert.process.get("pid"), int):
            proc["Pid"] = alert.process["pid"]
        finding["Process"] = proc
    indicator = alert.evidence.get("indicator")
    if indicator:
        finding["ThreatIntelIndicators"] = [
            {"Type": str(alert.evidence.get("indicator_type", "DOMAIN")), "Value": str(indicator)}
        ]
    return finding


def render_alert(alert: Alert, fmt: str) -> dict[str, Any]:
    """The alert in an output format: json (DESIGN §3.5), ocsf or asff."""
    if fmt == "ocsf":
        return to_ocsf(alert)
    if fmt == "asff":
        return to_asff(alert)
    return alert.to_dict()


@dataclass(slots=True)
class Detection:
    """What a detector (rule, intel, baseline, YARA) found on one event, before context is added."""

    rule_id: str
    finding_type: str
    severity: str
    title: str
    detail: str
    mitre: list[str] = field(default_factory=list)
    source: str = "rule"
    evidence: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
