"""What a check predicate returns: small tuples, cheap to build on the hot path.

A predicate returns ``None`` when the resource is not applicable, else a list of outcomes
``(status, evidence path, value, detail)``. The engine folds them into one Finding: any
``fail`` makes it fail, else any ``error`` makes it error, else it passes.
"""

from __future__ import annotations

from typing import Any

Outcome = tuple[str, str, Any, str]
Outcomes = list[Outcome] | None

FAIL = "fail"
PASS = "pass"
ERROR = "error"


def fail(path: str, value: Any, detail: str) -> Outcome:
    return (FAIL, path, value, detail)


def passed(path: str = "", value: Any = None, detail: str = "") -> Outcome:
    return (PASS, path, value, detail)


def error(path: str, detail: str) -> Outcome:
    return (ERROR, path, None, detail)


def unknown_at(unknown: tuple[str, ...], path: str) -> bool:
    """True when ``path`` or one of its parents is a path the input left undetermined."""
    for u in unknown:
        if u == path or u == "":
            return True
        if path.startswith(u) and path[len(u)] in ".[":
            return True
    return False


def undetermined(path: str) -> Outcome:
    return (ERROR, path, None, f"{path} is not determined by the input")


MASK = "***"  # same mask as ecsguard.redact; a secret's value never leaves a predicate
