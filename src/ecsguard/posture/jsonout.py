"""``--format json`` (DESIGN §3.3), encoded straight from the structs for large scans.

The same document as ``ScanResult.to_dict()`` without first building a dict per finding
(10,000 task definitions make ~300,000 findings): msgspec encodes the structs, then indents.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ecsguard.posture.result import Finding, ScanResult


class _Tool(msgspec.Struct):
    name: str
    version: str


class _Document(msgspec.Struct, omit_defaults=True):
    tool: _Tool
    inputs: list[str]
    summary: dict[str, Any]
    results: list[Finding]
    notes: list[str] = []


_ENCODER = msgspec.json.Encoder()
INDENT_LIMIT = 5_000  # findings; larger documents (machine food) are written compact, ~2x faster


def render_json_bytes(result: ScanResult, indent: int | None = None) -> bytes | bytearray:
    doc = _Document(
        tool=_Tool(name="ecsguard", version=result.tool_version),
        inputs=result.inputs,
        summary=result.summary(),
        results=result.results,
        notes=result.notes,
    )
    if indent is None:
        indent = 2 if len(result.results) <= INDENT_LIMIT else 0
    if indent:
        return msgspec.json.format(msgspec.json.encode(doc), indent=indent) + b"\n"
    # compact (large) documents: encode into a buffer that takes the newline without a copy
    buffer = bytearray()
    _ENCODER.encode_into(doc, buffer)
    buffer += b"\n"
    return buffer


def render_json(result: ScanResult, indent: int | None = None) -> str:
    return render_json_bytes(result, indent).decode()
