"""Marking findings with their resource's PCI category from a scope report (DESIGN §3.4)."""

from __future__ import annotations

from typing import Any

import orjson

from ecsguard.collect.load import read_text
from ecsguard.errors import InputError
from ecsguard.posture.result import Finding


def load_scope_categories(path: str) -> dict[str, str]:
    """Component id and name -> category, from an ``ecsguard scope --format json`` report."""
    try:
        doc: Any = orjson.loads(read_text(path))
    except orjson.JSONDecodeError as exc:
        raise InputError(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or "ecsguard_scope" not in doc:
        raise InputError(path, None, "not an ecsguard scope report (no ecsguard_scope key)")
    out: dict[str, str] = {}
    for index, comp in enumerate(doc.get("components") or []):
        if not isinstance(comp, dict) or not isinstance(comp.get("category"), str):
            raise InputError(path, f"components[{index}]", "expected an object with a category")
        for key in (comp.get("id"), comp.get("name")):
            if isinstance(key, str) and key:
                out.setdefault(key, comp["category"])
    return out


def mark_scope(findings: list[Finding], categories: dict[str, str]) -> None:
    """Set ``Finding.scope``; resources the report does not know are ``undetermined``."""
    for finding in findings:
        res = finding.resource
        family = res.name.split(":", 1)[0] if res.type == "AWS::ECS::TaskDefinition" else ""
        finding.scope = (
            categories.get(res.id)
            or categories.get(res.name)
            or (categories.get(family) if family else None)
            or "undetermined"
        )
