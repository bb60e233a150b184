"""Reads inputs of any supported kind, detected by content, into one Inventory.

Kinds: ecsguard snapshot, single task definition JSON, CloudFormation template (JSON/YAML),
Terraform plan JSON (``terraform show -json``). Gzip is undone transparently. Directories are
expanded to the files in them with a known extension.
"""

from __future__ import annotations

import gzip
import importlib
import io
import os
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from ecsguard.collect.snapshot import is_snapshot, load_snapshot
from ecsguard.collect.taskdef import is_task_definition, load_task_definition
from ecsguard.errors import InputError
from ecsguard.model import Inventory, InventoryBuilder

MAX_INPUT_BYTES = int(os.environ.get("ECSGUARD_MAX_INPUT_MB", "1024")) * 1024 * 1024
EXTENSIONS = (".json", ".yaml", ".yml", ".template", ".gz", ".tfplan.json", ".tfstate")
MAX_DEPTH = 200  # API shapes nest fewer than 20 levels; deeper input is hostile or broken


def load_inputs(paths: Iterable[str], parameters: dict[str, str] | None = None) -> Inventory:
    """Load and merge every input; raise InputError naming the file and place on bad input.

    ``parameters`` override CloudFormation parameter defaults (``--parameter Key=Value``).
    """
    builder = InventoryBuilder()
    for path in _expand(paths):
        load_one(path, builder, parameters)
    return builder.build()


def load_one(path: str, builder: InventoryBuilder, parameters: dict[str, str] | None = None) -> str:
    """Load one file into ``builder``; return the detected kind."""
    text = read_text(path)
    return load_text(text, path, builder, parameters)


def load_text(
    text: str, source: str, builder: InventoryBuilder, parameters: dict[str, str] | None = None
) -> str:
    stripped = text.lstrip()
    if not stripped:
        raise InputError(source, None, "empty input")
    doc: Any = None
    if stripped[0] in "{[":
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InputError(
                source, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
            ) from None
    if doc is not None:
        terraform = _optional("ecsguard.collect.terraform")
        if (
            terraform is not None
            and not is_snapshot(doc)
            and not is_task_definition(doc)
            and terraform.is_plan(doc)
        ):
            # the plan loader bounds the depth of every value it reads (and reads no other)
            terraform.load(doc, source, builder)
            return "terraform"
        _check_depth(doc, source)
        if is_snapshot(doc):
            load_snapshot(doc, source, builder, plain=True)
            return "snapshot"
        if is_task_definition(doc):
            load_task_definition(doc, source, builder)
            return "taskdef"
    cloudformation = _optional("ecsguard.collect.cloudformation")
    if cloudformation is not None and (doc is None or cloudformation.is_template(doc)):
        cloudformation.load(text, source, builder, parameters=parameters)
        return "cloudformation"
    raise InputError(
        source,
        None,
        "not a recognised input (expected an ecsguard snapshot, a task definition, "
        "a CloudFormation template or a Terraform plan JSON)",
    )


def _check_depth(doc: Any, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH (iteratively: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        if depth > MAX_DEPTH:
            raise InputError(source, _deep_path(doc), f"nesting deeper than {MAX_DEPTH} levels")
        items = value.values() if type(value) is dict else value
        for item in items:
            if type(item) is dict or type(item) is list:
                push((item, depth + 1))


def _deep_path(doc: Any) -> str | None:
    """The path of the first too-deep value (only computed once the input is refused)."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            return (path if len(path) <= 120 else path[:120] + "…") or None
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            if isinstance(item, dict | list):
                sub = (
                    f"{path}[{key}]"
                    if isinstance(value, list)
                    else (f"{path}.{key}" if path else str(key))
                )
                stack.append((item, depth + 1, sub))
    return None


def parse_parameters(values: Iterable[str]) -> dict[str, str]:
    """``Key=Value`` strings (``--parameter``) as a dict."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError("--parameter", item, "expected Key=Value")
        out[key] = value
    return out


def read_text(path: str) -> str:
    """Read a file (or ``-`` for stdin) as UTF-8 text, undoing gzip, within the size cap."""
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = _gunzip(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(path, None, f"corrupt gzip data: {exc}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(
            path,
            None,
            f"larger than the {MAX_INPUT_BYTES // 2**20} MiB input limit (ECSGUARD_MAX_INPUT_MB)",
        )
    if b"\x00" in raw[:65536]:
        raise InputError(
            path, _offset_place(raw, raw.index(b"\x00")), "binary data (NUL byte), not a text input"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, _offset_place(raw, exc.start), "invalid UTF-8") from None


def _gunzip(raw: bytes) -> bytes:
    out = bytearray()
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
        while chunk := gz.read(1 << 20):
            out += chunk
            if len(out) > MAX_INPUT_BYTES:
                break
    return bytes(out)


def _offset_place(raw: bytes, offset: int) -> str:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} column {col}"


def _expand(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if path != "-" and p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.name.endswith(EXTENSIONS)
            )
            if not found:
                raise InputError(path, None, "directory holds no .json/.yaml/.yml/.template inputs")
            out += found
        else:
            out.append(path)
    return out


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
