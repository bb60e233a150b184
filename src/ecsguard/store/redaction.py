"""Redaction at store speed: ``ecsguard.redact.scrub``'s result, computed once per string.

Which strings can change under ``scrub`` is decided by one combined search over the redact
module's own patterns plus its high-entropy test; only those strings take the full path.
Tests hold this equal to ``scrub`` on real and random documents. The shortcut is only taken
while ``ecsguard.redact`` is the version those tests validated (``VALIDATED``); after any
change there, every call goes to ``redact.scrub`` itself until the tests are re-run and the
fingerprint updated, so a new detection rule can never be skipped here.
"""

from __future__ import annotations

import hashlib
import inspect
from functools import lru_cache
from typing import Any

from ecsguard import redact, redact_filter

# sha256 of the redact functions and patterns this module mirrors (see ``fingerprint``).
VALIDATED = "1139a812f2cef8a0dd3bb25444cbaf3a85487af181421e33e1a428379a480233"
_MIRRORED = (
    "secret_name",
    "secret_kind",
    "high_entropy",
    "entropy",
    "redact_text",
    "redact_pair",
    "scrub",
)


def fingerprint() -> str:
    """What this module's equivalence with ``redact.scrub`` depends on, hashed."""
    parts = [inspect.getsource(getattr(redact, name)) for name in _MIRRORED]
    for attr in ("VALUE_PATTERNS", "TEXT_PATTERNS", "_SECRET_NAME", "_NOT_SECRET_NAME", "MASK"):
        parts.append(repr(getattr(redact, attr, None)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _validated() -> bool:
    try:
        return fingerprint() == VALIDATED
    except (OSError, TypeError):  # no source to read: do not guess
        return False


FAST = _validated()

_CANDIDATE = redact_filter.combined()


@lru_cache(maxsize=1 << 17)
def scrub_string(value: str) -> str:
    """``scrub(value)`` for a string."""
    if (
        _CANDIDATE is not None
        and redact_filter.same_in_re2(value)  # ASCII without the spaces only Python's \s knows
        and not _CANDIDATE.search(value)
        and not redact.high_entropy(value)
    ):
        return value
    result: str = redact.scrub(value)
    return result


_NAMES: dict[str, bool] = {}


def _secret_name(name: str) -> bool:
    flag = _NAMES.get(name)
    if flag is None:
        if len(_NAMES) > 65536:
            _NAMES.clear()
        flag = _NAMES[name] = redact.secret_name(name)
    return flag


def _pair(name: Any, value: Any) -> Any:
    if type(value) is not str:
        return value if not isinstance(value, str) else _pair(name, str(value))
    if type(name) is str:
        return redact.MASK if _secret_name(name) else scrub_string(value)
    if name is None:
        return scrub_string(value)
    # redact.scrub raises on a non-string name; judge it by its text instead
    return redact.redact_pair(str(name), value)


def fast_scrub(obj: Any) -> Any:
    """Same result as ``ecsguard.redact.scrub(obj)``, with one dict pass per level."""
    if not FAST:
        return redact.scrub(obj)
    return _fast(obj)


def _fast(obj: Any) -> Any:
    kind = type(obj)
    if kind is dict:
        if "value" in obj and ("name" in obj or "Name" in obj) and len(obj) <= 3:
            name = obj.get("name", obj.get("Name"))
            return {k: (_pair(name, v) if k == "value" else _fast(v)) for k, v in obj.items()}
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            vkind = type(value)
            if vkind is str:
                flag = _NAMES.get(key) if type(key) is str else None
                if flag is False:  # the common case, inlined: a known non-secret key
                    out[key] = scrub_string(value)
                else:
                    out[key] = _pair(key if type(key) is str else str(key), value)
            elif vkind is dict or vkind is list or vkind is tuple:
                out[key] = _fast(value)
            elif isinstance(value, str | dict | list | tuple):  # subclasses: the slow path
                out[key] = _pair(str(key), value) if isinstance(value, str) else _fast(value)
            else:
                out[key] = value
        return out
    if kind is list or kind is tuple:
        return [_fast(v) if type(v) is not str else scrub_string(v) for v in obj]
    if kind is str:
        return scrub_string(obj)
    if isinstance(obj, dict | list | tuple | str):
        return _fast(
            dict(obj)
            if isinstance(obj, dict)
            else list(obj)
            if not isinstance(obj, str)
            else str(obj)
        )
    return obj


def scrub_owned(obj: Any) -> Any:
    """``fast_scrub`` for a value nobody else holds (fresh ``to_builtins`` output): masks in
    place instead of copying every dict and list, which is most of the cost on big runs."""
    if not FAST:
        return redact.scrub(obj)
    return _owned(obj)


def _owned(obj: Any) -> Any:
    kind = type(obj)
    if kind is dict:
        if "value" in obj and ("name" in obj or "Name" in obj) and len(obj) <= 3:
            return _fast(obj)
        for key, value in obj.items():
            vkind = type(value)
            if vkind is str:
                flag = _NAMES.get(key) if type(key) is str else None
                new = scrub_string(value) if flag is False else _pair(str(key), value)
                if new is not value:
                    obj[key] = new
            elif vkind is dict or vkind is list:
                obj[key] = _owned(value)  # a name/value pair comes back as a new dict
            elif (
                vkind is not int and vkind is not float and vkind is not bool and value is not None
            ):
                obj[key] = _fast(value)
        return obj
    if kind is list:
        for index, value in enumerate(obj):
            vkind = type(value)
            if vkind is str:
                new = scrub_string(value)
                if new is not value:
                    obj[index] = new
            elif vkind is dict or vkind is list:
                obj[index] = _owned(value)
            elif (
                vkind is not int and vkind is not float and vkind is not bool and value is not None
            ):
                obj[index] = _fast(value)
        return obj
    return _fast(obj)
