"""One posture run as the CLI and other callers use it: config, engine, suppressions, scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from ecsguard.config import Config
from ecsguard.model import Inventory
from ecsguard.posture.engine import ScanOptions, scan, select_checks
from ecsguard.posture.result import SEVERITY_RANK, ScanResult
from ecsguard.posture.scope_marks import mark_scope
from ecsguard.posture.suppress import apply_suppressions


class RunRequest(msgspec.Struct, kw_only=True):
    all_revisions: bool = False
    legacy: bool = False
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()  # keep checks mapped to these frameworks
    scope: dict[str, str] | None = None  # component id/name -> category
    cde_only: bool = False
    today: dt.date | None = None


def run_scan(inventory: Inventory, config: Config, request: RunRequest) -> ScanResult:
    options = ScanOptions(
        all_revisions=request.all_revisions or config.posture.all_revisions,
        include_legacy=request.legacy or config.posture.legacy,
        severity=config.severity,
        only=request.only or config.posture.checks,
        skip=(*config.posture.skip, *request.skip),
    )
    checks = select_checks(options)
    if request.frameworks:
        wanted = framework_check_ids(request.frameworks)
        checks = [c for c in checks if c.id in wanted]
    result = scan(inventory, policy=config.policy, options=options, checks=checks)
    apply_suppressions(result.results, config.suppressions, request.today)
    if request.scope is not None:
        mark_scope(result.results, request.scope)
        if request.cde_only:
            result.results = [f for f in result.results if f.scope == "cde"]
    return result


def framework_check_ids(framework_ids: Sequence[str]) -> set[str]:
    from ecsguard.frameworks import get_framework

    ids: set[str] = set()
    for framework_id in framework_ids:
        ids |= set(get_framework(framework_id).check_ids())
    return ids


def exit_code(result: ScanResult, fail_on: str) -> int:
    """1 when an unsuppressed fail or error is at or above ``fail_on``, else 0."""
    threshold = SEVERITY_RANK[fail_on]
    for finding in result.results:
        if finding.status == "pass":
            continue
        if finding.suppressed and not finding.suppressed.get("expired"):
            continue
        if SEVERITY_RANK.get(finding.severity, 0) >= threshold:
            return 1
    return 0
