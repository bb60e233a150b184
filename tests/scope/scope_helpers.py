"""Helpers: scope an Estate and look components up by name."""

from __future__ import annotations

from typing import Any

from scope_estate import Estate

from ecsguard.scope.declare import Declaration, Flow
from ecsguard.scope.engine import compute_scope
from ecsguard.scope.policy import ScopePolicy


class Scoped:
    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.by_name: dict[tuple[str, str], dict[str, Any]] = {}
        for c in report["components"]:
            self.by_name.setdefault((c["kind"], c["name"]), c)

    def comp(self, name: str, kind: str = "service") -> dict[str, Any]:
        return self.by_name[(kind, name)]

    def cat(self, name: str, kind: str = "service") -> str:
        return str(self.comp(name, kind)["category"])

    def codes(self, name: str, kind: str = "service") -> list[str]:
        return [f"{r['rule']}:{r['code']}" for r in self.comp(name, kind)["reasons"]]

    def events(self, etype: str) -> list[dict[str, Any]]:
        return [e for e in self.report["events"] if e["type"] == etype]


def scope(
    estate: Estate,
    policy: ScopePolicy | None = None,
    overrides: dict[str, Declaration] | None = None,
    flows: list[Flow] | None = None,
) -> Scoped:
    return Scoped(
        compute_scope(estate.inventory(), policy=policy, overrides=overrides, flows=flows)
    )
