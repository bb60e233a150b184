"""NATS JetStream edge: the agent's event publisher and the monitors' alert sink.

Events go to stream ``ECSGUARD_EVENTS`` on ``ecsguard.events.<cluster>``, packed as JSON lines
(many events per message, so a busy host costs one publish per batch, not per event). Each
message carries ``Nats-Msg-Id`` so a publish retried after a lost acknowledgement is stored once.
Alerts go to ``ecsguard.alerts`` (stream ``ECSGUARD_ALERTS``) with the alert id as message id,
so two monitors reporting the same alert (after a redelivery) store it once.

nats-py is asyncio; ``NatsLink`` runs one event loop on a daemon thread so the synchronous
agent and monitor loops can call into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Coroutine
from typing import Any, TypeVar

import orjson

from ecsguard.errors import EcsguardError

__all__ = [
    "ALERTS_STREAM",
    "ALERTS_SUBJECT",
    "EVENTS_STREAM",
    "EVENTS_SUBJECT_PREFIX",
    "AlertArchiver",
    "NatsAlertSink",
    "NatsError",
    "NatsEventPublisher",
    "NatsLink",
    "cluster_token",
]

EVENTS_STREAM = "ECSGUARD_EVENTS"
EVENTS_SUBJECT_PREFIX = "ecsguard.events"
ALERTS_STREAM = "ECSGUARD_ALERTS"
ALERTS_SUBJECT = "ecsguard.alerts"
DUPLICATE_WINDOW_S = 600.0
MAX_MESSAGE_BYTES = 512 * 1024  # under the server's default 1 MiB max_payload
_TOKEN_BAD = re.compile(r"[^A-Za-z0-9_-]+")

T = TypeVar("T")


class NatsError(EcsguardError):
    """The NATS server could not be reached or refused an operation."""


def cluster_token(cluster: str | None) -> str:
    """A subject token for a cluster name or ARN (``arn:...:cluster/prod`` -> ``prod``)."""
    if not cluster:
        return "unknown"
    name = cluster.rsplit("cluster/", 1)[-1] if cluster.startswith("arn:") else cluster
    return _TOKEN_BAD.sub("_", name) or "unknown"


def _reachable(servers: list[str], timeout: float) -> None:
    """Raise NatsError unless at least one server accepts a TCP connection."""
    errors = []
    for server in servers:
        parsed = urllib.parse.urlsplit(server if "://" in server else f"nats://{server}")
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 4222
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as exc:
            errors.append(f"{host}:{port}: {exc.strerror or exc}")
    raise NatsError(f"cannot connect to NATS ({'; '.join(errors) or 'no server given'})")


class NatsLink:
    """One connection and its event loop thread; ``call`` runs a coroutine and waits for it."""

    def __init__(self, url: str, *, name: str = "ecsguard", connect_timeout: float = 5.0) -> None:
        import nats

        self.url = url
        self.last_error: BaseException | None = None
        servers = [u.strip() for u in url.split(",") if u.strip()]
        # nats-py retries an unreachable first server forever when reconnects are unlimited
        # (which long-running agents need), so fail fast here on a wrong address instead.
        _reachable(servers, connect_timeout)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=name)
        self._thread.start()

        async def on_error(exc: BaseException) -> None:
            self.last_error = exc  # reconnects are automatic; the client logs nothing

        try:
            self.nc = self.call(
                nats.connect(
                    servers,
                    name=name,
                    connect_timeout=connect_timeout,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    error_cb=on_error,
                ),
                timeout=connect_timeout * 3,
            )
        except Exception as exc:
            self._stop_loop()
            raise NatsError(f"cannot connect to {url}: {exc or type(exc).__name__}") from exc
        self.js = self.nc.jetstream()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Schedule without waiting (returns a concurrent future)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def ensure_stream(self, name: str, subjects: list[str]) -> None:
        """Create the stream when missing; an existing one is used as configured."""
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        try:
            await self.js.stream_info(name)
        except NotFoundError:
            config = StreamConfig(name=name, subjects=subjects, duplicate_window=DUPLICATE_WINDOW_S)
            await self.js.add_stream(config)

    def close(self) -> None:
        """Flush what is pending, close, then stop the loop with no task left behind."""
        with contextlib.suppress(Exception):  # closing: nothing left to report to
            if not self.nc.is_closed:
                self.call(self.nc.flush(timeout=5), timeout=10)
                self.call(self.nc.close(), timeout=10)
        with contextlib.suppress(Exception):
            self.call(_cancel_others(), timeout=5)
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_others() -> None:
    current = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class NatsEventPublisher:
    """Agent side: ``emit`` buffers (bounded, drops counted); a loop task publishes batches."""

    def __init__(
        self,
        url: str,
        *,
        cluster: str | None = None,
        batch_events: int = 500,
        linger: float = 0.05,
        max_buffered: int = 200_000,
        link: NatsLink | None = None,
    ) -> None:
        self.link = link or NatsLink(url, name="ecsguard-agent")
        self.default_subject = f"{EVENTS_SUBJECT_PREFIX}.{cluster_token(cluster)}"
        self.batch_events = batch_events
        self.linger = linger
        self.max_buffered = max_buffered
        self.accepted = 0
        self.published = 0
        self.dropped = 0
        self.errors = 0
        self._buffer: deque[tuple[str, bytes, str]] = deque()
        self._lock = threading.Lock()
        self._closing = False
        self.link.call(self.link.ensure_stream(EVENTS_STREAM, [f"{EVENTS_SUBJECT_PREFIX}.>"]))
        self._task = self.link.submit(self._run())

    def emit(self, event: dict[str, Any]) -> None:
        ecs = (event.get("unmapped") or {}).get("ecs") or {}
        cluster = ecs.get("cluster")
        subject = (
            f"{EVENTS_SUBJECT_PREFIX}.{cluster_token(cluster)}" if cluster else self.default_subject
        )
        uid = str((event.get("metadata") or {}).get("uid", ""))
        self.emit_raw(subject, orjson.dumps(event), uid)

    def emit_raw(self, subject: str, line: bytes, uid: str) -> None:
        with self._lock:
            if len(self._buffer) >= self.max_buffered:
                self.dropped += 1
                return
            self._buffer.append((subject, line, uid))
            self.accepted += 1

    def pending(self) -> int:
        return len(self._buffer)

    def _take(self) -> dict[str, list[tuple[bytes, str]]]:
        groups: dict[str, list[tuple[bytes, str]]] = {}
        with self._lock:
            for _ in range(min(len(self._buffer), self.batch_events * 8)):
                subject, line, uid = self._buffer.popleft()
                groups.setdefault(subject, []).append((line, uid))
        return groups

    async def _run(self) -> None:
        while True:
            groups = self._take()
            if not groups:
                if self._closing:
                    return
                await asyncio.sleep(self.linger)
                continue
            sends = []
            for subject, items in groups.items():
                for payload, msg_id in _pack(items, self.batch_events):
                    sends.append(self._publish(subject, payload, msg_id, payload.count(b"\n")))
            await asyncio.gather(*sends)

    async def _publish(self, subject: str, payload: bytes, msg_id: str, count: int) -> None:
        # Retry until stored: the message id makes a retry after a lost ack harmless.
        delay = 0.2
        while True:
            try:
                await self.link.js.publish(
                    subject, payload, timeout=5.0, headers={"Nats-Msg-Id": msg_id}
                )
                self.published += count
                return
            except Exception:
                self.errors += 1
                if self._closing and delay > 5:
                    self.dropped += count
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until everything buffered so far has been stored by the server."""
        deadline = time.monotonic() + timeout
        target = self.accepted
        while time.monotonic() < deadline and self.published + self.dropped < target:
            time.sleep(0.01)

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(Exception):  # a publish that never succeeded is counted
            self._task.result(timeout=60)
        self.link.close()


