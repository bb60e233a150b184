"""The check registry: metadata YAML beside each predicate module, joined explicitly.

Each ``checks/<resource>.py`` exposes ``CHECKS: dict[str, Predicate]``; its
``<resource>.yaml`` maps check ids to metadata naming one of those functions. ``load_checks``
joins them and fails loudly on a metadata entry without a function or a function without one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec

from ecsguard.posture.outcome import Outcomes
from ecsguard.shipped import load_data

Predicate = Callable[[Any, Any], Outcomes]

CHECK_DIR = Path(__file__).parent / "checks"
MODULES: tuple[str, ...] = (
    "task_definition",
    "service",
    "cluster",
    "ecr",
    "efs",
    "elbv2",
    "logs",
    "kms",
)
ALL_KINDS = ("snapshot", "cloudformation", "terraform", "taskdef")


class Remediation(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    cli: str = ""
    cloudformation: str = ""
    terraform: str = ""


class Check(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    function: str
    collection: str
    kinds: tuple[str, ...]
    title: str
    severity: str
    rationale: str
    remediation: Remediation
    references: dict[str, list[str]]
    legacy: bool = False
    module: str = ""
    predicate: Any = None  # Predicate; Any so the struct stays serialisable

    def metadata(self) -> dict[str, Any]:
        """The check as shipped metadata (for ``ecsguard checks --format json`` and docs)."""
        fields = msgspec.structs.asdict(self)
        fields.pop("predicate", None)
        out: dict[str, Any] = msgspec.to_builtins(fields)
        return out


class RegistryError(Exception):
    """Metadata and predicates disagree (a packaging bug, caught by the tests)."""


@lru_cache(maxsize=1)
def load_checks() -> dict[str, Check]:
    """Every shipped check by id, in catalogue order."""
    checks: dict[str, Check] = {}
    for name in MODULES:
        module = importlib.import_module(f"ecsguard.posture.checks.{name}")
        functions: dict[str, Predicate] = module.CHECKS
        raw = load_data(CHECK_DIR / f"{name}.yaml") or {}
        used: set[str] = set()
        for check_id, meta in raw.items():
            fn_name = meta.get("function", "")
            if fn_name not in functions:
                raise RegistryError(f"{name}.yaml: {check_id} names unknown function {fn_name!r}")
            used.add(fn_name)
            check = msgspec.convert({**meta, "id": check_id, "module": name}, Check)
            if check_id in checks:
                raise RegistryError(f"duplicate check id {check_id}")
            checks[check_id] = msgspec.structs.replace(check, predicate=functions[fn_name])
        unused = set(functions) - used
        if unused:
            raise RegistryError(f"{name}.py: functions without metadata: {sorted(unused)}")
    return checks
