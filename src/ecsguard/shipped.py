"""Shipped YAML data (check metadata, framework mappings), read without parsing YAML.

``compiled.json`` holds the parsed content of every shipped data file, keyed by its path in the
package, with the sha256 of the bytes it was compiled from. A file whose bytes no longer match
(edited, not yet recompiled) is parsed from its YAML, so the compiled form can be stale but
never wrong. ``make compiled`` (``python -m ecsguard.shipped``) rewrites it; a test fails while
it is stale.
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

PACKAGE = Path(__file__).resolve().parent
COMPILED = PACKAGE / "compiled.json"
SOURCES = ("posture/checks/*.yaml", "frameworks/data/*.yaml")


@lru_cache(maxsize=1)
def _compiled_text() -> bytes:
    try:
        return COMPILED.read_bytes()
    except OSError:
        return b"{}"


def yaml_loader() -> Any:
    """libyaml's safe loader when PyYAML has it (same nodes and marks, ten times faster)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data(path: Path) -> Any:
    """The parsed content of the shipped data file ``path`` (a fresh object on every call)."""
    raw = path.read_bytes()
    key = _key(path)
    if key is not None:
        try:
            entry = orjson.loads(_compiled_text()).get(key)
        except orjson.JSONDecodeError:
            entry = None
        if isinstance(entry, dict) and entry.get("sha256") == hashlib.sha256(raw).hexdigest():
            return entry.get("data")
    import yaml

    return yaml.load(raw.decode("utf-8"), Loader=yaml_loader())


def _key(path: Path) -> str | None:
    try:
        return path.resolve().relative_to(PACKAGE).as_posix()
    except ValueError:
        return None


def compile_all() -> dict[str, Any]:
    """Every shipped data file parsed from YAML, as ``compiled.json`` holds it."""
    import yaml

    out: dict[str, Any] = {}
    for pattern in SOURCES:
        for path in sorted(PACKAGE.glob(pattern)):
            raw = path.read_bytes()
            data = yaml.load(raw.decode("utf-8"), Loader=yaml_loader())
            if orjson.loads(orjson.dumps(data)) != data:
                raise ValueError(f"{path}: content does not survive JSON (dates, odd keys?)")
            out[path.relative_to(PACKAGE).as_posix()] = {
                "sha256": hashlib.sha256(raw).hexdigest(),
                "data": data,
            }
    return out


def render() -> bytes:
    """``compiled.json`` as it should be (key order kept: it is the catalogue's order)."""
    return orjson.dumps(compile_all(), option=orjson.OPT_APPEND_NEWLINE)


def main() -> int:
    COMPILED.write_bytes(render())
    print(f"wrote {COMPILED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
