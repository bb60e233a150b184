"""One boto3 client wrapped so that every failed call becomes an ``errors`` entry, not a crash.

The collector fails closed: a call that was denied, throttled past its retries, timed out,
answered 5xx or answered something unparseable is recorded with region, service, operation
and resource, and the caller gets ``None`` and carries on with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

T = TypeVar("T")
R = TypeVar("R")

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
    "EC2ThrottledException",
}


@dataclass
class ErrorLog:
    """The ``errors`` of a snapshot, appended to by every caller of one collection run."""

    entries: list[dict[str, str]] = field(default_factory=list)

    def add(self, region: str, service: str, operation: str, resource: str, message: str) -> None:
        # list.append is atomic under the GIL, so threads may share one log.
        self.entries.append(
            {
                "region": region,
                "service": service,
                "operation": operation,
                "resource": resource,
                "message": message,
            }
        )


def describe_exception(exc: BaseException) -> str:
    """One line saying why a call failed, in words a user can act on."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        meta = exc.response.get("ResponseMetadata", {})
        status = meta.get("HTTPStatusCode", 0)
        retries = meta.get("RetryAttempts", 0)
        after = f" after {retries} retries" if retries else ""
        if (not code or code.isdigit()) and status >= 500:
            return (
                f"operation not supported by endpoint (HTTP {status} without an AWS error{after})"
            )
        if code in _THROTTLING:
            return f"{code}: throttled{after}, retries exhausted: {message}"
        if status >= 500:
            return f"{code}: HTTP {status} from the service{after}: {message}"
        return f"{code}: {message}" if message else code
    if isinstance(exc, ResponseParserError):
        return f"invalid response (could not parse): {str(exc)[:200]}"
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return f"timeout: {exc}"
    if isinstance(exc, EndpointConnectionError):
        return f"connection failed: {exc}"
    return f"{type(exc).__name__}: {exc}"


class Caller:
    """Calls one client's operations by API name; failures go to the shared ErrorLog."""

    def __init__(
        self, client: Any, region: str, service: str, log: ErrorLog, workers: int = 8
    ) -> None:
        self.client = client
        self.region = region
        self.service = service
        self.log = log
        self.workers = workers
        # a Caller for another service in the same region (set by the collector), for a
        # section that needs a second API: the WAF association of each load balancer
        self.sibling: Callable[[str], Caller] | None = None

    def fan_out(self, items: Iterable[T], call: Callable[[T], R]) -> list[R]:
        """``call`` on every item, ``self.workers`` at a time, results in input order.
        Per-resource reads (one DescribeTaskDefinition per revision, one tag call per log
        group) wait on the network and clients are thread-safe, so they overlap."""
        batch = list(items)
        if len(batch) <= 1 or self.workers <= 1:
            return [call(item) for item in batch]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batch))) as pool:
            return list(pool.map(call, batch))

    def fail(self, operation: str, resource: str, message: str) -> None:
        self.log.add(self.region, self.service, operation, resource, message)

    def call(
        self,
        operation: str,
        resource: str = "*",
        absent: tuple[str, ...] = (),
        expect: str | None = None,
        **params: Any,
    ) -> dict[str, Any] | None:
        """Call ``operation``; ``None`` on failure (logged); ``{}`` when the error code is in
        ``absent`` (the thing simply does not exist, e.g. no lifecycle policy: not logged).
        ``expect`` names a key a valid reply must carry; a reply without it is logged as
        invalid, because a silently empty answer would look like "nothing to check"."""
        try:
            reply: dict[str, Any] = getattr(self.client, xform_name(operation))(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in absent:
                return {}
            self.fail(operation, resource, describe_exception(exc))
            return None
        except (BotoCoreError, ResponseParserError, ValueError) as exc:
            self.fail(operation, resource, describe_exception(exc))
            return None
        if _garbled(reply) or (expect is not None and expect not in reply):
            self.fail(
                operation, resource, f"invalid response: no {expect or 'data'!r} in the reply"
            )
            return None
        reply.pop("ResponseMetadata", None)
        return reply

    def pages(
        self, operation: str, key: str, resource: str = "*", optional: bool = False, **params: Any
    ) -> list[Any] | None:
        """Every item under ``key`` across all pages; ``None`` (logged) if any page failed,
        since a partial list read as complete would hide resources. ``optional`` is for the
        few APIs that leave the key out of an empty reply."""
        items: list[Any] = []
        try:
            for page in self._iter_pages(operation, params):
                if _garbled(page) or (key not in page and not optional):
                    self.fail(operation, resource, f"invalid response: no {key!r} in the reply")
                    return None
                items.extend(page.get(key) or [])
        except ClientError as exc:
            self.fail(operation, resource, describe_exception(exc))
            return None
        except (BotoCoreError, ResponseParserError, ValueError) as exc:
            self.fail(operation, resource, describe_exception(exc))
            return None
        return items

    def _iter_pages(self, operation: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        name = xform_name(operation)
        if self.client.can_paginate(name):
            yield from self.client.get_paginator(name).paginate(**params)
        else:
            yield getattr(self.client, name)(**params)


def _garbled(reply: dict[str, Any]) -> bool:
    """botocore turns a JSON body it cannot parse into ``{"message": <body>}``; no read API
    answers with a lone lowercase ``message``, so such a reply is a truncated or corrupt one."""
    return set(reply) - {"ResponseMetadata"} == {"message"}


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Batches for describe calls that take at most ``size`` names."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
