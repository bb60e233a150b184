"""``ecsguard.toml``: posture settings, severity overrides, suppressions, policy parameters.

Sections this module validates: ``[posture]``, ``[severity]``, ``[policy]``,
``[[suppressions]]``. Other sections (``[scope]``, ``[runtime]`` ...) belong to their areas and
are read through ``Config.section(name)``. Every problem is collected with its key and
reported at once as an ``InputError``.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from typing import Any

import msgspec

from ecsguard.errors import InputError
from ecsguard.posture.policy import Policy
from ecsguard.posture.result import SEVERITIES

DEFAULT_NAME = "ecsguard.toml"


class PostureSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fail_on: str | None = None
    all_revisions: bool = False
    legacy: bool = False  # run retired controls (Security Hub ECS.1)
    checks: tuple[str, ...] = ()  # run only these ids / prefixes (``ecs.service.*``)
    skip: tuple[str, ...] = ()


class Suppression(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    check: str  # check id or fnmatch pattern
    reason: str
    resource: str = "*"  # fnmatch pattern on resource id or name
    expires: dt.date | None = None


class Config(msgspec.Struct, frozen=True, kw_only=True):
    path: str = ""
    raw: dict[str, Any] = {}
    posture: PostureSettings = PostureSettings()
    severity: dict[str, str] = {}
    policy: Policy = Policy()
    suppressions: tuple[Suppression, ...] = ()

    def section(self, name: str) -> dict[str, Any]:
        """A top-level table of the file (empty when absent), for areas that own it."""
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def load_config(path: str | None = None) -> Config:
    """Load ``path``, or ``./ecsguard.toml`` when it exists, else the defaults."""
    if path is None:
        if not os.path.exists(DEFAULT_NAME):
            return Config()
        path = DEFAULT_NAME
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"invalid TOML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: str = DEFAULT_NAME) -> Config:
    problems: list[tuple[str, str]] = []
    posture = _convert(raw.get("posture", {}), PostureSettings, "posture", problems)
    policy = _convert(raw.get("policy", {}), Policy, "policy", problems)
    severity = raw.get("severity", {})
    if not isinstance(severity, dict):
        problems.append(("severity", "expected a table of check id = severity"))
        severity = {}
    for key, value in severity.items():
        if value not in SEVERITIES:
            problems.append((f"severity.{key}", f"{value!r} is not one of {', '.join(SEVERITIES)}"))
    if posture is not None and posture.fail_on not in (None, *SEVERITIES):
        problems.append(("posture.fail_on", f"{posture.fail_on!r} is not a severity"))
    if policy is not None and policy.log_mode not in ("blocking", "non-blocking", "any"):
        problems.append(("policy.log_mode", "expected blocking, non-blocking or any"))
    suppressions = _suppressions(raw.get("suppressions", []), problems)
    _unknown_checks(severity, suppressions, problems)
    if problems:
        place, message = problems[0]
        extra = (
            f" (and {len(problems) - 1} more: "
            + "; ".join(f"{p}: {m}" for p, m in problems[1:])
            + ")"
            if len(problems) > 1
            else ""
        )
        raise InputError(path, place, message + extra)
    return Config(
        path=path,
        raw=raw,
        posture=posture or PostureSettings(),
        severity=dict(severity),
        policy=policy or Policy(),
        suppressions=tuple(suppressions),
    )


def _convert(value: Any, cls: type[Any], place: str, problems: list[tuple[str, str]]) -> Any:
    try:
        return msgspec.convert(value, cls, strict=False)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `$")
        problems.append((place + where.rstrip("`"), message))
        return None


def _suppressions(items: Any, problems: list[tuple[str, str]]) -> list[Suppression]:
    if not isinstance(items, list):
        problems.append(("suppressions", "expected an array of tables ([[suppressions]])"))
        return []
    out = []
    for index, item in enumerate(items):
        sup = _convert(item, Suppression, f"suppressions[{index}]", problems)
        if sup is not None:
            if not sup.reason.strip():
                problems.append((f"suppressions[{index}].reason", "a reason is required"))
            out.append(sup)
    return out


def _unknown_checks(
    severity: dict[str, Any], suppressions: list[Suppression], problems: list[tuple[str, str]]
) -> None:
    from ecsguard.posture.registry import load_checks

    known = load_checks()
    for key in severity:
        if key not in known:
            problems.append((f"severity.{key}", "unknown check id"))
    for index, sup in enumerate(suppressions):
        if not any(c in sup.check for c in "*?[") and sup.check not in known:
            problems.append((f"suppressions[{index}].check", f"unknown check id {sup.check}"))
