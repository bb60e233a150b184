"""Redaction at store speed: ``ecsguard.redact.scrub``'s result, computed once per string.

Which strings can change under ``scrub`` is decided by one combined search over the redact
module's own patterns plus its high-entropy test; only those strings take the full path.
Tests hold this equal to ``scrub`` on real and random documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ecsguard import redact

# Lookaround groups are dropped for the filter: without them a pattern matches more, never less.
_LOOKAROUND = re.compile(r"\(\?<?[!=](?:[^()\\]|\\.|\[[^\]]*\])*\)")


def _combined_source(strip_lookaround: bool) -> str:
    parts = []
    for pattern in [p for _, p in redact.VALUE_PATTERNS] + [redact._ASSIGNMENT]:
        text = pattern.pattern
        insensitive = text.startswith("(?i)") or bool(pattern.flags & re.IGNORECASE)
        body = text[4:] if text.startswith("(?i)") else text
        if strip_lookaround:
            body = _LOOKAROUND.sub("", body)
        parts.append(f"(?i:{body})" if insensitive else f"(?:{body})")
    return "|".join(parts)


def _combined() -> Any:
    """One search for "could any redact pattern touch this string": RE2 when it can, else re."""
    try:
        import re2

        return re2.compile(_combined_source(strip_lookaround=True))
    except Exception:  # RE2 missing or a construct it lacks: fall back to Python's engine
        pass
    try:
        return re.compile(_combined_source(strip_lookaround=False))
    except re.error:
        return None  # patterns we cannot combine: every string takes the full path


_CANDIDATE = _combined()


@lru_cache(maxsize=1 << 17)
def scrub_string(value: str) -> str:
    """``scrub(value)`` for a string."""
    if (
        _CANDIDATE is not None
        and value.isascii()  # RE2 word boundaries and case folding equal Python's on ASCII text
        and not _CANDIDATE.search(value)
        and not redact.high_entropy(value)
    ):
        return value
    result: str = redact.scrub(value)
    return result


@lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    return redact.secret_name(name)


def _pair(name: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if isinstance(name, str) and _secret_name(name):
        return redact.MASK
    if name is not None and not isinstance(name, str):
        # redact.scrub raises on a non-string name; judge it by its text instead
        return redact.redact_pair(str(name), value)
    return scrub_string(value)


def fast_scrub(obj: Any) -> Any:
    """Same result as ``ecsguard.redact.scrub(obj)``."""
    if isinstance(obj, dict):
        keys = obj.keys()
        if "value" in keys and ("name" in keys or "Name" in keys) and len(keys) <= 3:
            name = obj.get("name", obj.get("Name"))
            return {k: (_pair(name, v) if k == "value" else fast_scrub(v)) for k, v in obj.items()}
        return {
            k: (_pair(str(k), v) if isinstance(v, str) else fast_scrub(v)) for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [fast_scrub(v) for v in obj]
    if isinstance(obj, str):
        return scrub_string(obj)
    return obj
