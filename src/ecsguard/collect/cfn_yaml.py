"""Parses CloudFormation template text (YAML with short-form intrinsics, or JSON) into plain
data plus the line of each resource, refusing alias bombs, deep nesting and oversized input.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ecsguard.errors import InputError

MAX_YAML_BYTES = 8 * 1024 * 1024  # CloudFormation itself accepts at most 1 MB of template body
MAX_JSON_BYTES = 16 * 1024 * 1024  # 16x what CloudFormation (and so CDK output) accepts
MAX_DEPTH = 100
MAX_NODES = 2_000_000  # after alias expansion: a "billion laughs" document stops here

# Short-form tags: !Ref and !Condition keep their name, the others become Fn::<Name>.
_BARE = {"Ref", "Condition"}
_FN = (  # noqa: SIM905
    "And Base64 Cidr Contains EachMemberEquals EachMemberIn Equals FindInMap ForEach GetAtt "
    "GetAZs If ImportValue Join Length Not Or RefAll Select Split Sub ToJsonString Transform "
    "ValueOf ValueOfAll"
).split()


class _Loader(yaml.SafeLoader):
    """SafeLoader with depth tracking, the CloudFormation tags, and no timestamp typing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _TooDeep(mark)
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


# CloudFormation reads dates such as 2010-09-09 as strings; keep them strings.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _intrinsic(name: str) -> Any:
    key = name if name in _BARE else f"Fn::{name}"

    def construct(loader: _Loader, node: Node) -> dict[str, Any]:
        if isinstance(node, ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    return construct


for _name in (*_BARE, *_FN):
    _Loader.add_constructor(f"!{_name}", _intrinsic(_name))


def _place(mark: Any) -> str | None:
    if mark is None:
        return None
    return f"line {mark.line + 1} column {mark.column + 1}"


def parse_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML; return the document and the 1-based line of each ``Resources`` key."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(
            source, None, f"YAML input larger than {MAX_YAML_BYTES // 2**20} MiB; not a template"
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise InputError(source, None, "empty YAML document")
        _check_expansion(node, source)
        doc = loader.construct_document(node)
    except _TooDeep as exc:
        raise InputError(
            source, _place(exc.mark), f"nesting deeper than {MAX_DEPTH} levels"
        ) from None
    except yaml.constructor.ConstructorError as exc:
        raise InputError(source, _place(exc.problem_mark), _yaml_message(exc)) from None
    except yaml.MarkedYAMLError as exc:
        raise InputError(
            source, _place(exc.problem_mark), f"invalid YAML: {exc.problem or exc.context}"
        ) from None
    except yaml.reader.ReaderError as exc:
        where = _offset_place(text, exc.position)
        raise InputError(
            source, where, f"invalid YAML: character {exc.character:#x} not allowed"
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise InputError(source, None, f"invalid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    return doc, _yaml_resource_lines(node)


def _offset_place(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line} column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _yaml_message(exc: yaml.constructor.ConstructorError) -> str:
    problem = exc.problem or "cannot construct value"
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit("tag", 1)[-1].strip(" '")
        return f"unknown YAML tag {tag} (not a CloudFormation intrinsic function)"
    return f"invalid YAML: {problem}"


def _check_expansion(root: Node, source: str) -> None:
    """Refuse documents whose aliases expand to more than MAX_NODES nodes."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children = _children(node)
        if not done:
            sizes[key] = -1  # in progress: an alias to it from below is recursive
            stack.append((node, True))
            for child in children:
                if sizes.get(id(child)) == -1:
                    raise InputError(source, _place(child.start_mark), "recursive YAML alias")
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        total = 1 + sum(max(sizes.get(id(child), 0), 1) for child in children)
        sizes[key] = total
        if total > MAX_NODES:
            raise InputError(
                source,
                _place(node.start_mark),
                f"YAML aliases expand to more than {MAX_NODES:,} values (alias bomb?)",
            )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _yaml_resource_lines(root: Node) -> dict[str, int]:
    if not isinstance(root, MappingNode):
        return {}
    for key, value in root.value:
        if (
            isinstance(key, ScalarNode)
            and key.value == "Resources"
            and isinstance(value, MappingNode)
        ):
            return {
                str(k.value): k.start_mark.line + 1
                for k, _ in value.value
                if isinstance(k, ScalarNode)
            }
    return {}


def parse_json(text: str, source: str) -> tuple[Any, dict[str, int]]:
    if len(text) > MAX_JSON_BYTES:
        raise InputError(
            source,
            None,
            f"template larger than {MAX_JSON_BYTES // 2**20} MiB (CloudFormation accepts 1 MB)",
        )
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            source, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    return doc, json_resource_lines(text)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[{}\[\]]')


def json_resource_lines(text: str) -> dict[str, int]:
    """Lines of the keys directly under the top-level ``Resources`` object of a JSON text."""
    depth = 0
    in_resources = False
    offsets: dict[str, int] = {}
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
            if in_resources and depth < 2:
                break
        elif token.endswith(":"):
            key = token[: token.rindex('"') + 1]
            if depth == 1 and key == '"Resources"':
                in_resources = True
            elif in_resources and depth == 2:
                offsets[_json_key(key)] = match.start()
    return _offsets_to_lines(text, offsets)


def _json_key(token: str) -> str:
    try:
        return str(orjson.loads(token))
    except orjson.JSONDecodeError:
        return token.strip('"')


def _offsets_to_lines(text: str, offsets: dict[str, int]) -> dict[str, int]:
    lines: dict[str, int] = {}
    line, pos = 1, 0
    for key, offset in sorted(offsets.items(), key=lambda kv: kv[1]):
        line += text.count("\n", pos, offset)
        pos = offset
        lines[key] = line
    return lines
