"""``--format json`` (DESIGN §3.3), encoded straight from the structs for large scans.

The same document as ``ScanResult.to_dict()`` without first building a dict per finding
(10,000 task definitions make ~300,000 findings): msgspec encodes the structs, then indents.
``write_json`` streams large documents in chunks: a thread writes one chunk (file writes
release the GIL) while the next is encoded, and the whole document never sits in memory.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

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


CHUNK = 4096  # findings per streamed chunk (~3 MB of JSON)


def _document(result: ScanResult, results: list[Finding]) -> _Document:
    return _Document(
        tool=_Tool(name="ecsguard", version=result.tool_version),
        inputs=result.inputs,
        summary=result.summary(),
        results=results,
        notes=result.notes,
    )


def render_json_bytes(result: ScanResult, indent: int | None = None) -> bytes | bytearray:
    doc = _document(result, result.results)
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


def write_json(result: ScanResult, handle: BinaryIO, indent: int | None = None) -> None:
    """Write the ``--format json`` document to ``handle``: the bytes ``render_json_bytes``
    gives, streamed in chunks when the document is large (compact)."""
    results = result.results
    if indent is None:
        indent = 2 if len(results) <= INDENT_LIMIT else 0
    if indent or len(results) <= CHUNK:
        handle.write(render_json_bytes(result, indent))
        return
    # The frame is the document with no results, cut where they go. Inputs are the only text
    # before them and JSON escapes their quotes, so the first `"results":[]` is the slot.
    frame = msgspec.json.encode(_document(result, []))
    head, sep, tail = frame.partition(b'"results":[]')
    if not sep:  # cannot happen with this struct; never write a wrong document
        handle.write(render_json_bytes(result, indent))
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecsguard-json") as writer:
        pending: Future[Any] = writer.submit(handle.write, head + b'"results":[')
        for start in range(0, len(results), CHUNK):
            buffer = bytearray()
            _ENCODER.encode_into(results[start : start + CHUNK], buffer)  # "[f,f,...]"
            if start:
                buffer[0] = 0x2C  # "[" becomes the "," after the previous chunk
            chunk = memoryview(buffer)[0 if start else 1 : -1]  # without the "]"
            pending.result()  # at most one chunk waits: memory stays bounded
            pending = writer.submit(handle.write, chunk)
        pending.result()
        handle.write(b"]" + tail + b"\n")
