"""One search that tells whether any ``ecsguard.redact`` text pattern could match a string.

Redaction runs its patterns one by one; most strings (image names, ARNs, paths) match none of
them, and the assignment pattern alone costs microseconds per string. ``could_match`` answers
"maybe" or "certainly not" with one RE2 search over all the patterns at once.

RE2 and Python's ``re`` agree on ASCII text except for four whitespace characters (``\\s`` in
Python also means vertical tab and ``\\x1c``-``\\x1f``), so the shortcut is taken only for ASCII
text without them; the combined pattern drops lookaround groups, which only makes it match more.
Any other text, or a pattern RE2 cannot compile, gets the patterns one by one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ecsguard import redact

# Lookaround groups are dropped for the filter: without them a pattern matches more, never less.
_LOOKAROUND = re.compile(r"\(\?<?[!=](?:[^()\\]|\\.|\[[^\]]*\])*\)")
# ASCII characters that Python's \s matches and RE2's does not
_SPACE_DIFFERENCE = re.compile("[\x0b\x1c-\x1f]")


def combined_source(
    strip_lookaround: bool, patterns: tuple[re.Pattern[str], ...] | None = None
) -> str:
    """Every text pattern of ``ecsguard.redact`` (or ``patterns``) as one alternation."""
    parts = []
    for pattern in redact.TEXT_PATTERNS if patterns is None else patterns:
        text = pattern.pattern
        insensitive = text.startswith("(?i)") or bool(pattern.flags & re.IGNORECASE)
        body = text[4:] if text.startswith("(?i)") else text
        if strip_lookaround:
            body = _LOOKAROUND.sub("", body)
        parts.append(f"(?i:{body})" if insensitive else f"(?:{body})")
    return "|".join(parts)


@lru_cache(maxsize=2)
def combined(values_only: bool = False) -> Any:
    """The RE2 form of ``combined_source`` (of the value-shape patterns alone with
    ``values_only``), or None when RE2 is missing or refuses it."""
    patterns = tuple(p for _, p in redact.VALUE_PATTERNS) if values_only else None
    try:
        import re2

        return re2.compile(combined_source(True, patterns))
    except Exception:  # RE2 missing or a construct it lacks: callers test one by one
        return None


def same_in_re2(text: str) -> bool:
    """True when RE2 and ``re`` read ``text`` alike (the combined search may be trusted)."""
    return text.isascii() and not _SPACE_DIFFERENCE.search(text)


def could_match(text: str) -> bool:
    """False only when no text pattern of ``ecsguard.redact`` matches ``text``."""
    fast = combined()
    if fast is not None and same_in_re2(text):
        return bool(fast.search(text))
    return any(pattern.search(text) for pattern in redact.TEXT_PATTERNS)


def could_be_value_secret(text: str) -> bool:
    """False only when no value-shape pattern of ``ecsguard.redact`` matches ``text``."""
    fast = combined(values_only=True)
    if fast is not None and same_in_re2(text):
        return bool(fast.search(text))
    return any(pattern.search(text) for _, pattern in redact.VALUE_PATTERNS)
