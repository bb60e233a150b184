"""Manual attestations: a person's signed-off word for requirements no configuration can prove.

File format (YAML)::

    attestations:
      - framework: pci-dss-4.0
        requirement: "12.5.2"
        owner: "Jane Doe, Head of Compliance"
        date: 2026-10-01
        expires: 2027-10-01
        evidence: https://wiki.example.com/pci/scope-review-2026
        statement: "Scope confirmed after the Q3 re-platforming."   # optional

Every problem (unknown framework or requirement, missing field, expiry before date) is
collected with its line and reported once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msgspec

from ecsguard.errors import InputError
from ecsguard.frameworks.loader import load_frameworks
from ecsguard.frameworks.model import Framework
from ecsguard.frameworks.yamlpos import line_of, load_with_lines

REQUIRED = ("framework", "requirement", "owner", "date", "expires", "evidence")
OPTIONAL = ("statement",)


class Attestation(msgspec.Struct, kw_only=True, frozen=True):
    framework: str
    requirement: str
    owner: str
    date: dt.date
    expires: dt.date
    evidence: str
    statement: str = ""
    source: str = ""  # "attestations.yaml:14", for the evidence pack

    def status(self, today: dt.date) -> str:
        """``valid`` until the expiry date (inclusive), ``expired`` after it."""
        return "valid" if today <= self.expires else "expired"


def load_attestations(
    path: str | Path, frameworks: dict[str, Framework] | None = None
) -> list[Attestation]:
    """Read and validate an attestation file against the shipped (or given) frameworks."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror or exc}") from exc
    return parse_attestations(text, source, frameworks)


def parse_attestations(
    text: str, source: str, frameworks: dict[str, Framework] | None = None
) -> list[Attestation]:
    known = frameworks if frameworks is not None else load_frameworks()
    data, lines = load_with_lines(text, source)
    items = data.get("attestations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(source, "line 1", "expected a mapping with an `attestations` list")
    problems: list[str] = []
    found: list[Attestation] = []
    for index, item in enumerate(items):
        line = line_of(lines, ("attestations", index))
        errors, attestation = _one(item, known, f"{source}:{line}")
        problems.extend(f"line {line}: {error}" for error in errors)
        if attestation is not None:
            found.append(attestation)
    if problems:
        raise InputError(source, None, "; ".join(problems))
    return found


def _one(
    item: Any, known: dict[str, Framework], where: str
) -> tuple[list[str], Attestation | None]:
    if not isinstance(item, dict):
        return ["an attestation is a mapping"], None
    errors = [f"missing `{key}`" for key in REQUIRED if item.get(key) in (None, "")]
    errors += [f"unknown key `{key}`" for key in item if key not in REQUIRED + OPTIONAL]
    framework = _framework(known, str(item.get("framework", "")))
    if "framework" in item and framework is None:
        errors.append(f"unknown framework {item['framework']!r}")
    requirement = str(item.get("requirement", ""))
    if framework is not None and requirement and framework.requirement(requirement) is None:
        errors.append(f"{framework.id} has no requirement {requirement!r}")
    date, expires = _date(item.get("date")), _date(item.get("expires"))
    for key, value in (("date", date), ("expires", expires)):
        if item.get(key) not in (None, "") and value is None:
            errors.append(f"`{key}` is not a date (YYYY-MM-DD)")
    if date and expires and expires < date:
        errors.append("`expires` is before `date`")
    if errors or framework is None or date is None or expires is None:
        return errors, None
    return [], Attestation(
        framework=framework.id,
        requirement=requirement,
        owner=str(item["owner"]),
        date=date,
        expires=expires,
        evidence=str(item["evidence"]),
        statement=str(item.get("statement") or ""),
        source=where,
    )


def _framework(known: dict[str, Framework], name: str) -> Framework | None:
    for framework in known.values():
        if name == framework.id or name in framework.aliases:
            return framework
    return None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
