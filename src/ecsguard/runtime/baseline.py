"""Learned per-workload baselines: what each workload normally runs, spawns, listens on and reaches.

Workload key = ``cluster/family/container``. ``learn=True`` records; otherwise an item never seen
for a learned workload becomes a ``Behavior:Runtime/*`` alert with a rarity score in [0, 1]
(higher when the category was learned from more observations). Stored as JSON
(``{"ecsguard_baseline": 1, "workloads": {...}}``).
"""

from __future__ import annotations

import math
import posixpath
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ecsguard.errors import InputError
from ecsguard.runtime.alerts import Detection

__all__ = ["CATEGORIES", "Baseline", "BaselineDetector", "workload_key"]

_E: dict[str, Any] = {}
CATEGORIES = (
    "executables",
    "parent_child",
    "listen_ports",
    "outbound",
    "domains",
    "write_prefixes",
)
_ALERTS = {
    "executables": (
        "Behavior:Runtime/NewExecutable",
        "medium",
        "Executable not seen while learning",
        ["T1059"],
    ),
    "parent_child": (
        "Behavior:Runtime/NewProcessLineage",
        "low",
        "Parent/child pair not seen while learning",
        ["T1059"],
    ),
    "listen_ports": (
        "Behavior:Runtime/NewListener",
        "medium",
        "Listening port not seen while learning",
        ["T1571"],
    ),
    "outbound": (
        "Behavior:Runtime/NewOutboundDestination",
        "low",
        "Outbound destination not seen while learning",
        ["T1071"],
    ),
    "domains": (
        "Behavior:Runtime/NewDomain",
        "low",
        "DNS name not seen while learning",
        ["T1071.004"],
    ),
}
_MAX_ITEMS = 5000
_MAX_RESOLVED = 50_000


def workload_key(e: dict[str, Any]) -> str | None:
    ecs = (e.get("unmapped") or _E).get("ecs") or _E
    container = e.get("container") or _E
    name = ecs.get("container_name") or container.get("name")
    family = ecs.get("family") or (container.get("image") or _E).get("name")
    if not name and not family:
        return None
    return f"{ecs.get('cluster') or '-'}/{family or '-'}/{name or '-'}"


@dataclass(slots=True)
class Baseline:
    """Per-workload profiles; ``loader`` (e.g. the store's ``load_baseline``) fills misses lazily."""

    workloads: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    loader: Callable[[str], dict[str, Any] | None] | None = None
    _tried: set[str] = field(default_factory=set)

    def record(self, workload: str, category: str, item: str) -> None:
        table = self.workloads.setdefault(workload, {}).setdefault(category, {})
        if item in table:
            table[item] += 1
        elif len(table) < _MAX_ITEMS:
            table[item] = 1

    def known(self, workload: str, category: str, item: str) -> bool | None:
        """True/False for a learned workload; None when the workload was never learned."""
        profile = self.workloads.get(workload)
        if profile is None and self.loader is not None and workload not in self._tried:
            self._tried.add(workload)
            doc = self.loader(workload)
            if isinstance(doc, dict):
                profile = self.workloads[workload] = _profile(doc)
        if profile is None:
            return None
        return item in profile.get(category, _E)

    def rarity(self, workload: str, category: str) -> float:
        total = sum((self.workloads.get(workload) or _E).get(category, _E).values())
        return round(1.0 - 1.0 / (1.0 + math.log1p(total)), 3)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"ecsguard_baseline": 1, "workloads": self.workloads}, option=orjson.OPT_SORT_KEYS
        )

    def save(self, path: Path) -> None:
        path.write_bytes(self.to_json())

    @classmethod
    def load(cls, path: Path) -> Baseline:
        if not path.exists():
            return cls()
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise InputError(str(path), None, f"not a baseline JSON file: {exc}") from exc
        if not isinstance(data, dict) or data.get("ecsguard_baseline") != 1:
            raise InputError(
                str(path), None, "not an ecsguard baseline (missing ecsguard_baseline: 1)"
            )
        workloads = data.get("workloads") or {}
        return cls({str(k): _profile(v) for k, v in workloads.items() if isinstance(v, dict)})

    def save_to_store(self, store: Any) -> int:
        """Write each workload's profile with ``store.save_baseline``; returns how many."""
        for workload, profile in self.workloads.items():
            store.save_baseline(workload, profile)
        return len(self.workloads)


