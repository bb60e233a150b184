"""Runtime detection: Falco-compatible rules, threat intel and baselines over OCSF events.

Public API (used by ``ecsguard monitor``, ``ecsguard agent --detect`` and the demo)::

    from ecsguard.runtime import load_engine
    engine = load_engine(rules_dirs=None, intel_dir=None, baseline=None, scope=None)
    for event in events:                 # dicts shaped as DESIGN §3.5 (OCSF 1007/1001/4001/4003)
        for alert in engine.process(event):
            print(alert.to_dict())       # DESIGN §3.5 alert shape (+ count, first/last seen)
    for alert in engine.flush():         # alerts still held by aggregation at end of stream
        ...

``rules_dirs``: extra rules files/directories loaded after the shipped rules (Falco files load;
rules using fields we do not provide are skipped, see ``engine.program.warnings``);
``include_default=False`` drops the shipped rules. ``intel_dir``: threat-intel directory.
``baseline``: a ``Baseline`` or a JSON path; ``learn=True`` records instead of alerting.
``scope``: a ``scope.json`` path (``ecsguard scope --format json``) to raise CDE severities.
Load problems (file:line:col) are in ``engine.problems``; nothing here raises on bad rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ecsguard.runtime.alerts import Alert, Detection
from ecsguard.runtime.engine import Detector, Engine
from ecsguard.runtime.program import compile_ruleset
from ecsguard.runtime.rules import DEFAULT_RULES_DIR, RuleSet, load_rules
from ecsguard.runtime.state import RuntimeState

# Collector settings for long-running monitors: events are short-lived acyclic dicts freed by
# reference counting, so frequent generation-0 collections only cost time.
MONITOR_GC_THRESHOLD = (50_000, 20, 20)

__all__ = [
    "DEFAULT_RULES_DIR",
    "MONITOR_GC_THRESHOLD",
    "Alert",
    "Detection",
    "Detector",
    "Engine",
    "load_engine",
    "load_ruleset",
]


def load_ruleset(
    rules_dirs: list[str | Path] | None = None, include_default: bool = True
) -> RuleSet:
    """Shipped rules (unless excluded) followed by the given files/directories."""
    paths = [DEFAULT_RULES_DIR] if include_default else []
    paths.extend(Path(p) for p in (rules_dirs or []))
    return load_rules(paths)


def load_engine(
    rules_dirs: list[str | Path] | None = None,
    intel_dir: str | Path | None = None,
    baseline: Any = None,
    scope: str | Path | None = None,
    *,
    learn: bool = False,
    include_default: bool = True,
    window_ms: int = 60_000,
    yara_dir: str | Path | None = None,
) -> Engine:
    """Build a ready engine; see the module docstring."""
    from ecsguard.runtime.baseline import Baseline, BaselineDetector
    from ecsguard.runtime.intel import load_intel
    from ecsguard.runtime.intel_match import IntelDetector
    from ecsguard.runtime.scope import load_scope

    rs = load_ruleset(rules_dirs, include_default)
    state = RuntimeState()
    program = compile_ruleset(rs, state)
    detectors: list[Detector] = []
    intel = load_intel(
        Path(intel_dir) if intel_dir else None, yara_dir=Path(yara_dir) if yara_dir else None
    )
    detectors.append(IntelDetector(intel))
    if baseline is not None or learn:
        base = (
            baseline
            if isinstance(baseline, Baseline)
            else Baseline.load(Path(baseline))
            if baseline
            else Baseline()
        )
        detectors.append(BaselineDetector(base, learn=learn))
    scope_obj = load_scope(Path(scope)) if scope else None
    return Engine(
        program, state, detectors, scope_obj, window_ms, problems=[*rs.problems, *intel.problems]
    )
