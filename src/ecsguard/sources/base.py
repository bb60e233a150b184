"""The event-source adapter: one method that yields deliveries (a parsed event or a parse error).

Every source (OCSF JSON lines, sysdig JSON, NATS, live capture) implements ``EventSource`` so the
monitor loop never knows where events come from. A delivery that carries ``ack`` must be acked
after the event is processed (NATS JetStream redelivers un-acked messages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["MAX_LINE_BYTES", "Delivery", "EventSource", "parse_json_event"]

# A longer line is counted as malformed and skipped without being held in memory.
MAX_LINE_BYTES = 1 << 20


@dataclass(slots=True)
class Delivery:
    """One item from a source: ``event`` when it parsed, else ``error``; ``origin`` is ``file:line``."""

    event: dict[str, Any] | None
    origin: str
    error: str | None = None
    ack: Callable[[], Any] | None = None
    raw: bytes | None = None  # the unparsed line, when the source was opened with raw=True


@runtime_checkable
class EventSource(Protocol):
    """Anything that yields deliveries, in order, until the stream ends."""

    def deliveries(self) -> Iterator[Delivery]: ...


def parse_json_event(
    raw: bytes, loads: Callable[[bytes], Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """Parse one JSON line into an object; a reason instead when it is not a JSON object."""
    try:
        value = loads(raw)
    except ValueError as exc:  # orjson.JSONDecodeError and invalid UTF-8 are ValueErrors
        return None, f"malformed JSON: {str(exc)[:120]}"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, got {type(value).__name__}"
    return value, None
