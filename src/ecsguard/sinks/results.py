"""``--sink`` for ``scan`` and ``scope``: posture results and scope reports to CloudWatch Logs
and (posture only) Security Hub.

CloudWatch gets one log event per failing or undetermined posture result (plus a summary),
or one per scope component and drift event; Security Hub gets every posture result as ASFF,
so passing findings resolve earlier failures of the same id.
"""

from __future__ import annotations

from typing import Any

import click

from ecsguard.errors import UsageError
from ecsguard.posture.result import ScanResult
from ecsguard.sinks.cloudwatch import CloudWatchLogsSink, DeliveryReport
from ecsguard.sinks.securityhub import SecurityHubSink


def _kind(spec: str) -> str:
    if spec.startswith("cloudwatch:"):
        return "cloudwatch"
    if spec == "securityhub":
        return "securityhub"
    raise UsageError(f"--sink {spec!r}: expected cloudwatch:/log/group[/stream] or securityhub")


def check_specs(specs: tuple[str, ...], *, securityhub: bool = True) -> None:
    """Refuse a bad spec before any work is done."""
    for spec in specs:
        if _kind(spec) == "securityhub" and not securityhub:
            raise UsageError(
                "--sink securityhub takes posture findings (ecsguard scan), not scope reports"
            )


def send_scan(
    result: ScanResult,
    specs: tuple[str, ...],
    *,
    account_id: str = "",
    endpoint_url: str | None = None,
) -> None:
    doc = result.to_dict()
    for spec in specs:
        if _kind(spec) == "cloudwatch":
            records: list[dict[str, Any]] = [
                {
                    "type": "ecsguard.scan.summary",
                    "inputs": doc["inputs"],
                    "summary": doc["summary"],
                }
            ]
            records += [r for r in doc["results"] if r["status"] != "pass"]
            _report(CloudWatchLogsSink(spec, endpoint_url=endpoint_url).send(records))
        else:
            from ecsguard.report.asff import to_asff

            findings = to_asff(result, account_id=account_id or "000000000000")
            _report(SecurityHubSink(spec, endpoint_url=endpoint_url).send(findings))


def send_scope(
    doc: dict[str, Any], specs: tuple[str, ...], *, endpoint_url: str | None = None
) -> None:
    for spec in specs:
        records: list[dict[str, Any]] = [
            {"type": "ecsguard.scope.component", **component}
            for component in doc.get("components", [])
        ]
        records += [{"type": "ecsguard.scope.event", **event} for event in doc.get("events", [])]
        _report(CloudWatchLogsSink(spec, endpoint_url=endpoint_url).send(records))


def _report(report: DeliveryReport) -> None:
    click.echo(
        f"ecsguard: sent {report.sent} records to {report.destination} in {report.batches} batch(es)",
        err=True,
    )
    for failure in report.failed[:10]:
        click.echo(f"ecsguard: {report.destination} refused {failure}", err=True)
    if report.failed:
        raise UsageError(f"{report.destination}: {len(report.failed)} records were refused")
