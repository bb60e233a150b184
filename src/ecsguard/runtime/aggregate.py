"""Deduplication: the same rule on the same task and process tree within a window is one alert.

Alerts are held while their window is open and released with their ``count`` when an event
beyond the window arrives, when the table is full, or on ``flush``.
"""

from __future__ import annotations

from collections import OrderedDict

from ecsguard.runtime.alerts import Alert

__all__ = ["Aggregator"]

_MAX_UIDS = 100
_NEVER = float("inf")


class Aggregator:
    """Holds one alert per key for ``window_ms`` of event time; ``window_ms=0`` releases at once."""

    def __init__(self, window_ms: int = 60_000, cap: int = 10_000) -> None:
        self.window_ms = window_ms
        self.cap = cap
        # OrderedDict: the oldest group is taken in O(1) (a dict rescans deleted front slots)
        self.groups: OrderedDict[tuple[str, ...], Alert] = OrderedDict()
        # ``expire(now)`` releases something only when ``now > next_expiry`` (the oldest group's
        # deadline), so callers test one number per event instead of calling it.
        self.next_expiry: float = _NEVER

    def _update(self) -> None:
        groups = self.groups
        self.next_expiry = groups[next(iter(groups))].time_ms + self.window_ms if groups else _NEVER

    def add(self, key: tuple[str, ...], alert: Alert) -> list[Alert]:
        if self.window_ms <= 0:
            return [alert]
        out: list[Alert] = []
        held = self.groups.get(key)
        if held is not None and alert.time_ms - held.time_ms <= self.window_ms:
            held.count += 1
            held.last_ms = max(held.last_ms, alert.time_ms)
            if len(held.event_uids) < _MAX_UIDS:
                held.event_uids.extend(alert.event_uids)
            return out
        if held is not None:
            out.append(self.groups.pop(key))
        alert.last_ms = alert.time_ms
        self.groups[key] = alert
        if len(self.groups) > self.cap:
            out.append(self.groups.popitem(last=False)[1])
        self._update()
        return out

    def expire(self, now_ms: int) -> list[Alert]:
        """Release groups whose window closed before ``now_ms`` (oldest first)."""
        out: list[Alert] = []
        groups = self.groups
        while groups:
            key = next(iter(groups))
            if groups[key].time_ms + self.window_ms >= now_ms:
                break
            out.append(groups.pop(key))
        self._update()
        return out

    def flush(self) -> list[Alert]:
        out = list(self.groups.values())
        self.groups.clear()
        self.next_expiry = _NEVER
        return out
