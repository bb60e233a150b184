"""PCI scope for alerts: reads ``ecsguard scope --format json`` and names each task's category.

A task matches a component by task ARN, service, task-definition family or container name.
CDE tasks get their alert severity raised one level; every matched alert is tagged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ecsguard.errors import InputError

__all__ = ["Scope", "load_scope"]

_RANK = {"cde": 0, "connected-to": 1, "security-impacting": 2, "undetermined": 3, "out-of-scope": 4}


class Scope:
    """Lookup from names/ARNs to PCI category (the most sensitive one wins on a tie)."""

    def __init__(self, by_name: dict[str, str]) -> None:
        self.by_name = by_name

    def category(self, resource: dict[str, Any]) -> str | None:
        for key in ("task_arn", "service", "family", "container"):
            value = resource.get(key)
            if isinstance(value, str) and value in self.by_name:
                return self.by_name[value]
        return None


def _task_family(arn: str) -> str:
    # arn:aws:ecs:region:acct:task-definition/family:rev -> family
    tail = arn.rsplit("/", 1)[-1]
    return tail.split(":", 1)[0]


def load_scope(path: Path) -> Scope:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InputError(str(path), None, f"cannot read scope report: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("components"), list):
        raise InputError(str(path), None, "not an ecsguard scope report (no components list)")
    by_name: dict[str, str] = {}
    for comp in data["components"]:
        if not isinstance(comp, dict) or comp.get("kind") not in (
            "service",
            "task_definition",
            "task",
            "container",
        ):
            continue
        category = str(comp.get("category") or "undetermined")
        keys = {str(comp.get("name") or ""), str(comp.get("id") or "")}
        if comp.get("kind") == "task_definition" and comp.get("id"):
            keys.add(_task_family(str(comp["id"])))
        for key in keys - {""}:
            old = by_name.get(key)
            if old is None or _RANK.get(category, 9) < _RANK.get(old, 9):
                by_name[key] = category
    return Scope(by_name)
