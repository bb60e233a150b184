"""The bundled sample estate: snapshots of a realistic ECS account over four weekly generations,
its card-data flows and a scope override file, plus the code that regenerates them in moto.

``snapshot_path()`` is the latest snapshot; ``snapshot_path(0)`` … ``snapshot_path(3)`` the
history; ``data_path("snapshot-all-revisions.json.gz")`` the latest with every ACTIVE and
INACTIVE task definition revision (``--all-revisions``); ``data_path("dataflows.yaml")`` and
``data_path("scope.yaml")`` the declarations.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson

__all__ = ["GENERATION_COUNT", "data_path", "load_snapshot", "snapshot_path", "snapshot_paths"]

DATA_DIR = Path(__file__).resolve().parent / "data"
GENERATION_COUNT = 4


def data_path(name: str) -> Path:
    """Path of a bundled data file (e.g. ``dataflows.yaml``)."""
    return DATA_DIR / name


def snapshot_path(generation: int | None = None) -> Path:
    """The latest bundled snapshot, or the one taken after ``generation`` (0-based)."""
    if generation is None:
        return data_path("snapshot.json.gz")
    if not 0 <= generation < GENERATION_COUNT:
        raise ValueError(f"sample generation must be 0..{GENERATION_COUNT - 1}, not {generation}")
    return data_path(f"snapshot-gen{generation}.json.gz")


def snapshot_paths() -> list[Path]:
    """Every generation's snapshot, oldest first."""
    return [snapshot_path(n) for n in range(GENERATION_COUNT)]


def load_snapshot(generation: int | None = None) -> dict[str, Any]:
    """A bundled snapshot as the raw document (DESIGN §3.2)."""
    doc: dict[str, Any] = orjson.loads(gzip.decompress(snapshot_path(generation).read_bytes()))
    return doc
