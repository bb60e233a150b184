"""Learned baselines: learn a workload, then deviations alert with a rarity score; JSON round trip."""

from __future__ import annotations

from pathlib import Path

from ecsguard.runtime import load_engine
from ecsguard.runtime.baseline import Baseline, BaselineDetector
from ecsguard.runtime.examples import build_event


def _normal(n: int) -> list[dict[str, object]]:
    return [
        build_event(
            {
                "class_uid": 1007,
                "process": {"name": "java", "file": {"path": "/usr/bin/java"}},
                "actor": {"process": {"name": "tini"}},
            },
            n,
        ),
        build_event(
            {
                "class_uid": 4003,
                "actor": {"process": {"name": "java"}},
                "query": {"hostname": "payments-db.internal"},
                "answers": [{"rdata": "10.0.0.5"}],
            },
            n + 1,
        ),
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "dst_endpoint": {"ip": "10.0.0.5", "port": 5432},
                "connection_info": {"direction_id": 2},
            },
            n + 2,
        ),
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "activity_id": 7,
                "dst_endpoint": {"ip": "0.0.0.0", "port": 8443},
            },
            n + 3,
        ),
    ]


def test_learn_save_load_and_detect(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    learner = load_engine(learn=True, window_ms=0)
    for i in range(3):
        for ev in _normal(i * 10):
            assert learner.process(ev) == []
    detector = next(d for d in learner.detectors if isinstance(d, BaselineDetector))
    detector.baseline.save(path)
    loaded = Baseline.load(path)
    key = "payments/payment-api/payment-api"
    assert loaded.workloads[key]["outbound"] == {"payments-db.internal:5432": 3}

    engine = load_engine(baseline=path, window_ms=0)
    quiet = [a for ev in _normal(100) for a in engine.process(ev)]
    assert quiet == []
    odd = [
        build_event(
            {
                "class_uid": 1007,
                "process": {"name": "python3", "file": {"path": "/usr/bin/python3"}},
                "actor": {"process": {"name": "java"}},
            },
            200,
        ),
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "dst_endpoint": {"ip": "203.0.113.5", "port": 8080},
                "connection_info": {"direction_id": 2},
            },
            201,
        ),
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "activity_id": 7,
                "dst_endpoint": {"ip": "0.0.0.0", "port": 4444},
            },
            202,
        ),
    ]
    alerts = [a for ev in odd for a in engine.process(ev)]
    types = sorted(a.finding_type for a in alerts)
    assert types == [
        "Behavior:Runtime/NewExecutable",
        "Behavior:Runtime/NewListener",
        "Behavior:Runtime/NewOutboundDestination",
        "Behavior:Runtime/NewProcessLineage",
    ]
    assert all(0 < a.evidence["rarity"] < 1 for a in alerts)


def test_unknown_workload_never_alerts() -> None:
    engine = load_engine(baseline=Baseline(), window_ms=0)
    assert [a for ev in _normal(0) for a in engine.process(ev)] == []
