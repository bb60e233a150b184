"""Where the agent's events go: stdout, a file, NATS JetStream, or the in-process engine.

One-method adapters (``emit`` plus ``close``), chosen by spec string through ``SINKS``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any, Protocol

import orjson

from ecsguard.errors import InputError, UsageError

__all__ = [
    "SINKS",
    "DetectSink",
    "EventSink",
    "StreamEventSink",
    "flush_idle",
    "open_event_sink",
]


class EventSink(Protocol):
    def emit(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


def flush_idle(sinks: list[EventSink]) -> None:
    """The capture is idle: push out buffered lines so readers see events promptly."""
    for sink in sinks:
        if isinstance(sink, StreamEventSink | DetectSink):
            sink.flush()


class StreamEventSink:
    """OCSF JSON lines to a byte stream; buffered, flushed every ``flush_every`` events."""

    def __init__(self, stream: IO[bytes], *, owned: bool, flush_every: int = 256) -> None:
        self._stream = stream
        self._owned = owned
        self._pending: list[bytes] = []
        self._flush_every = flush_every

    def emit(self, event: dict[str, Any]) -> None:
        self._pending.append(orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE))
        if len(self._pending) >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._stream.write(b"".join(self._pending))
            self._pending.clear()
        self._stream.flush()

    def close(self) -> None:
        self.flush()
        if self._owned:
            self._stream.close()


def _stdout(spec: str, **_: Any) -> EventSink:
    return StreamEventSink(sys.stdout.buffer, owned=False)


def _file(spec: str, **_: Any) -> EventSink:
    path = spec[5:] if spec.startswith("file:") else spec
    try:
        stream = open(path, "ab")  # noqa: SIM115 - closed by close()
    except OSError as exc:
        raise InputError(path, None, f"cannot write: {exc.strerror}") from exc
    return StreamEventSink(stream, owned=True)


def _nats(spec: str, *, cluster: str | None = None, **_: Any) -> EventSink:
    from ecsguard.sinks.nats import NatsEventPublisher

    return NatsEventPublisher(spec, cluster=cluster)


class DetectSink:
    """Runs the runtime engine in-process; alerts go to an alert sink (stdout by default)."""

    def __init__(self, engine: Any, alert_sink: Any) -> None:
        self.engine = engine
        self.alert_sink = alert_sink
        self.alerts = 0

    def emit(self, event: dict[str, Any]) -> None:
        alerts = self.engine.process(event)
        for alert in alerts:
            self.alerts += 1
            self.alert_sink.emit(alert)
        if alerts:
            _flush_alert_sink(self.alert_sink)

    def flush(self) -> None:
        """Release alerts whose aggregation window has closed by wall-clock time."""
        for alert in self.engine.tick(time.time_ns() // 1_000_000):
            self.alerts += 1
            self.alert_sink.emit(alert)
        _flush_alert_sink(self.alert_sink)

    def close(self) -> None:
        for alert in self.engine.flush():
            self.alerts += 1
            self.alert_sink.emit(alert)
        self.alert_sink.close()


def _flush_alert_sink(sink: Any) -> None:
    """Push alerts out now: a live agent's readers should not wait for exit.

    Sinks that buffer (stdout, file) have ``flush``; the others deliver as they go.
    """
    flush = getattr(sink, "flush", None)
    if callable(flush):
        flush()


SINKS: dict[str, Callable[..., EventSink]] = {"stdout": _stdout, "file": _file, "nats": _nats}


def open_event_sink(spec: str, **options: Any) -> EventSink:
    """``stdout`` | ``-`` | ``file:PATH`` | ``nats://HOST:PORT`` (also ``tls://``)."""
    if spec in ("stdout", "-"):
        return SINKS["stdout"](spec, **options)
    if spec.startswith(("nats://", "tls://")):
        return SINKS["nats"](spec, **options)
    if spec.startswith("file:") and len(spec) > 5:
        return SINKS["file"](spec, **options)
    raise UsageError(f"unknown event sink {spec!r}; use stdout, file:PATH or nats://HOST:PORT")
