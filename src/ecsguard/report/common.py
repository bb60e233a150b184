"""Small helpers every renderer shares: severity ranks, status filters, framework labels."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ecsguard.posture.result import SEVERITIES, Finding, ScanResult

_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):[^:]*:(?P<region>[^:]*):(?P<account>\d{12}):")


def is_active_failure(finding: Finding) -> bool:
    """A failure not covered by a live (unexpired) suppression."""
    if finding.status != "fail":
        return False
    return not (finding.suppressed and not finding.suppressed.get("expired"))


def is_suppressed(finding: Finding) -> bool:
    return bool(finding.suppressed) and not (finding.suppressed or {}).get("expired")


def severity_order(finding: Finding) -> int:
    return SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else len(SEVERITIES)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (severity_order(f), f.check_id, f.resource.id))


def framework_labels(finding: Finding, only: Sequence[str] | None = None) -> list[str]:
    """``["pci-dss-4.0 7.2.1", ...]`` for the frameworks asked for (all when ``only`` is None)."""
    return [
        f"{framework} {requirement}"
        for framework, requirements in sorted(finding.frameworks.items())
        if only is None or framework in only
        for requirement in requirements
    ]


def location_text(finding: Finding) -> str:
    if finding.location is None or not finding.location.file:
        return ""
    line = finding.location.line
    return f"{finding.location.file}:{line}" if line else finding.location.file


def arn_parts(resource_id: str) -> dict[str, str]:
    """Partition, region and account of an ARN; empty for CFN logical ids and TF addresses."""
    match = _ARN.match(resource_id)
    return match.groupdict() if match else {}


def estate_account(result: ScanResult, options: dict[str, Any]) -> str:
    """The ``account_id`` option, else the one account every ARN in the result names, else ""."""
    given = options.get("account_id")
    if given:
        return str(given)
    accounts = {arn_parts(f.resource.id).get("account") for f in result.results} - {None}
    return accounts.pop() or "" if len(accounts) == 1 else ""


def frameworks_in(result: ScanResult, only: Sequence[str] | None) -> list[str]:
    """Framework ids present in the results (or the ones asked for), in a stable order."""
    if only:
        return list(dict.fromkeys(only))
    seen = {fw for finding in result.results for fw in finding.frameworks}
    return sorted(seen)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def option_time(options: dict[str, Any]) -> dt.datetime:
    """The ``now`` option (tests pin it) or the current time."""
    value = options.get("now")
    return value if isinstance(value, dt.datetime) else utc_now()