def _pack(items: list[tuple[bytes, str]], per_message: int) -> list[tuple[bytes, str]]:
    """Events -> JSON-lines payloads, each under the size cap; id = first and last event uid."""
    out: list[tuple[bytes, str]] = []
    lines: list[bytes] = []
    size = 0
    first = ""
    last = ""
    for line, uid in items:
        if lines and (len(lines) >= per_message or size + len(line) + 1 > MAX_MESSAGE_BYTES):
            out.append((b"\n".join(lines) + b"\n", f"{first}..{last}"))
            lines, size = [], 0
        if not lines:
            first = uid
        lines.append(line)
        last = uid
        size += len(line) + 1
    if lines:
        out.append((b"\n".join(lines) + b"\n", f"{first}..{last}"))
    return out


class NatsAlertSink:
    """Monitor side: publishes each alert to ``ecsguard.alerts`` and waits for the store ack.

    Waiting matters: the monitor acks the event only after this returns, so an alert is never
    lost to a crash between detection and publication.
    """

    def __init__(
        self, spec: str, *, format: str = "json", link: NatsLink | None = None, **_: Any
    ) -> None:
        from ecsguard.runtime.alerts import render_alert

        self._render = render_alert
        self.format = format
        self._owned = link is None
        self.link = link or NatsLink(spec, name="ecsguard-alerts")
        self.published = 0
        self.duplicates = 0
        self.link.call(self.link.ensure_stream(ALERTS_STREAM, [ALERTS_SUBJECT]))

    def emit(self, alert: Any) -> None:
        body = orjson.dumps(self._render(alert, self.format))
        ack = self.link.call(
            self.link.js.publish(
                ALERTS_SUBJECT, body, timeout=10.0, headers={"Nats-Msg-Id": str(alert.id)}
            )
        )
        if getattr(ack, "duplicate", False):
            self.duplicates += 1
        else:
            self.published += 1

    def close(self) -> None:
        if self._owned:
            self.link.close()


