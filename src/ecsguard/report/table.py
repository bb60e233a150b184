"""Terminal table (rich): failures grouped by severity, counts, and a per-framework summary.

Every string from the estate passes through ``terminal_safe`` first: a resource named with an
escape sequence must not be able to repaint or retitle the user's terminal. Rich markup in
names is neutralised by passing ``Text`` objects, never markup strings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ecsguard.frameworks import load_frameworks
from ecsguard.posture.result import SEVERITIES, Finding, ScanResult
from ecsguard.report.common import frameworks_in, is_active_failure, location_text, sorted_findings
from ecsguard.report.evidence import build_evidence_pack
from ecsguard.report.text import one_line

# Past this many failures a per-resource table stops being readable (and rich slows to seconds):
# rows are then grouped per check with a resource count; csv/json list every resource.
MAX_ROWS = 500

STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def render_table(
    result: ScanResult, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    """Options: ``color`` (bool, default False: plain text for files and pipes), ``width``."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=int(options.get("width") or 120),
        force_terminal=bool(options.get("color")),
        color_system="standard" if options.get("color") else None,
        highlight=False,
        emoji=False,
    )
    failures = [f for f in sorted_findings(result.results) if is_active_failure(f)]
    grouped = len(failures) > int(options.get("max_rows") or MAX_ROWS)
    for severity in SEVERITIES:
        group = [f for f in failures if f.severity == severity]
        if group:
            table = _check_table if grouped else _severity_table
            console.print(table(severity, group))
    if grouped:
        console.print(
            Text(
                f"{len(failures)} failures grouped by check; use --format csv or json for each resource."
            )
        )
    console.print(_counts(result))
    summary = _framework_summary(result, frameworks)
    if summary is not None:
        console.print(summary)
    for note in result.notes:
        console.print(Text(f"note: {one_line(note)}", style="dim"))
    return buffer.getvalue()


def _severity_table(severity: str, findings: list[Finding]) -> Table:
    table = Table(
        title=Text(f"{severity.upper()} ({len(findings)})", style=STYLES[severity]),
        title_justify="left",
        show_lines=False,
        expand=True,
    )
    table.add_column("check", overflow="fold", ratio=4)
    table.add_column("resource", overflow="fold", ratio=3)
    table.add_column("where", overflow="fold", ratio=2)
    table.add_column("detail", overflow="fold", ratio=5)
    for finding in findings:
        name = finding.resource.name or finding.resource.id
        table.add_row(
            Text(one_line(finding.check_id)),
            Text(one_line(f"{finding.resource.type} {name}")),
            Text(one_line(location_text(finding) or finding.resource.region)),
            Text(one_line(finding.detail or finding.title)),
        )
    return table


def _check_table(severity: str, findings: list[Finding]) -> Table:
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    table = Table(
        title=Text(f"{severity.upper()} ({len(findings)})", style=STYLES[severity]),
        title_justify="left",
        expand=True,
    )
    table.add_column("check", overflow="fold", ratio=4)
    table.add_column("resources", justify="right", no_wrap=True, min_width=9)
    table.add_column("examples", overflow="fold", ratio=6)
    for check_id, group in by_check.items():
        names = [f.resource.name or f.resource.id for f in group[:3]]
        more = f" +{len(group) - 3} more" if len(group) > 3 else ""
        table.add_row(
            Text(one_line(check_id)), str(len(group)), Text(one_line(", ".join(names) + more))
        )
    return table


def _counts(result: ScanResult) -> Table:
    summary = result.summary()
    table = Table(title="Summary", title_justify="left", show_header=True)
    for column in ("fail", "pass", "error", *SEVERITIES):
        table.add_column(column, justify="right")
    by_severity = summary["by_severity"]
    table.add_row(
        str(summary["fail"]),
        str(summary["pass"]),
        str(summary["error"]),
        *(str(by_severity.get(s, 0)) for s in SEVERITIES),
    )
    suppressed = sum(1 for f in result.results if f.suppressed and not f.suppressed.get("expired"))
    if suppressed:
        table.caption = f"{suppressed} result(s) suppressed by configuration"
    return table


def _framework_summary(result: ScanResult, only: Sequence[str] | None) -> Table | None:
    shipped = load_frameworks()
    chosen = [fw for fw in frameworks_in(result, only) if fw in shipped]
    if not chosen:
        return None
    table = Table(title="Frameworks", title_justify="left")
    for column in ("framework", "requirements", "fail", "pass", "needs attestation", "other"):
        table.add_column(column, justify="left" if column == "framework" else "right")
    for framework_id in chosen:
        pack = build_evidence_pack(result, shipped[framework_id])
        by_status = pack.summary["by_status"]
        known = by_status["fail"] + by_status["pass"] + by_status["needs-attestation"]
        table.add_row(
            Text(f"{shipped[framework_id].name} {shipped[framework_id].version} ({framework_id})"),
            str(pack.summary["requirements"]),
            str(by_status["fail"]),
            str(by_status["pass"]),
            str(by_status["needs-attestation"]),
            str(pack.summary["requirements"] - known),
        )
    return table