def _profile(doc: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        str(c): {str(i): int(n) for i, n in items.items()}
        for c, items in doc.items()
        if isinstance(items, dict)
    }


def _observations(e: dict[str, Any], cls: int, resolved: dict[str, str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if cls == 1007:
        proc = e.get("process") or _E
        exe = (proc.get("file") or _E).get("path") or proc.get("name")
        parent = ((e.get("actor") or _E).get("process") or _E).get("name")
        if exe:
            out.append(("executables", str(exe)))
        if parent and proc.get("name"):
            out.append(("parent_child", f"{parent}>{proc.get('name')}"))
    elif cls == 4001:
        dst = e.get("dst_endpoint") or _E
        src = e.get("src_endpoint") or _E
        if e.get("activity_id") == 7:
            port = dst.get("port") if dst.get("port") is not None else src.get("port")
            out.append(("listen_ports", str(port)))
        elif (e.get("connection_info") or _E).get("direction_id") != 1 and dst.get("ip"):
            host = dst.get("hostname") or resolved.get(str(dst.get("ip")))
            out.append(("outbound", f"{host or dst.get('ip')}:{dst.get('port')}"))
    elif cls == 4003:
        query = (e.get("query") or _E).get("hostname")
        if isinstance(query, str):
            out.append(("domains", query.lower().rstrip(".")))
    elif cls == 1001 and e.get("activity_id") in (1, 3):
        path = (e.get("file") or _E).get("path")
        if isinstance(path, str):
            out.append(("write_prefixes", "/".join(posixpath.dirname(path).split("/")[:4]) or "/"))
    return out


class BaselineDetector:
    """Feeds or checks a ``Baseline``; also remembers DNS answers so IPs map back to names."""

    reads: tuple[tuple[str, ...], ...] = (
        ("unmapped", "ecs", "cluster"),
        ("unmapped", "ecs", "family"),
        ("unmapped", "ecs", "container_name"),
        ("container", "name"),
        ("container", "image", "name"),
        ("process", "file", "path"),
        ("process", "name"),
        ("actor", "process", "name"),
        ("activity_id",),
        ("dst_endpoint", "ip"),
        ("dst_endpoint", "port"),
        ("dst_endpoint", "hostname"),
        ("src_endpoint", "port"),
        ("connection_info", "direction_id"),
        ("query", "hostname"),
        ("answers",),
        ("file", "path"),
    )

    def __init__(self, baseline: Baseline, learn: bool = False) -> None:
        self.baseline = baseline
        self.learn = learn
        self.resolved: OrderedDict[str, str] = OrderedDict()  # FIFO, O(1) eviction

    def _remember_answers(self, e: dict[str, Any]) -> None:
        query = (e.get("query") or _E).get("hostname")
        for ans in e.get("answers") or ():
            rdata = ans.get("rdata") if isinstance(ans, dict) else None
            if isinstance(rdata, str) and isinstance(query, str):
                self.resolved[rdata] = query.lower().rstrip(".")
        if len(self.resolved) > _MAX_RESOLVED:
            self.resolved.popitem(last=False)

    def check(self, e: dict[str, Any], cls: int) -> list[Detection]:
        if cls == 4003:
            self._remember_answers(e)
        workload = workload_key(e)
        if workload is None:
            return []
        observed = _observations(e, cls, self.resolved)
        if self.learn:
            for category, item in observed:
                self.baseline.record(workload, category, item)
            return []
        out: list[Detection] = []
        for category, item in observed:
            if (
                category not in _ALERTS
                or self.baseline.known(workload, category, item) is not False
            ):
                continue
            ftype, severity, title, mitre = _ALERTS[category]
            score = self.baseline.rarity(workload, category)
            out.append(
                Detection(
                    f"baseline.{category}",
                    ftype,
                    severity,
                    title,
                    f"{workload}: {item} was never seen while learning this workload (rarity {score})",
                    mitre,
                    "baseline",
                    {"workload": workload, "item": item, "rarity": score},
                )
            )
        return out
