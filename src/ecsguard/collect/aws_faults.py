"""Fault injection and retry hooks for the live collector, built on botocore's event system.

A fault spec names calls to fail and how; the hook answers those calls in place of the
endpoint (``before-send``), so botocore's real parser and retry logic handle the answer
exactly as they would a reply from AWS. Tests use it through ``ECSGUARD_FAULTS``.

Spec grammar (entries separated by ``;`` or ``,``)::

    [REGION/]SERVICE:OPERATION[@MATCH]=KIND

SERVICE is a botocore service name (``ecs``, ``ec2`` ...) or ``*``; OPERATION is the API name
(``DescribeTaskDefinition``) or ``*``; MATCH is a substring the request body must contain
(for example a family name or an ARN). KIND is one of ``AccessDenied``, ``Throttling``,
``InternalError`` (HTTP 500 with an AWS error body), ``Unavailable`` (503), ``Unsupported``
(HTML 500, as an endpoint lacking the operation answers), ``Timeout``, ``Truncated`` (a 200
whose body is cut short), ``Delay<ms>`` (answer normally after a pause, to emulate network
latency in benchmarks), or any other error code (HTTP 400 with that code).
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from ecsguard.errors import UsageError

FAULTS_ENV = "ECSGUARD_FAULTS"

# The throttling code each wire protocol's services use (all are in botocore's retry list).
_THROTTLE_CODE = {"ec2": "RequestLimitExceeded", "query": "Throttling", "rest-xml": "SlowDown"}


@dataclass(frozen=True)
class Fault:
    """One injected failure: which calls it hits and what the endpoint answers."""

    region: str
    service: str
    operation: str
    match: str
    kind: str

    def hits(self, region: str, service: str, operation: str, body: str) -> bool:
        return (
            self.region in ("*", region)
            and self.service in ("*", service)
            and self.operation in ("*", operation)
            and (not self.match or self.match in body)
        )


def parse_faults(spec: str) -> tuple[Fault, ...]:
    """Parse a fault spec; raises UsageError naming the bad entry."""
    faults = []
    for raw in spec.replace(",", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        target, sep, kind = entry.partition("=")
        region, _, call = target.rpartition("/")
        service, colon, op_match = call.partition(":")
        operation, _, match = op_match.partition("@")
        if not sep or not colon or not kind or not service or not operation:
            raise UsageError(f"fault spec: cannot parse {entry!r} (want SERVICE:OPERATION=KIND)")
        kind = kind.strip()
        if kind.startswith("Delay") and not kind[5:].isdigit():
            raise UsageError(f"fault spec: {entry!r}: Delay takes milliseconds, e.g. Delay50")
        faults.append(Fault(region or "*", service, operation, match, kind))
    return tuple(faults)


def faults_from_env() -> tuple[Fault, ...]:
    return parse_faults(os.environ.get(FAULTS_ENV, ""))


class _Body:
    """The ``raw`` object AWSResponse reads its content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    head = bytes([0x60 + size]) if size < 24 else bytes([0x78, size])
    return head + data


def _error_body(protocol: str, code: str, message: str) -> tuple[bytes, dict[str, str]]:
    """An error reply in the wire format of ``protocol``, as AWS would send it."""
    if protocol in ("json", "rest-json"):
        body = f'{{"__type": "{code}", "message": "{message}"}}'.encode()
        return body, {"x-amzn-ErrorType": code, "content-type": "application/x-amz-json-1.1"}
    if protocol == "smithy-rpc-v2-cbor":
        body = b"\xa2" + _cbor_text("__type") + _cbor_text(code)
        body += _cbor_text("message") + _cbor_text(message[:200])
        return body, {"content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    if protocol == "ec2":
        xml = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
            "</Error></Errors><RequestID>injected</RequestID></Response>"
        )
        return xml.encode(), {"content-type": "text/xml"}
    xml = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
    )
    if protocol == "rest-xml":
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return xml.encode(), {"content-type": "text/xml"}


def _reply(kind: str, protocol: str, url: str) -> AWSResponse:
    message = f"injected fault {kind}"
    if kind == "Unsupported":
        html = (
            b"<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1>"
        )
        return AWSResponse(url, 500, {"content-type": "text/html"}, _Body(html))
    if kind == "Truncated":
        body = b'{"items": [{"name": "cut' if protocol.endswith("json") else b"<Response><item>"
        return AWSResponse(url, 200, {"content-type": "application/json"}, _Body(body))
    status = 400
    code = kind
    if kind == "AccessDenied":
        code = (
            "AccessDenied" if protocol in ("query", "ec2", "rest-xml") else "AccessDeniedException"
        )
        message = "User: arn:aws:iam::123456789012:user/auditor is not authorized (injected)"
        status = 403
    elif kind == "Throttling":
        code = _THROTTLE_CODE.get(protocol, "ThrottlingException")
        message = "Rate exceeded (injected)"
        status = 503 if protocol == "rest-xml" else 400
    elif kind == "InternalError":
        code, status = ("InternalError", 500)
    elif kind == "Unavailable":
        code, status = ("ServiceUnavailable", 503)
    body, headers = _error_body(protocol, code, message)
    return AWSResponse(url, status, headers, _Body(body))


def _request_text(request: Any) -> str:
    body = request.body
    if isinstance(body, bytes):
        text = body.decode("utf-8", "replace")
    elif isinstance(body, str):
        text = body
    else:
        text = ""
    text = f"{request.url} {text}"
    return f"{text} {urllib.parse.unquote_plus(text)}"


def install_faults(client: Any, region: str, service: str, faults: tuple[Fault, ...]) -> None:
    """Register a ``before-send`` hook on ``client`` that answers faulted calls itself."""
    if not faults:
        return
    protocol = client.meta.service_model.resolved_protocol

    def before_send(request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        text = _request_text(request)
        for fault in faults:
            if fault.hits(region, service, operation, text):
                if fault.kind == "Timeout":
                    raise ReadTimeoutError(endpoint_url=request.url)
                if fault.kind.startswith("Delay"):
                    time.sleep(int(fault.kind[5:] or 0) / 1000)
                    continue  # then answered normally (or by a later fault)
                return _reply(fault.kind, protocol, request.url)
        return None

    client.meta.events.register_first("before-send", before_send)


def _is_html(http_response: Any) -> bool:
    content_type = str(http_response.headers.get("content-type", "")).lower()
    if "html" in content_type:
        return True
    head = bytes(http_response.content[:64]).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def install_no_retry_on_missing_operation(client: Any) -> None:
    """Stop retries of an HTML HTTP 500/501: the endpoint lacks the operation, and asking again
    only costs seconds. Real AWS 5xx replies carry an AWS error body and are still retried."""

    def needs_retry(response: Any = None, **_: Any) -> None:
        if not response or response[0] is None:
            return
        http_response = response[0]
        if http_response.status_code in (500, 501) and _is_html(http_response):
            # 501 is not in botocore's transient list, so the standard checker lets it go.
            http_response.status_code = 501

    # Handlers on a more specific event name run first, so register beside botocore's own
    # retry handler (``needs-retry.<service-id>``) and ahead of it.
    service_id = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"needs-retry.{service_id}", needs_retry)
