"""Loads the shipped framework files (``frameworks/data/*.yaml``) and indexes them by check id.

The registry is explicit: one YAML file per framework, read once and cached. Every problem in a
file is collected with its line and reported together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from ecsguard.errors import InputError
from ecsguard.frameworks.model import PROVENANCES, Framework
from ecsguard.frameworks.yamlpos import line_of, load_with_lines
from ecsguard.shipped import load_data, yaml_loader

DATA_PACKAGE = "ecsguard.frameworks.data"


def parse_framework(text: str, source: str) -> Framework:
    """Parse and validate one framework file; raise InputError listing every problem."""
    import yaml

    try:
        quick = _valid(yaml.load(text, Loader=yaml_loader()))
    except yaml.YAMLError:
        quick = None
    if quick is not None:
        return quick
    data, lines = load_with_lines(text, source)
    if not isinstance(data, dict):
        raise InputError(source, "line 1", "a framework file is a mapping with `requirements`")
    problems = _normalise_checks(data, lines)
    if problems:
        raise InputError(source, None, "; ".join(problems))
    try:
        framework = msgspec.convert(data, Framework)
    except msgspec.ValidationError as exc:
        raise InputError(source, _place_of(exc, lines), str(exc)) from exc
    problems = _semantic_problems(framework, lines)
    if problems:
        raise InputError(source, None, "; ".join(problems))
    return framework


def _valid(data: Any) -> Framework | None:
    """The framework when ``data`` is valid; None to take the slow path that names the line
    of every problem."""
    if not isinstance(data, dict) or _normalise_checks(data, {}):
        return None
    try:
        framework = msgspec.convert(data, Framework)
    except msgspec.ValidationError:
        return None
    return None if _semantic_problems(framework, {}) else framework


def _normalise_checks(data: dict[str, Any], lines: dict[Any, int]) -> list[str]:
    """Files write ``checks: {provenance: [check ids]}``; the model keeps one record per check."""
    problems: list[str] = []
    for index, req in enumerate(data.get("requirements") or []):
        checks = req.get("checks") if isinstance(req, dict) else None
        if checks is None or isinstance(checks, list):
            continue
        where = f"line {line_of(lines, ('requirements', index, 'checks'))}"
        if not isinstance(checks, dict):
            problems.append(f"{where}: `checks` maps a provenance to a list of check ids")
            continue
        flat: list[dict[str, str]] = []
        for provenance, ids in checks.items():
            if provenance not in PROVENANCES:
                problems.append(f"{where}: unknown provenance {provenance!r} (use {PROVENANCES})")
            elif not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                problems.append(f"{where}: `{provenance}` must list check ids")
            else:
                flat.extend({"check": check, "provenance": provenance} for check in ids)
        req["checks"] = flat
    return problems


def _place_of(exc: msgspec.ValidationError, lines: dict[Any, int]) -> str | None:
    # msgspec names the failing path as `$.requirements[3].ownership`; map it back to a line.
    text = str(exc)
    marker = text.rfind("$.")
    if marker < 0:
        return None
    path: list[str | int] = []
    for part in text[marker + 2 :].replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            path.append(int(part[1:-1]))
        elif part:
            path.append(part.rstrip("`"))
    line = line_of(lines, tuple(path))
    return f"line {line}" if line else None


def _semantic_problems(framework: Framework, lines: dict[Any, int]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, req in enumerate(framework.requirements):
        where = f"line {line_of(lines, ('requirements', index))}"
        if req.id in seen:
            problems.append(f"{where}: duplicate requirement id {req.id!r}")
        seen.add(req.id)
        if not (req.checks or req.scope or req.manual):
            problems.append(f"{where}: {req.id} has no checks, no scope evidence and is not manual")
        duplicates = {c for c in req.check_ids if req.check_ids.count(c) > 1}
        if duplicates:
            problems.append(f"{where}: {req.id} lists {sorted(duplicates)} twice")
    return problems


@lru_cache(maxsize=1)
def _shipped() -> tuple[Framework, ...]:
    folder = resources.files(DATA_PACKAGE)
    found: list[Framework] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".yaml"):
            quick = _valid(load_data(Path(str(entry))))
            found.append(quick or parse_framework(entry.read_text(encoding="utf-8"), entry.name))
    return tuple(found)


def load_frameworks() -> dict[str, Framework]:
    """Every shipped framework by id, in file order."""
    return {framework.id: framework for framework in _shipped()}


def get_framework(framework_id: str) -> Framework:
    """A shipped framework by id or alias; InputError naming the known ids otherwise."""
    frameworks = load_frameworks()
    for framework in frameworks.values():
        if framework_id == framework.id or framework_id in framework.aliases:
            return framework
    known = ", ".join(frameworks)
    raise InputError("--framework", None, f"unknown framework {framework_id!r} (known: {known})")


@lru_cache(maxsize=1)
def _check_index() -> Mapping[str, Mapping[str, tuple[str, ...]]]:
    index: dict[str, dict[str, list[str]]] = {}
    for framework in _shipped():
        for req in framework.requirements:
            for check in req.check_ids:
                index.setdefault(check, {}).setdefault(framework.id, []).append(req.id)
    return {check: {fw: tuple(ids) for fw, ids in by_fw.items()} for check, by_fw in index.items()}


def frameworks_for(check_id: str) -> dict[str, list[str]]:
    """Requirement ids per framework that ``check_id`` evidences (fills ``Finding.frameworks``)."""
    return {fw: list(ids) for fw, ids in _check_index().get(check_id, {}).items()}


def mapping_problems(frameworks: Iterable[Framework], check_ids: Iterable[str]) -> list[str]:
    """Unknown check ids in framework files, and known checks that no framework maps."""
    known = set(check_ids)
    problems: list[str] = []
    mapped: set[str] = set()
    for framework in frameworks:
        for req in framework.requirements:
            for check in req.check_ids:
                mapped.add(check)
                if check not in known:
                    problems.append(f"{framework.id} {req.id}: unknown check id {check!r}")
    problems.extend(
        f"check {check!r} is mapped to no framework" for check in sorted(known - mapped)
    )
    return problems
