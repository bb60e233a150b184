"""OCSF JSON-lines source: ``file:PATH`` or ``-`` (stdin). Bad lines become errors, never stop it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import IO, Any

import orjson

from ecsguard.errors import InputError
from ecsguard.sources.base import MAX_LINE_BYTES, Delivery, parse_json_event

__all__ = ["FileSource", "iter_lines"]

_CHUNK = 1 << 16


def iter_lines(
    stream: IO[bytes], limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) per line; bytes is None for a line longer than ``limit``.

    An over-long line is skipped chunk by chunk so its size never sits in memory.
    """
    number = 0
    readline = stream.readline
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:
                rest = readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


class FileSource:
    """Reads OCSF events, one JSON object per line, from a file or stdin."""

    def __init__(
        self, spec: str, *, max_line_bytes: int = MAX_LINE_BYTES, raw: bool = False, **_: Any
    ) -> None:
        path = spec[5:] if spec.startswith("file:") else spec
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.max_line_bytes = max_line_bytes
        # raw=True hands the engine unparsed lines (its fast path parses only what it needs)
        self.raw = raw

    def _open(self) -> IO[bytes]:
        if self.path == "-":
            return sys.stdin.buffer
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise InputError(self.path, None, f"cannot read: {exc.strerror}") from exc

    def deliveries(self) -> Iterator[Delivery]:
        stream = self._open()
        name = self.name
        loads = orjson.loads
        try:
            for number, raw in iter_lines(stream, self.max_line_bytes):
                if raw is None:
                    yield Delivery(
                        None, f"{name}:{number}", f"line longer than {self.max_line_bytes} bytes"
                    )
                    continue
                if not raw.strip():
                    continue
                if self.raw:
                    yield Delivery(None, f"{name}:{number}", None, None, raw)
                    continue
                event, error = parse_json_event(raw, loads)
                yield Delivery(event, f"{name}:{number}", error)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
