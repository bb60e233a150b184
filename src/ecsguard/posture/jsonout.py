"""``--format json`` (DESIGN §3.3), encoded straight from the structs for large scans.

Byte-for-byte the same document as ``ScanResult.to_dict()`` pretty-printed, without first
building a dict per finding (10,000 task definitions make ~300,000 findings).
"""

from __future__ import annotations

import msgspec
import orjson

from ecsguard.posture.result import ScanResult

_ENCODER = msgspec.json.Encoder()


def render_json(result: ScanResult) -> str:
    head = {
        "tool": {"name": "ecsguard", "version": result.tool_version},
        "inputs": result.inputs,
        "summary": result.summary(),
    }
    body = _ENCODER.encode(result.results)
    doc = orjson.loads(body)
    out = {**head, "results": doc}
    if result.notes:
        out["notes"] = result.notes
    return orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n"
