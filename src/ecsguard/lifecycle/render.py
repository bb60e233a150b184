"""Text rendering of diffs: one line per change, security-relevant ones marked ``!``.

``! securityGroup sg-1 ingress +tcp/22 from 0.0.0.0/0``
``! taskDefinition web:7 containerDefinitions[web].user: "1000" -> "root"``
"""

from __future__ import annotations

from typing import Any

import orjson

from ecsguard.lifecycle import fields
from ecsguard.lifecycle.diff import Change, ResourceKey
from ecsguard.report.text import terminal_safe

MAX_VALUE = 160
_SIGN = {"added": "+", "removed": "-", "modified": "~"}
_RULE_SECTIONS = {"IpPermissions": "ingress", "IpPermissionsEgress": "egress"}


def label(resource: ResourceKey) -> str:
    kind = fields.LABELS.get(resource.type, resource.type)
    shown = resource.id if resource.type == "AWS::EC2::SecurityGroup" else resource.name
    return f"{kind} {shown or resource.id}"


def value_text(value: Any) -> str:
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def line(change: Change) -> str:
    mark = "! " if change.security_relevant else "  "
    head = f"{mark}{label(change.resource)}"
    sign = _SIGN[change.change]
    if not change.path:
        return f"{mark}{sign}{label(change.resource)}" + (
            f" ({change.resource.id})" if change.resource.id != change.resource.name else ""
        )
    section, _, rest = change.path.partition("[")
    if section in _RULE_SECTIONS and rest:
        rule, _, sub = rest.partition("]")
        if not sub:
            return f"{head} {_RULE_SECTIONS[section]} {sign}{rule}"
        return f"{head} {_RULE_SECTIONS[section]} {rule}{sub}: {_values(change)}"
    return f"{head} {change.path}: {_values(change)}"


def _values(change: Change) -> str:
    if change.change == "added":
        return f"+ {value_text(change.new)}"
    if change.change == "removed":
        return f"- {value_text(change.old)}"
    return f"{value_text(change.old)} -> {value_text(change.new)}"


def render_text(old: str, new: str, changes: list[Change]) -> str:
    relevant = sum(1 for c in changes if c.security_relevant)
    lines = [f"diff {old} -> {new}: {len(changes)} changes, {relevant} security-relevant"]
    lines += [line(c) for c in changes]
    return safe_lines(lines)


def safe_lines(lines: list[str]) -> str:
    """Lines for a terminal: no escape sequences or control characters from resource names,
    and a newline inside a name cannot start a fake line."""
    return "".join(terminal_safe(text).replace("\n", " ") + "\n" for text in lines)
