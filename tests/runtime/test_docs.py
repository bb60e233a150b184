"""docs/runtime.md's coverage table names exactly the shipped rules, under their finding types."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ecsguard.runtime import load_ruleset

DOC = Path(__file__).resolve().parents[2] / "docs" / "runtime.md"


def test_coverage_table_matches_shipped_rules() -> None:
    documented: dict[str, set[str]] = defaultdict(set)
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `([^`]+)` \| ([^|]*) \|", line)
        if match:
            documented[match.group(1)] |= set(re.findall(r"`([a-z0-9_.]+)`", match.group(2)))
    shipped: dict[str, set[str]] = defaultdict(set)
    for rule in load_ruleset().rules:
        shipped[rule.finding_type].add(rule.id)
    for finding_type, ids in shipped.items():
        assert documented.get(finding_type) == ids, finding_type
    assert len([t for t in documented if ":Runtime/" in t]) == 42
