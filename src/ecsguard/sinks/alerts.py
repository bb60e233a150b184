"""Runtime-alert adapters for ``ecsguard monitor --sink``: CloudWatch Logs and Security Hub.

They implement the monitor's ``AlertSink`` protocol (``emit`` / ``close``) on top of the
batch sinks, buffering so that PutLogEvents and BatchImportFindings get full batches.
"""

from __future__ import annotations

from typing import Any

from ecsguard.runtime.alerts import Alert, render_alert
from ecsguard.sinks.cloudwatch import CloudWatchLogsSink
from ecsguard.sinks.securityhub import BATCH, SecurityHubSink

FLUSH_EVERY = 500


class CloudWatchAlertSink:
    """``--sink cloudwatch:/log/group[/stream]``: one JSON log event per alert."""

    def __init__(self, spec: str, *, format: str = "json", **options: Any) -> None:
        self._sink = CloudWatchLogsSink(spec, endpoint_url=options.get("endpoint_url"))
        self._format = format
        self._pending: list[dict[str, Any]] = []

    def emit(self, alert: Alert) -> None:
        doc = render_alert(alert, self._format)
        doc.setdefault("time", alert.time_ms)
        self._pending.append(doc)
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._sink.send(batch)

    def close(self) -> None:
        self._flush()


class SecurityHubAlertSink:
    """``--sink securityhub``: alerts as ASFF findings, imported 100 at a time."""

    def __init__(self, spec: str = "securityhub", **options: Any) -> None:
        self._sink = SecurityHubSink(spec, endpoint_url=options.get("endpoint_url"))
        self._pending: list[dict[str, Any]] = []

    def emit(self, alert: Alert) -> None:
        self._pending.append(render_alert(alert, "asff"))
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._sink.send(batch)

    def close(self) -> None:
        self._flush()
