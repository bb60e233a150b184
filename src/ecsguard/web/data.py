"""What the dashboard shows, as plain documents: scan results (DESIGN §3.3), scope (§3.4),
alerts (§3.5), run history and resource configuration.

``DashboardData`` is built either from the store (``from_store``) or from a results folder such
as ``ecsguard-demo/`` (``from_directory``); pages and the API only read it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ecsguard.errors import InputError

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


@dataclass
class FindingFilter:
    severity: str = ""
    status: str = ""
    check: str = ""
    framework: str = ""
    requirement: str = ""
    resource: str = ""
    cde_only: bool = False
    q: str = ""

    def matches(self, f: dict[str, Any]) -> bool:
        if self.severity and f.get("severity") != self.severity:
            return False
        if self.status and f.get("status") != self.status:
            return False
        if self.check and f.get("check_id") != self.check:
            return False
        if self.framework:
            reqs = (f.get("frameworks") or {}).get(self.framework)
            if not reqs or (self.requirement and self.requirement not in reqs):
                return False
        elif self.requirement and not any(
            self.requirement in reqs for reqs in (f.get("frameworks") or {}).values()
        ):
            return False
        res = f.get("resource") or {}
        if self.resource and self.resource not in (res.get("id", ""), res.get("name", "")):
            return False
        if self.cde_only and f.get("scope") != "cde":
            return False
        if self.q:
            hay = " ".join(
                str(x)
                for x in (
                    f.get("title"),
                    f.get("check_id"),
                    res.get("id"),
                    res.get("name"),
                    f.get("detail"),
                )
            ).lower()
            return all(word in hay for word in self.q.lower().split())
        return True


@dataclass
class DashboardData:
    scan: dict[str, Any] = field(default_factory=dict)
    scope: dict[str, Any] | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    evidence_packs: dict[str, str] = field(default_factory=dict)  # framework id -> HTML
    # Loads a resource's change history on demand (the store computes it per resource).
    history_loader: Callable[[str], list[dict[str, Any]]] | None = None

    def history(self, resource_id: str) -> list[dict[str, Any]]:
        if resource_id in self.histories:
            return self.histories[resource_id]
        if self.history_loader is None:
            return []
        rows = self.history_loader(resource_id)
        self.histories[resource_id] = rows
        return rows

    # -- findings ---------------------------------------------------------------
    @property
    def findings(self) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = self.scan.get("results", [])
        return results

    def filter_findings(self, flt: FindingFilter) -> list[dict[str, Any]]:
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        status_rank = {"fail": 0, "error": 1, "pass": 2}
        found = [f for f in self.findings if flt.matches(f)]
        found.sort(
            key=lambda f: (
                status_rank.get(f.get("status", ""), 3),
                rank.get(f.get("severity", ""), 9),
                f.get("check_id", ""),
            )
        )
        return found

    def finding(self, finding_id: str) -> dict[str, Any] | None:
        return next((f for f in self.findings if f.get("id") == finding_id), None)

    def facets(self) -> dict[str, list[str]]:
        checks = sorted({f.get("check_id", "") for f in self.findings})
        frameworks = sorted({fw for f in self.findings for fw in (f.get("frameworks") or {})})
        return {"checks": checks, "frameworks": frameworks, "severities": SEVERITY_ORDER}

    # -- scope ------------------------------------------------------------------
    def component(self, component_id: str) -> dict[str, Any] | None:
        if not self.scope:
            return None
        return next(
            (c for c in self.scope.get("components", []) if c.get("id") == component_id), None
        )

    def scope_counts(self) -> dict[str, int]:
        if not self.scope:
            return {}
        return dict(
            Counter(c.get("category", "undetermined") for c in self.scope.get("components", []))
        )

    # -- alerts -----------------------------------------------------------------
    def filter_alerts(
        self, severity: str = "", rule: str = "", cluster: str = "", q: str = ""
    ) -> list[dict[str, Any]]:
        out = []
        for alert in self.alerts:
            if severity and alert.get("severity") != severity:
                continue
            if rule and alert.get("rule_id") != rule:
                continue
            if cluster and (alert.get("resource") or {}).get("cluster") != cluster:
                continue
            if q and q.lower() not in orjson.dumps(alert).decode().lower():
                continue
            out.append(alert)
        out.sort(key=lambda a: str(a.get("time", "")), reverse=True)
        return out

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        return next((a for a in self.alerts if a.get("id") == alert_id), None)

    # -- summary ----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        fails = [f for f in self.findings if f.get("status") == "fail"]
        by_sev = Counter(f.get("severity") for f in fails)
        frameworks: dict[str, dict[str, int]] = {}
        for f in self.findings:
            for fw in f.get("frameworks") or {}:
                bucket = frameworks.setdefault(fw, {"pass": 0, "fail": 0, "error": 0})
                bucket[f.get("status", "error")] = bucket.get(f.get("status", "error"), 0) + 1
        return {
            "findings": {
                "fail": len(fails),
                "pass": sum(1 for f in self.findings if f.get("status") == "pass"),
                "error": sum(1 for f in self.findings if f.get("status") == "error"),
                "by_severity": {s: by_sev.get(s, 0) for s in SEVERITY_ORDER},
            },
            "frameworks": frameworks,
            "alerts": {
                "total": len(self.alerts),
                "by_severity": dict(Counter(a.get("severity") for a in self.alerts)),
            },
            "scope": self.scope_counts(),
            "scope_events": (self.scope or {}).get("events", [])[:20],
            "runs": self.runs[-30:],
        }

    # -- constructors -----------------------------------------------------------
    @classmethod
    def from_directory(cls, folder: str | Path) -> DashboardData:
        """Read ``findings.json``, ``scope.json``, ``alerts.jsonl`` and friends from a folder."""
        base = Path(folder)
        if not base.is_dir():
            raise InputError(str(folder), None, "not a directory of ecsguard results")
        data = cls()
        scan_path = base / "findings.json"
        if scan_path.exists():
            data.scan = _read_json(scan_path)
        scope_path = base / "scope.json"
        if scope_path.exists():
            data.scope = _read_json(scope_path)
        alerts_path = base / "alerts.jsonl"
        if alerts_path.exists():
            data.alerts = list(_read_jsonl(alerts_path))
        runs_path = base / "runs.json"
        if runs_path.exists():
            data.runs = _read_json(runs_path)  # type: ignore[assignment]
        resources_path = base / "resources.json"
        if resources_path.exists():
            doc = _read_json(resources_path)
            data.configurations = doc.get("configurations", {})
            data.histories = doc.get("histories", {})
        for pack in base.glob("evidence-*.html"):
            data.evidence_packs[pack.stem.removeprefix("evidence-")] = pack.read_text()
        return data


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(str(path), f"line {exc.lineno} column {exc.colno}", exc.msg) from None
    if not isinstance(doc, dict | list):
        raise InputError(str(path), None, "expected a JSON object")
    return doc  # type: ignore[return-value]


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InputError(str(path), f"line {number}", "invalid JSON") from None
            if isinstance(doc, dict):
                yield doc


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]")


def strip_control(text: str) -> str:
    """Remove terminal escape sequences and control characters from a string."""
    return _ANSI.sub("", text)
