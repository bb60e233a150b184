"""Suppressions from ecsguard.toml applied to findings; expired ones are kept and marked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fnmatch import fnmatchcase

from ecsguard.config import Suppression
from ecsguard.posture.result import Finding


def apply_suppressions(
    findings: list[Finding], suppressions: Sequence[Suppression], today: dt.date | None = None
) -> None:
    """Mark each finding matched by a suppression (first match wins), in place."""
    if not suppressions:
        return
    today = today or dt.date.today()
    for finding in findings:
        for sup in suppressions:
            if not fnmatchcase(finding.check_id, sup.check):
                continue
            res = finding.resource
            if not (fnmatchcase(res.id, sup.resource) or fnmatchcase(res.name, sup.resource)):
                continue
            expired = sup.expires is not None and sup.expires < today
            finding.suppressed = {
                "reason": sup.reason,
                "expires": sup.expires.isoformat() if sup.expires else None,
                "expired": expired,
            }
            if expired:
                finding.detail = f"{finding.detail} [suppression expired {sup.expires}]".strip()
            break
