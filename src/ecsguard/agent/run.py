"""The agent loop: capture -> sinks, until stopped; stats on the way out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from ecsguard.agent.sinks import EventSink, flush_idle

__all__ = ["pump"]


def pump(
    events: Iterator[dict[str, Any] | None],
    sinks: list[EventSink],
    *,
    stop: threading.Event,
    max_events: int | None = None,
    duration: float | None = None,
) -> int:
    """Send every event to every sink; returns how many events were sent.

    ``None`` items are ticks from the capture (end of a batch or an idle moment): flush
    points and stop checks.
    """
    count = 0
    if duration:
        timer = threading.Timer(duration or 0, stop.set)
        timer.daemon = True
        timer.start()
    for event in events:
        if event is None:
            flush_idle(sinks)
            if stop.is_set():
                break
            continue
        for sink in sinks:
            sink.emit(event)
        count += 1
        if max_events is not None and count >= max_events:
            break
    return count
