"""Runtime-alert adapters for ``ecsguard monitor --sink``: CloudWatch Logs and Security Hub.

They implement the monitor's ``AlertSink`` protocol (``emit`` / ``close``) on top of the
batch sinks, buffering so that PutLogEvents and BatchImportFindings get full batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecsguard.runtime.alerts import Alert, render_alert
from ecsguard.sinks.cloudwatch import CloudWatchLogsSink, DeliveryReport
from ecsguard.sinks.securityhub import BATCH, SecurityHubSink

FLUSH_EVERY = 500


class _Buffered:
    """Renders each alert, and hands full batches (and the rest on close) to ``send``."""

    def __init__(
        self,
        send: Callable[[list[dict[str, Any]]], DeliveryReport],
        render: Callable[[Alert], dict[str, Any]],
        batch: int,
    ) -> None:
        self._send, self._render, self._batch = send, render, batch
        self._pending: list[dict[str, Any]] = []

    def emit(self, alert: Alert) -> None:
        self._pending.append(self._render(alert))
        if len(self._pending) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self._send(batch)

    def close(self) -> None:
        self.flush()


class CloudWatchAlertSink(_Buffered):
    """``--sink cloudwatch:/log/group[/stream]``: one JSON log event per alert."""

    def __init__(self, spec: str, *, format: str = "json", **options: Any) -> None:
        sink = CloudWatchLogsSink(spec, endpoint_url=options.get("endpoint_url"))

        def render(alert: Alert) -> dict[str, Any]:
            doc = render_alert(alert, format)
            doc.setdefault("time", alert.time_ms)
            return doc

        super().__init__(sink.send, render, FLUSH_EVERY)


class SecurityHubAlertSink(_Buffered):
    """``--sink securityhub``: alerts as ASFF findings, imported 100 at a time."""

    def __init__(self, spec: str = "securityhub", **options: Any) -> None:
        sink = SecurityHubSink(spec, endpoint_url=options.get("endpoint_url"))
        super().__init__(sink.send, lambda alert: render_alert(alert, "asff"), BATCH)
