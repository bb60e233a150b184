"""YAML loading that remembers where each value was written, so errors can name a line.

Framework files and user attestation files are both hand-written; an error that says
``attestations.yaml:14: expires is before date`` is worth the few lines this costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecsguard.errors import InputError
from ecsguard.shipped import yaml_loader

if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]


def load_with_lines(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML safely; return the data and a map from key path to 1-based line number."""
    import yaml

    loader = yaml_loader()
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark is not None else None
        raise InputError(source, place, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if node is None:
        return None, {}
    lines: dict[Path, int] = {}
    _record(node, (), lines)
    data = yaml.load(text, Loader=loader)  # a safe loader (libyaml when built with it)
    return data, lines


def _record(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    import yaml

    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _record(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), lines)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """Line of the nearest recorded ancestor of ``path`` (the value itself when recorded)."""
    for end in range(len(path), -1, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
