"""The CloudFormation intrinsic functions themselves, as a registry from name to evaluator.

Each evaluator takes the template ``Context`` (``cfn_intrinsics``), the function's argument, the
place for error messages and the nesting depth, and returns a value or ``Unknown``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from ecsguard.errors import InputError
from ecsguard.model import Unknown

if TYPE_CHECKING:
    from ecsguard.collect.cfn_intrinsics import Context

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class ResourceId(str):
    """A logical id standing in for an id or ARN that exists only after deployment.

    Kept as is it links records; spliced into a longer string (an ARN built with ``Fn::Sub``,
    an image URI cut out of a repository ARN) it would be a made-up value, so that is unknown.
    """

    __slots__ = ()


def _spliced(value: Any) -> Unknown | None:
    if isinstance(value, ResourceId):
        return Unknown(f"built from {value}'s id, known only after deployment")
    if isinstance(value, list):
        for item in value:
            found = _spliced(item)
            if found:
                return found
    return None


def truth(value: Any) -> Any:
    if isinstance(value, Unknown | bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return Unknown(f"condition does not evaluate to a boolean: {value!r}")


def _any_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        for item in value:
            found = _any_unknown(item)
            if found:
                return found
    if isinstance(value, dict):
        for item in value.values():
            found = _any_unknown(item)
            if found:
                return found
    return None


def _args(ctx: Context, value: Any, place: str, depth: int, count: int, name: str) -> list[Any]:
    resolved = ctx.resolve(value, place, depth)
    if isinstance(resolved, Unknown):
        raise _Propagate(resolved)
    if not isinstance(resolved, list) or len(resolved) < count:
        raise InputError(ctx.source, place, f"{name} takes a list of {count} arguments")
    return resolved


class _Propagate(Exception):
    def __init__(self, unknown: Unknown) -> None:
        self.unknown = unknown


def _fn_ref(ctx: Context, value: Any, place: str, depth: int) -> Any:
    return ctx.ref(value, place)


def _fn_get_att(ctx: Context, value: Any, place: str, depth: int) -> Any:
    return ctx.get_att(value, place)


def _fn_join(ctx: Context, value: Any, place: str, depth: int) -> Any:
    delim, items = _args(ctx, value, place, depth, 2, "Fn::Join")
    if isinstance(items, Unknown) or _any_unknown(items):
        return _any_unknown(items)
    if not isinstance(items, list) or not isinstance(delim, str):
        raise InputError(ctx.source, place, "Fn::Join takes [delimiter, [values]]")
    if len(items) > 1 and _spliced(items):
        return _spliced(items)
    return delim.join(_scalar_text(item, ctx, place) for item in items)


def _scalar_text(item: Any, ctx: Context, place: str) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str | int | float):
        return str(item)
    raise InputError(ctx.source, place, f"cannot join a {type(item).__name__}")


def _fn_select(ctx: Context, value: Any, place: str, depth: int) -> Any:
    index, items = _args(ctx, value, place, depth, 2, "Fn::Select")
    unknown = _any_unknown(index) or (items if isinstance(items, Unknown) else None)
    if unknown:
        return unknown
    if not isinstance(items, list):
        raise InputError(ctx.source, place, "Fn::Select takes [index, [values]]")
    try:
        return items[int(index)]
    except (ValueError, IndexError, TypeError):
        raise InputError(ctx.source, place, f"Fn::Select index {index!r} out of range") from None


def _fn_split(ctx: Context, value: Any, place: str, depth: int) -> Any:
    delim, text = _args(ctx, value, place, depth, 2, "Fn::Split")
    if isinstance(text, Unknown) or _spliced(text):
        return _spliced(text) or text
    if not isinstance(text, str) or not isinstance(delim, str) or not delim:
        raise InputError(ctx.source, place, "Fn::Split takes [delimiter, string]")
    return text.split(delim)


def _fn_sub(ctx: Context, value: Any, place: str, depth: int) -> Any:
    variables: dict[str, Any] = {}
    template = value
    if isinstance(value, list):
        if len(value) != 2 or not isinstance(value[1], dict):
            raise InputError(ctx.source, place, "Fn::Sub takes a string or [string, {vars}]")
        template = value[0]
        variables = ctx.resolve(value[1], place, depth)
    if not isinstance(template, str):
        raise InputError(ctx.source, place, "Fn::Sub template must be a string")
    unknowns: list[Unknown] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name in variables:
            found = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            found = ctx.get_att(name.split(".", 1), place)
        else:
            found = ctx.ref(name, place)
        if isinstance(found, Unknown) or _any_unknown(found) or _spliced(found):
            unknowns.append(_any_unknown(found) or _spliced(found) or Unknown(name))
            return ""
        return _scalar_text(found, ctx, place)

    text = _SUB_VAR.sub(substitute, template)
    if unknowns:
        return unknowns[0]
    return text.replace("${!", "${")


def _fn_if(ctx: Context, value: Any, place: str, depth: int) -> Any:
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str):
        raise InputError(ctx.source, place, "Fn::If takes [condition, then, else]")
    truth = ctx.condition(value[0], place)
    if isinstance(truth, Unknown):
        return Unknown(f"condition {value[0]} is not determined by the template")
    return ctx.resolve(value[1] if truth else value[2], place, depth)


def _fn_find_in_map(ctx: Context, value: Any, place: str, depth: int) -> Any:
    keys = _args(ctx, value, place, depth, 3, "Fn::FindInMap")
    unknown = _any_unknown(keys[:3])
    if unknown:
        return unknown
    try:
        return ctx.resolve(ctx.mappings[keys[0]][keys[1]][keys[2]], place, depth)
    except (KeyError, TypeError):
        if len(keys) > 3 and isinstance(keys[3], dict) and "DefaultValue" in keys[3]:
            return keys[3]["DefaultValue"]
        raise InputError(
            ctx.source, place, f"Fn::FindInMap: no {keys[0]}.{keys[1]}.{keys[2]} in Mappings"
        ) from None


def _fn_base64(ctx: Context, value: Any, place: str, depth: int) -> Any:
    text = ctx.resolve(value, place, depth)
    if _spliced(text):
        return _spliced(text)
    if not isinstance(text, str):
        return text if isinstance(text, Unknown) else Unknown("Fn::Base64 of a non-string")
    return base64.b64encode(text.encode()).decode()


def _fn_to_json(ctx: Context, value: Any, place: str, depth: int) -> Any:
    resolved = ctx.resolve(value, place, depth)
    return _any_unknown(resolved) or orjson.dumps(resolved).decode()


def _fn_length(ctx: Context, value: Any, place: str, depth: int) -> Any:
    resolved = ctx.resolve(value, place, depth)
    return len(resolved) if isinstance(resolved, list) else Unknown("Fn::Length")


def _fn_equals(ctx: Context, value: Any, place: str, depth: int) -> Any:
    left, right = _args(ctx, value, place, depth, 2, "Fn::Equals")
    unknown = _any_unknown([left, right])
    if unknown:
        return unknown
    return _text(left) == _text(right)


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


def _fn_logic(kind: str) -> Callable[[Context, Any, str, int], Any]:
    def evaluate(ctx: Context, value: Any, place: str, depth: int) -> Any:
        if not isinstance(value, list) or not value:
            raise InputError(ctx.source, place, f"Fn::{kind} takes a list of conditions")
        truths = [truth(ctx.resolve(item, place, depth)) for item in value]
        if kind == "Not":
            return truths[0] if isinstance(truths[0], Unknown) else not truths[0]
        decided = [t for t in truths if isinstance(t, bool)]
        short = kind == "Or"  # Or is decided by one True, And by one False
        if short in decided:
            return short
        if len(decided) < len(truths):
            return Unknown(f"Fn::{kind} depends on an undetermined condition")
        return not short

    return evaluate


def _fn_condition(ctx: Context, value: Any, place: str, depth: int) -> Any:
    if not isinstance(value, str) or value not in ctx.condition_defs:
        return {"Condition": ctx.resolve(value, place, depth)}  # a property named Condition
    return ctx.condition(value, place)


def _unknown_fn(name: str) -> Callable[[Context, Any, str, int], Any]:
    def evaluate(ctx: Context, value: Any, place: str, depth: int) -> Any:
        return Unknown(f"{name} is resolved only at deployment")

    return evaluate


def _guarded(
    fn: Callable[[Context, Any, str, int], Any],
) -> Callable[[Context, Any, str, int], Any]:
    def run(ctx: Context, value: Any, place: str, depth: int) -> Any:
        try:
            return fn(ctx, value, place, depth)
        except _Propagate as exc:
            return exc.unknown

    return run


FUNCTIONS: dict[str, Callable[[Context, Any, str, int], Any]] = {
    name: _guarded(fn)
    for name, fn in {
        "Ref": _fn_ref,
        "Fn::GetAtt": _fn_get_att,
        "Fn::Join": _fn_join,
        "Fn::Select": _fn_select,
        "Fn::Split": _fn_split,
        "Fn::Sub": _fn_sub,
        "Fn::If": _fn_if,
        "Fn::FindInMap": _fn_find_in_map,
        "Fn::Base64": _fn_base64,
        "Fn::ToJsonString": _fn_to_json,
        "Fn::Length": _fn_length,
        "Fn::Equals": _fn_equals,
        "Fn::And": _fn_logic("And"),
        "Fn::Or": _fn_logic("Or"),
        "Fn::Not": _fn_logic("Not"),
        "Condition": _fn_condition,
        "Fn::ImportValue": _unknown_fn("Fn::ImportValue"),
        "Fn::GetAZs": _unknown_fn("Fn::GetAZs"),
        "Fn::Cidr": _unknown_fn("Fn::Cidr"),
        "Fn::Transform": _unknown_fn("Fn::Transform"),
        "Fn::ForEach": _unknown_fn("Fn::ForEach"),
    }.items()
}
