"""Reasons: the rule, a stable code, a sentence, the component path and the evidence ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RULE_ORDER = ("C1", "C2", "C3", "C4", "S1", "S1b", "S2", "S3", "S4", "S5", "U1", "O1", "A1")
_RANK_OF = {rule: i for i, rule in enumerate(RULE_ORDER)}
CONNECTED_RULES = frozenset({"S1", "S1b"})
CATEGORIES = ("cde", "connected-to", "security-impacting", "undetermined", "out-of-scope")
RANK = {"out-of-scope": 0, "undetermined": 1, "security-impacting": 2, "connected-to": 2, "cde": 3}


@dataclass(frozen=True)
class Reason:
    rule: str
    code: str
    text: str
    path: tuple[str, ...] = ()
    evidence: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "text": self.text,
            "path": list(self.path),
            "evidence": list(self.evidence),
        }


def ordered(reasons: list[Reason]) -> list[Reason]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out: list[Reason] = []
    for r in sorted(reasons, key=lambda r: _RANK_OF[r.rule]):
        key = (r.rule, r.code, r.path)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def category_of(reasons: list[Reason]) -> str:
    rules = {r.rule for r in reasons}
    if rules & {"C1", "C2", "C3", "C4"}:
        return "cde"
    first = next((r.rule for r in ordered(reasons) if r.rule.startswith("S")), None)
    if first is not None:
        return "connected-to" if first in CONNECTED_RULES else "security-impacting"
    if "U1" in rules:
        return "undetermined"
    return "out-of-scope"
