"""Security Hub sink: ASFF findings through BatchImportFindings, 100 per call.

Finding ids are stable (sha256 of check id + resource id), so a second run updates the
same findings instead of adding new ones; a finding that now passes is sent with
``Compliance.Status = PASSED`` and ``RecordState = ARCHIVED``, which resolves it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ecsguard.redact import scrub
from ecsguard.sinks.cloudwatch import DeliveryReport, SinkError

BATCH = 100


class SecurityHubSink:
    """Imports ASFF findings into Security Hub; one method: ``send``."""

    destination = "securityhub"

    def __init__(
        self,
        spec: str = "securityhub",
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int = 8,
    ) -> None:
        session = session or boto3.Session()
        self._client = session.client(
            "securityhub",
            endpoint_url=endpoint_url,
            region_name=region or session.region_name,
            config=Config(retries={"mode": "adaptive", "max_attempts": max_attempts}),
        )

    def send(self, findings: Iterable[dict[str, Any]]) -> DeliveryReport:
        report = DeliveryReport(self.destination)
        pending = [resolve_if_passed(scrub(f)) for f in findings]
        for start in range(0, len(pending), BATCH):
            chunk = pending[start : start + BATCH]
            try:
                answer = self._client.batch_import_findings(Findings=chunk)
            except ClientError as exc:
                error = exc.response.get("Error", {})
                raise SinkError(
                    f"securityhub: {error.get('Code', 'Error')}: {error.get('Message', '')} "
                    f"({report.sent} of {len(pending)} findings were imported before this)"
                ) from None
            except BotoCoreError as exc:
                raise SinkError(
                    f"securityhub: {exc} ({report.sent} imported before this)"
                ) from None
            report.batches += 1
            report.sent += int(answer.get("SuccessCount", 0))
            report.failed += [
                f"{f.get('Id')}: {f.get('ErrorCode')} {f.get('ErrorMessage')}"
                for f in answer.get("FailedFindings", [])
            ]
        return report


def resolve_if_passed(finding: dict[str, Any]) -> dict[str, Any]:
    """A passing finding is archived so that Security Hub shows it resolved."""
    status = (finding.get("Compliance") or {}).get("Status")
    if status != "PASSED":
        return finding
    out = copy.copy(finding)
    out["RecordState"] = "ARCHIVED"
    out["UpdatedAt"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    return out
