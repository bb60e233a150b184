"""CloudWatch Logs sink: findings, scope events and alerts as JSON log events.

Spec: ``cloudwatch:/log/group`` (stream ``ecsguard-<host>``), ``cloudwatch:/log/group/stream``
(three or more path segments: the last is the stream), ``cloudwatch:/log/group/`` (trailing
slash: the whole path is the group). Query options: ``?create=true`` creates the group if it
is missing (with ``retention=DAYS`` and ``kms=KEY_ARN``), ``stream=NAME`` names the stream.
Batches respect PutLogEvents limits (10,000 events, 1 MiB including 26 bytes per event,
24 hours span, chronological order); throttling is retried by botocore's adaptive mode plus our
own back-off; an event larger than the limit is truncated and marked so.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import orjson
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ecsguard.errors import EcsguardError, UsageError
from ecsguard.redact import scrub

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD
MAX_SPAN_MS = 24 * 3600 * 1000
RETRYABLE = {"ThrottlingException", "ServiceUnavailableException", "LimitExceededException"}


class SinkError(EcsguardError):
    """A sink could not deliver; names the destination."""


@dataclass
class CloudWatchTarget:
    group: str
    stream: str
    create: bool = False
    retention_days: int | None = None
    kms_key: str | None = None


def parse_spec(spec: str) -> CloudWatchTarget:
    if not spec.startswith("cloudwatch:"):
        raise UsageError(f"not a CloudWatch sink spec: {spec!r}")
    parts = urlsplit(spec[len("cloudwatch:") :])
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if not path.strip("/"):
        raise UsageError(f"{spec}: a log group name is required (cloudwatch:/log/group)")
    stream = query.get("stream", "")
    if path.endswith("/"):
        group = path.rstrip("/")
    else:
        segments = path.strip("/").split("/")
        if len(segments) >= 3 and not stream:
            group = ("/" if path.startswith("/") else "") + "/".join(segments[:-1])
            stream = segments[-1]
        else:
            group = path
    retention = query.get("retention")
    return CloudWatchTarget(
        group=group,
        stream=stream or f"ecsguard-{socket.gethostname()}",
        create=query.get("create", "false").lower() in ("1", "true", "yes"),
        retention_days=int(retention) if retention else None,
        kms_key=query.get("kms"),
    )


@dataclass
class DeliveryReport:
    destination: str
    sent: int = 0
    batches: int = 0
    truncated: int = 0
    failed: list[str] = field(default_factory=list)


class CloudWatchLogsSink:
    """Sends JSON records to one log group/stream; one method: ``send``."""

    def __init__(
        self,
        spec: str,
        *,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int = 6,
    ) -> None:
        self.target = parse_spec(spec)
        session = session or boto3.Session()
        self._client = session.client(
            "logs",
            endpoint_url=endpoint_url,
            region_name=region or session.region_name,
            config=Config(retries={"mode": "adaptive", "max_attempts": max_attempts}),
        )
        self._max_attempts = max_attempts
        self._ready = False

    @property
    def destination(self) -> str:
        return f"cloudwatch:{self.target.group}/{self.target.stream}"

    def send(self, records: Iterable[dict[str, Any]], now_ms: int | None = None) -> DeliveryReport:
        """Write each record (secrets scrubbed) as one log event; return what was delivered."""
        self._ensure_destination()
        report = DeliveryReport(self.destination)
        stamp = now_ms or int(time.time() * 1000)
        events: list[dict[str, Any]] = []
        for record in records:
            message = orjson.dumps(scrub(record)).decode()
            encoded = message.encode()
            if len(encoded) > MAX_EVENT_BYTES:
                message = (
                    encoded[: MAX_EVENT_BYTES - 64].decode("utf-8", "ignore")
                    + "…[truncated by ecsguard]"
                )
                report.truncated += 1
            events.append({"timestamp": _timestamp(record, stamp), "message": message})
        events.sort(key=lambda e: e["timestamp"])
        for batch in batches(events):
            self._put(batch)
            report.sent += len(batch)
            report.batches += 1
        return report

    def _ensure_destination(self) -> None:
        if self._ready:
            return
        t = self.target
        try:
            if t.create:
                self._create_group()
            try:
                self._client.create_log_stream(logGroupName=t.group, logStreamName=t.stream)
            except ClientError as exc:
                if _code(exc) != "ResourceAlreadyExistsException":
                    raise
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                raise SinkError(
                    f"{self.destination}: log group {t.group} does not exist "
                    "(add ?create=true to the sink spec to create it)"
                ) from None
            raise SinkError(f"{self.destination}: {_code(exc)}: {_message(exc)}") from None
        except BotoCoreError as exc:
            raise SinkError(f"{self.destination}: {exc}") from None
        self._ready = True

    def _create_group(self) -> None:
        t = self.target
        kwargs: dict[str, Any] = {"logGroupName": t.group}
        if t.kms_key:
            kwargs["kmsKeyId"] = t.kms_key
        try:
            self._client.create_log_group(**kwargs)
        except ClientError as exc:
            if _code(exc) != "ResourceAlreadyExistsException":
                raise
            return
        if t.retention_days:
            self._client.put_retention_policy(
                logGroupName=t.group, retentionInDays=t.retention_days
            )

    def _put(self, batch: list[dict[str, Any]]) -> None:
        delay = 0.2
        for attempt in range(self._max_attempts):
            try:
                self._client.put_log_events(
                    logGroupName=self.target.group,
                    logStreamName=self.target.stream,
                    logEvents=batch,
                )
                return
            except ClientError as exc:
                if _code(exc) not in RETRYABLE or attempt == self._max_attempts - 1:
                    raise SinkError(f"{self.destination}: {_code(exc)}: {_message(exc)}") from None
            except BotoCoreError as exc:
                if attempt == self._max_attempts - 1:
                    raise SinkError(f"{self.destination}: {exc}") from None
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def batches(events: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Split chronologically sorted events into PutLogEvents-sized batches."""
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode()) + EVENT_OVERHEAD
        too_long = batch and event["timestamp"] - batch[0]["timestamp"] >= MAX_SPAN_MS
        if batch and (len(batch) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES or too_long):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch


def _timestamp(record: dict[str, Any], default: int) -> int:
    value = record.get("time")
    if isinstance(value, int | float) and value > 10**11:
        return int(value)
    return default


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Error"))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))
