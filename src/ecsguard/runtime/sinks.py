"""Alert sinks for ``ecsguard monitor --sink SPEC``: a one-method adapter plus a registry by scheme.

``stdout`` (or ``-``) and ``file:PATH`` live here; ``nats://HOST:PORT`` loads lazily from
``ecsguard.sinks.nats:NatsAlertSink`` (the agent/fleet area), which publishes to ``ecsguard.alerts``.
Each sink class takes the spec string plus keyword options (``format`` = json|ocsf|asff).
"""

from __future__ import annotations

import importlib
import sys
from typing import IO, Any, Protocol, runtime_checkable

import orjson

from ecsguard.errors import InputError, UsageError
from ecsguard.runtime.alerts import Alert, render_alert

__all__ = ["SINKS", "AlertSink", "FileSink", "StdoutSink", "StoreSink", "open_sink"]


@runtime_checkable
class AlertSink(Protocol):
    """Receives alerts one at a time; ``close`` flushes and releases resources."""

    def emit(self, alert: Alert) -> None: ...

    def close(self) -> None: ...


class _StreamSink:
    def __init__(self, stream: IO[bytes], fmt: str, owned: bool) -> None:
        self._stream = stream
        self._format = fmt
        self._owned = owned

    def emit(self, alert: Alert) -> None:
        self._stream.write(orjson.dumps(render_alert(alert, self._format)) + b"\n")

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.flush()
        if self._owned:
            self._stream.close()


class StdoutSink(_StreamSink):
    """Writes one rendered alert per line to standard output."""

    def __init__(self, spec: str = "stdout", *, format: str = "json", **_: Any) -> None:
        super().__init__(sys.stdout.buffer, format, owned=False)


class FileSink(_StreamSink):
    """Appends one rendered alert per line to ``file:PATH``."""

    def __init__(self, spec: str, *, format: str = "json", **_: Any) -> None:
        path = spec[5:] if spec.startswith("file:") else spec
        try:
            stream = open(path, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise InputError(path, None, f"cannot write: {exc.strerror}") from exc
        super().__init__(stream, format, owned=True)


class StoreSink:
    """``db:URL``: records alerts in the ecsguard store (SQLite path or PostgreSQL URL), in batches."""

    def __init__(self, spec: str, *, batch: int = 500, **_: Any) -> None:
        from ecsguard.store import open_store

        url = spec[3:] if spec.startswith("db:") else spec
        self._store = open_store(url or None)
        self._batch = batch
        self._pending: list[dict[str, Any]] = []

    def emit(self, alert: Alert) -> None:
        self._pending.append(alert.to_dict())
        if len(self._pending) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._store.record_alerts(self._pending)
            self._pending = []

    def close(self) -> None:
        self._flush()
        self._store.close()


SINKS: dict[str, str] = {
    "stdout": "ecsguard.runtime.sinks:StdoutSink",
    "file": "ecsguard.runtime.sinks:FileSink",
    "db": "ecsguard.runtime.sinks:StoreSink",
    "nats": "ecsguard.sinks.nats:NatsAlertSink",
    "cloudwatch": "ecsguard.sinks.alerts:CloudWatchAlertSink",
    "securityhub": "ecsguard.sinks.alerts:SecurityHubAlertSink",
}


def _scheme(spec: str) -> str:
    if spec in ("-", "stdout"):
        return "stdout"
    if spec == "securityhub":
        return "securityhub"
    if spec.startswith(("nats://", "tls://")):
        return "nats"
    scheme, sep, _ = spec.partition(":")
    return scheme if sep and scheme in SINKS else "file"


def open_sink(spec: str, **options: Any) -> AlertSink:
    """The sink for a spec string; UsageError when its module is missing."""
    target = SINKS[_scheme(spec)]
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"sink {spec!r} needs module {module_name}, which is not installed"
        ) from exc
    sink: AlertSink = getattr(module, attr)(spec, **options)
    return sink