class AlertArchiver:
    """Copies stream ``ECSGUARD_ALERTS`` into the ecsguard store, acking after each commit.

    The alerts stream is the fleet's durable record (monitors wait for its acknowledgement);
    this consumer makes the store follow it exactly: a crash between commit and ack only
    re-delivers alerts the store already has, and the store keeps one row per alert id.
    Run one (or more: they share the durable consumer) with
    ``python -m ecsguard.sinks.nats --store URL nats://HOST:PORT``.
    """

    def __init__(
        self,
        url: str,
        store: Any,
        *,
        durable: str = "ecsguard-archiver",
        batch: int = 200,
        idle_exit: float | None = None,
        link: NatsLink | None = None,
    ) -> None:
        self.store = store
        self.durable = durable
        self.batch = batch
        self.idle_exit = idle_exit
        self.stored = 0
        self.malformed = 0
        self._owned = link is None
        self.link = link or NatsLink(url, name="ecsguard-archiver")
        self.link.call(self.link.ensure_stream(ALERTS_STREAM, [ALERTS_SUBJECT]))
        self._sub = self.link.call(
            self.link.js.pull_subscribe(ALERTS_SUBJECT, durable=durable, stream=ALERTS_STREAM)
        )

    async def _fetch(self) -> list[Any]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            msgs: list[Any] = await self._sub.fetch(self.batch, timeout=1.0)
            return msgs
        except (TimeoutError, NatsTimeout):
            return []

    @staticmethod
    async def _ack(msgs: list[Any]) -> None:
        for msg in msgs:
            await msg.ack()

    def run(self) -> int:
        """Archive until idle for ``idle_exit`` seconds (forever when None); returns the count."""
        idle_since = time.monotonic()
        try:
            while True:
                msgs = self.link.call(self._fetch())
                if not msgs:
                    if (
                        self.idle_exit is not None
                        and time.monotonic() - idle_since > self.idle_exit
                    ):
                        return self.stored
                    continue
                idle_since = time.monotonic()
                alerts = []
                for msg in msgs:
                    try:
                        alerts.append(orjson.loads(msg.data))
                    except orjson.JSONDecodeError:
                        self.malformed += 1
                self.store.record_alerts([a for a in alerts if isinstance(a, dict)])
                self.link.call(self._ack(msgs))
                self.stored += len(alerts)
        finally:
            if self._owned:
                self.link.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m ecsguard.sinks.nats --store URL nats://HOST:PORT``: run an AlertArchiver."""
    import argparse

    from ecsguard.store import open_store

    parser = argparse.ArgumentParser(prog="python -m ecsguard.sinks.nats", description=main.__doc__)
    parser.add_argument("url")
    parser.add_argument("--store", default=None, help="store URL or path (default $ECSGUARD_DB)")
    parser.add_argument("--idle-exit", type=float, default=None)
    args = parser.parse_args(argv)
    store = open_store(args.store)
    try:
        archiver = AlertArchiver(args.url, store, idle_exit=args.idle_exit)
        count = archiver.run()
    finally:
        store.close()
    print(f"ecsguard: {count} alerts archived")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
