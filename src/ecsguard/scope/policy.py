"""Scope policy switches (``ecsguard.toml`` ``[scope]``), read with tomllib."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from ecsguard.errors import InputError

COTENANCY = ("security-impacting", "cde")


@dataclass(frozen=True)
class ScopePolicy:
    """How contested readings of the PCI SSC guidance are resolved (PCI_SCOPING §1.2, §8)."""

    public_entry_counts_as_connection: bool = False
    cotenancy: str = "security-impacting"
    same_subnet_is_cde: bool = False


def load_policy(path: str | None) -> ScopePolicy:
    """Read ``[scope]`` from ``path``; defaults when no path is given or the section is absent."""
    if not path:
        return ScopePolicy()
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"invalid TOML: {exc}") from None
    section = doc.get("scope", {})
    if not isinstance(section, dict):
        raise InputError(path, "scope", "expected a table")
    return policy_from(section, path)


def policy_from(section: dict[str, Any], source: str = "ecsguard.toml") -> ScopePolicy:
    known = {"public_entry_counts_as_connection", "cotenancy", "same_subnet_is_cde"}
    for key in section:
        if key not in known:
            raise InputError(source, f"scope.{key}", f"unknown setting (known: {sorted(known)})")
    out: dict[str, Any] = {}
    for key in ("public_entry_counts_as_connection", "same_subnet_is_cde"):
        if key in section:
            if not isinstance(section[key], bool):
                raise InputError(source, f"scope.{key}", "expected true or false")
            out[key] = section[key]
    if "cotenancy" in section:
        if section["cotenancy"] not in COTENANCY:
            raise InputError(source, "scope.cotenancy", f"expected one of {list(COTENANCY)}")
        out["cotenancy"] = section["cotenancy"]
    return ScopePolicy(**out)
