"""NATS JetStream event source for ``ecsguard monitor --source nats://HOST:PORT``.

Monitors share one durable pull consumer (``ecsguard-monitor`` by default), which is JetStream's
queue group for pull consumers: each message goes to one monitor, so N monitors split the load.
Every delivery carries ``ack``; a message (a batch of event lines) is acknowledged once all its
events have been processed, so a monitor killed mid-batch leaves the batch un-acked and the
server redelivers it to a surviving monitor after ``ack_wait``. Events already seen (by
``metadata.uid``) are acknowledged and skipped, so a redelivery is not processed twice here.
"""

from __future__ import annotations

import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import orjson

from ecsguard.errors import UsageError
from ecsguard.sinks.nats import EVENTS_STREAM, EVENTS_SUBJECT_PREFIX, NatsLink
from ecsguard.sources.base import Delivery, parse_json_event

__all__ = ["NatsSource"]

DEFAULT_DURABLE = "ecsguard-monitor"


_OPTIONS = ("durable", "subject", "batch", "ack_wait", "idle_exit", "fetch_timeout")


def _query_options(spec: str) -> dict[str, str]:
    """Options from ``?key=value`` after the URL; unknown keys are a usage error."""
    _, _, query = spec.partition("?")
    if not query:
        return {}
    options = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise UsageError(
            f"unknown option(s) {', '.join(unknown)} in {spec!r}; known: {', '.join(_OPTIONS)}"
        )
    try:
        for key in ("batch", "ack_wait", "idle_exit", "fetch_timeout"):
            if key in options:
                float(options[key])
    except ValueError as exc:
        raise UsageError(f"bad number in {spec!r}: {exc}") from exc
    return options


class _MessageAck:
    """Acks one JetStream message after its ``remaining`` events were all acked."""

    __slots__ = ("msg", "remaining", "sink")

    def __init__(self, msg: Any, remaining: int, sink: list[Any]) -> None:
        self.msg = msg
        self.remaining = remaining
        self.sink = sink

    def __call__(self) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            self.sink.append(self.msg)


class NatsSource:
    """Yields events from stream ``ECSGUARD_EVENTS`` through a shared durable pull consumer.

    ``idle_exit``: stop after that many seconds without a message (batch jobs and tests);
    None runs until interrupted. ``ack_wait``: seconds before the server redelivers an
    un-acked message (applies when this source creates the consumer). Each option can also be
    given in the spec's query string, which wins: ``nats://h:4222?durable=m1&batch=8&idle_exit=5``.
    """

    def __init__(
        self,
        spec: str,
        *,
        durable: str = DEFAULT_DURABLE,
        subject: str = f"{EVENTS_SUBJECT_PREFIX}.>",
        batch: int = 64,
        ack_wait: float = 30.0,
        idle_exit: float | None = None,
        dedupe_size: int = 500_000,
        fetch_timeout: float = 1.0,
        **_: Any,
    ) -> None:
        query = _query_options(spec)
        spec = spec.split("?", 1)[0]
        durable = query.get("durable", durable)
        subject = query.get("subject", subject)
        batch = int(query.get("batch", batch))
        ack_wait = float(query.get("ack_wait", ack_wait))
        idle_exit = float(query["idle_exit"]) if "idle_exit" in query else idle_exit
        fetch_timeout = float(query.get("fetch_timeout", fetch_timeout))
        self.spec = spec
        self.durable = durable
        self.subject = subject
        self.batch = batch
        self.ack_wait = ack_wait
        self.idle_exit = idle_exit
        self.fetch_timeout = fetch_timeout
        self.dedupe_size = dedupe_size
        self.received = 0
        self.duplicates = 0
        self.malformed = 0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._to_ack: list[Any] = []
        self._link: NatsLink | None = None
        self._sub: Any = None

    def _connect(self) -> None:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        link = NatsLink(self.spec, name="ecsguard-monitor")
        link.call(link.ensure_stream(EVENTS_STREAM, [f"{EVENTS_SUBJECT_PREFIX}.>"]))
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_ack_pending=20_000,
            filter_subject=self.subject,
        )
        self._sub = link.call(
            link.js.pull_subscribe(
                self.subject, durable=self.durable, stream=EVENTS_STREAM, config=config
            )
        )
        self._link = link

    async def _fetch(self) -> list[Any]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            msgs: list[Any] = await self._sub.fetch(self.batch, timeout=self.fetch_timeout)
            return msgs
        except (TimeoutError, NatsTimeout):
            return []

    @staticmethod
    async def _ack_all(msgs: list[Any]) -> None:
        for msg in msgs:
            await msg.ack()

    def _flush_acks(self) -> None:
        if self._to_ack and self._link is not None:
            msgs, self._to_ack = self._to_ack, []
            self._link.call(self._ack_all(msgs))

    def deliveries(self) -> Iterator[Delivery]:
        self._connect()
        assert self._link is not None
        last_message = time.monotonic()
        try:
            while True:
                self._flush_acks()
                msgs = self._link.call(self._fetch(), timeout=self.fetch_timeout + 30)
                if not msgs:
                    if (
                        self.idle_exit is not None
                        and time.monotonic() - last_message > self.idle_exit
                    ):
                        return
                    continue
                last_message = time.monotonic()
                for msg in msgs:
                    yield from self._split(msg)
        finally:
            self._flush_acks()
            self._link.close()

    def _split(self, msg: Any) -> Iterator[Delivery]:
        lines = [ln for ln in msg.data.split(b"\n") if ln.strip()]
        meta = getattr(msg, "metadata", None)
        seq = getattr(getattr(meta, "sequence", None), "stream", "?")
        if not lines:
            self._to_ack.append(msg)
            return
        ack = _MessageAck(msg, len(lines), self._to_ack)
        for index, line in enumerate(lines, 1):
            origin = f"nats:{EVENTS_STREAM}:{seq}:{index}"
            event, error = parse_json_event(line, orjson.loads)
            if event is None:
                self.malformed += 1
                yield Delivery(None, origin, error=error, ack=ack)
                continue
            if self._duplicate(event):
                ack()
                continue
            self.received += 1
            yield Delivery(event, origin, ack=ack)

    def _duplicate(self, event: dict[str, Any]) -> bool:
        meta = event.get("metadata")
        uid = meta.get("uid") if isinstance(meta, dict) else None
        if not isinstance(uid, str):
            return False
        seen = self._seen
        if uid in seen:
            self.duplicates += 1
            return True
        seen[uid] = None
        if len(seen) > self.dedupe_size:
            seen.popitem(last=False)
        return False
