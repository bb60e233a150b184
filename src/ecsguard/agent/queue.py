"""A bounded hand-off between a capture's reader thread and the processing loop.

Memory stays bounded whatever the event rate: when the queue is full, new items are dropped
and counted (never blocking the reader, which would make the kernel side lose events silently).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["BoundedQueue"]

T = TypeVar("T")


class BoundedQueue(Generic[T]):
    """FIFO with a fixed capacity, batch put/get and counters (``accepted``, ``dropped``)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.accepted = 0
        self.dropped = 0
        self.high_water = 0
        self._items: deque[T] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put_many(self, items: Iterable[T]) -> int:
        """Enqueue what fits; count the rest as dropped. Returns how many were accepted."""
        with self._cond:
            room = self.capacity - len(self._items)
            taken = 0
            for item in items:
                if taken < room:
                    self._items.append(item)
                    taken += 1
                else:
                    self.dropped += 1
            self.accepted += taken
            self.high_water = max(self.high_water, len(self._items))
            if taken:
                self._cond.notify()
            return taken

    def put(self, item: T) -> bool:
        return self.put_many((item,)) == 1

    def get_many(self, limit: int, timeout: float | None = None) -> list[T]:
        """Up to ``limit`` items; waits up to ``timeout`` for the first. Empty when closed+drained."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            items = self._items
            count = min(limit, len(items))
            return [items.popleft() for _ in range(count)]

    def close(self) -> None:
        """No more puts are coming: wake the consumer so it can drain and stop."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed and not self._items
