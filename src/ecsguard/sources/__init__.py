"""Event sources by scheme: ``open_source("file:events.jsonl")`` returns an ``EventSource``.

The registry maps a scheme to ``module:attribute``; modules import lazily so a missing optional
source (``nats``, implemented by the agent/fleet area) fails with a clear message only when used.
Each source class takes the spec string plus keyword options.
"""

from __future__ import annotations

import importlib
from typing import Any

from ecsguard.errors import UsageError
from ecsguard.sources.base import Delivery, EventSource

__all__ = ["SOURCES", "Delivery", "EventSource", "open_source", "split_spec"]

SOURCES: dict[str, str] = {
    "file": "ecsguard.sources.file:FileSource",
    "sysdig": "ecsguard.sources.sysdig:SysdigSource",
    "nats": "ecsguard.sources.nats:NatsSource",
}


def split_spec(spec: str) -> tuple[str, str]:
    """``file:PATH`` -> (file, PATH); ``-`` is stdin; ``nats://h:p`` keeps its URL; a bare path is a file."""
    if spec == "-":
        return "file", "-"
    if spec.startswith("nats://") or spec.startswith("tls://"):
        return "nats", spec
    scheme, sep, rest = spec.partition(":")
    if sep and scheme in SOURCES:
        return scheme, rest
    return "file", spec


def _load(target: str, what: str, spec: str) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"{what} {spec!r} needs module {module_name}, which is not installed ({exc.name})"
        ) from exc
    return getattr(module, attr)


def open_source(spec: str, **options: Any) -> EventSource:
    """The source for a spec string (see ``split_spec``); raises UsageError on an unknown scheme."""
    scheme, _ = split_spec(spec)
    if "://" in spec and not spec.startswith(("nats://", "tls://")):
        scheme = spec.split("://", 1)[0]
    target = SOURCES.get(scheme)
    if target is None:
        raise UsageError(f"unknown source scheme in {spec!r}; known: {', '.join(sorted(SOURCES))}")
    cls = _load(target, "source", spec)
    source: EventSource = cls(spec, **options)
    return source
