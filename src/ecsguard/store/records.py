"""What the store hands back: plain msgspec structs, JSON-ready with ``msgspec.to_builtins``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_epoch(value: float | int | str | datetime | None) -> float | None:
    """Epoch seconds from a number, an ISO-8601 string (``Z`` allowed) or a datetime."""
    if value is None or isinstance(value, float | int):
        return None if value is None else float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class RunInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded run: a collection, a scan or a scope computation."""

    id: int
    started_at: float
    source: str
    kind: str
    collected_at: str = ""
    account_id: str = ""
    tool_version: str = ""
    inputs: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    resource_count: int = 0
    error_count: int = 0

    @property
    def time(self) -> str:
        """When the run's data was true: the snapshot's collection time, else the run's start."""
        return self.collected_at or iso(self.started_at)


class ResourceVersion(msgspec.Struct, frozen=True, kw_only=True):
    """A resource as one run saw it (``hash`` names the redacted body)."""

    run_id: int
    attr: str  # Inventory attribute: task_definitions, security_groups, ...
    id: str
    hash: str
    region: str = ""


class StoredScope(msgspec.Struct, frozen=True, kw_only=True):
    run_id: int
    created_at: float
    doc: dict[str, Any]


class PruneResult(msgspec.Struct, frozen=True, kw_only=True):
    runs: int = 0
    blobs: int = 0
    alerts: int = 0
