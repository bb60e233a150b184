"""Fleet transport on a real nats-server -js: agents publish, N monitors share the stream.

Monitors are the real ``ecsguard monitor --source nats://...`` command, run as processes, so
killing one with SIGKILL is a real crash.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.sinks.nats import (
    ALERTS_STREAM,
    EVENTS_STREAM,
    AlertArchiver,
    NatsEventPublisher,
    NatsLink,
    cluster_token,
)
from ecsguard.sources.nats import DEFAULT_DURABLE, NatsSource
from ecsguard.store import open_store

from .conftest import env_with_src

pytestmark = pytest.mark.nats
RULES = Path(__file__).parent / "data" / "fleet_rules.yaml"
CLI = "import sys; from ecsguard.cli import main; main(sys.argv[1:])"
TOTAL = 100_000
EVERY = 100  # one marker (alerting) event per EVERY events


def _event(i: int) -> dict[str, Any]:
    marker = i % EVERY == 0
    return {
        "class_uid": 1007, "activity_id": 1, "type_uid": 100701, "time": 1_796_000_000_000 + i,
        "metadata": {"uid": f"host-a-{i}"}, "device": {"hostname": "ip-10-0-1-7"},
        "process": {"pid": 1000 + i, "name": "fleet-marker" if marker else "ls",
                    "cmd_line": "fleet-marker --run" if marker else "ls -l"},
        "actor": {"process": {"pid": 1, "name": "sh"}},
        "unmapped": {"ecs": {"cluster": "prod", "task_arn": f"arn:aws:ecs:us-east-1:1:task/prod/t{i}"}},
    }  # fmt: skip


def _publish(url: str, total: int = TOTAL) -> set[str]:
    publisher = NatsEventPublisher(url, cluster="prod")
    markers = set()
    for i in range(total):
        event = _event(i)
        if i % EVERY == 0:
            markers.add(event["metadata"]["uid"])
        publisher.emit(event)
    publisher.flush()
    assert (publisher.published, publisher.dropped) == (total, 0)
    publisher.close()
    return markers


def _monitor(url: str, tmp: Path, name: str, query: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", CLI, "monitor", "--source", f"{url}?{query}",
           "--no-default-rules", "--rules", str(RULES), "--window", "0",
           "--sink", url, "--sink", f"file:{tmp / (name + '.jsonl')}"]  # fmt: skip
    with open(tmp / f"{name}.err", "wb") as err:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env_with_src())


def _state(url: str) -> tuple[Any, list[dict[str, Any]]]:
    """Consumer info and every alert stored in the alerts stream."""
    link = NatsLink(url)
    try:
        info = link.call(link.js.consumer_info(EVENTS_STREAM, DEFAULT_DURABLE))
        sub = link.call(link.js.pull_subscribe("ecsguard.alerts", stream=ALERTS_STREAM))
        alerts: list[dict[str, Any]] = []

        async def drain() -> None:
            from nats.errors import TimeoutError as NatsTimeout

            while True:
                try:
                    msgs = await sub.fetch(500, timeout=1.0)
                except (TimeoutError, NatsTimeout):
                    return
                for msg in msgs:
                    alerts.append(orjson.loads(msg.data))
                    await msg.ack()

        link.call(drain(), timeout=120)
        return info, alerts
    finally:
        link.close()


def _events_processed(tmp: Path, name: str) -> int:
    text = (tmp / f"{name}.err").read_text()
    summary = [ln for ln in text.splitlines() if "events," in ln]
    assert summary, text
    return int(summary[-1].split("ecsguard: ")[1].split(" events")[0])


def _check_no_loss_no_duplicates(url: str, markers: set[str]) -> list[dict[str, Any]]:
    info, alerts = _state(url)
    assert info.num_pending == 0 and info.num_ack_pending == 0
    ids = [a["id"] for a in alerts]
    assert len(ids) == len(set(ids)) == len(markers)
    covered = {uid for a in alerts for uid in a["event_uids"]}
    assert covered == markers
    return alerts


def test_publisher_packs_events_and_source_yields_each_once(nats_url: str) -> None:
    markers = _publish(nats_url, 2_000)
    source = NatsSource(f"{nats_url}?idle_exit=1&batch=2", durable="roundtrip")
    seen = []
    for delivery in source.deliveries():
        assert delivery.event is not None and delivery.ack is not None
        seen.append(delivery.event["metadata"]["uid"])
        delivery.ack()
    assert len(seen) == len(set(seen)) == 2_000
    assert markers <= set(seen)


def test_redelivered_events_are_suppressed_by_uid(nats_url: str) -> None:
    publisher = NatsEventPublisher(nats_url, cluster="prod")
    for i in range(3):
        publisher.emit(_event(i))
    publisher.flush()
    # The same events again under a new message id: what a restarted agent might resend.
    for i in range(3):
        line = orjson.dumps(_event(i))
        publisher.emit_raw("ecsguard.events.prod", line, f"resend-{i}")
    publisher.flush()
    publisher.close()
    source = NatsSource(f"{nats_url}?idle_exit=1", durable="dedupe")
    uids = [d.event["metadata"]["uid"] for d in source.deliveries() if d.event]
    assert sorted(uids) == ["host-a-0", "host-a-1", "host-a-2"]
    assert source.duplicates == 3


def test_subject_names_the_cluster() -> None:
    assert cluster_token("arn:aws:ecs:us-east-1:111122223333:cluster/prod-eu") == "prod-eu"
    assert cluster_token("my cluster.v2") == "my_cluster_v2"
    assert cluster_token(None) == "unknown"


def test_two_monitors_split_100k_events_without_loss_or_duplicate_alerts(
    nats_url: str, tmp_path: Path
) -> None:
    markers = _publish(nats_url)
    started = time.monotonic()
    query = "batch=4&idle_exit=3&ack_wait=10"
    monitors = [_monitor(nats_url, tmp_path, name, query) for name in ("m1", "m2")]
    for proc in monitors:
        assert proc.wait(timeout=120) == 0
    elapsed = time.monotonic() - started
    counts = [_events_processed(tmp_path, name) for name in ("m1", "m2")]
    assert sum(counts) == TOTAL and min(counts) > 0, counts
    alerts = _check_no_loss_no_duplicates(nats_url, markers)
    assert {a["rule_id"] for a in alerts} == {"test.fleet.marker"}
    assert elapsed < 60
    _check_archived_to_store(nats_url, tmp_path, len(markers))


def _check_archived_to_store(url: str, tmp: Path, expected: int) -> None:
    """The alerts stream, copied into the ecsguard store once per alert id."""
    store = open_store(str(tmp / "store.db"))
    try:
        assert AlertArchiver(url, store, idle_exit=1).run() == expected
        assert AlertArchiver(url, store, idle_exit=1).run() == 0  # acked: nothing twice
        assert store.counts()["alerts"] == expected
        stored = store.alerts(limit=expected + 10)
        assert {a["rule_id"] for a in stored} == {"test.fleet.marker"}
    finally:
        store.close()


def test_killed_monitor_loses_nothing(nats_url: str, tmp_path: Path) -> None:
    markers = _publish(nats_url)
    query = "batch=2&idle_exit=6&ack_wait=2"
    victim = _monitor(nats_url, tmp_path, "victim", query)
    link = NatsLink(nats_url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                info = link.call(link.js.consumer_info(EVENTS_STREAM, DEFAULT_DURABLE))
            except Exception:
                time.sleep(0.05)
                continue
            if info.delivered.consumer_seq >= 20:  # about 10,000 events handed out
                break
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)  # mid-stream: about 10% handed out, some unacked
        victim.wait(timeout=10)
        info = link.call(link.js.consumer_info(EVENTS_STREAM, DEFAULT_DURABLE))
        survivor = _monitor(nats_url, tmp_path, "survivor", query)
    finally:
        link.close()
    assert info.num_pending > 0  # the victim died with most of the stream still to go
    assert survivor.wait(timeout=120) == 0
    _check_no_loss_no_duplicates(nats_url, markers)
    # The victim acknowledged part of the stream before dying; the survivor did the rest.
    assert 0 < _events_processed(tmp_path, "survivor") < TOTAL


def test_agent_publishes_to_jetstream(nats_url: str, tmp_path: Path) -> None:
    """``ecsguard agent --sink nats://`` end to end: what the agent saw comes out of the stream."""
    cmd = [sys.executable, "-c", CLI, "agent", "--mode", "procfs", "--poll-interval", "0.2",
           "--sink", nats_url, "--cluster", "prod", "--introspection-url", "",
           "--duration", "3.5"]  # fmt: skip
    agent = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env_with_src())
    assert agent.stderr is not None
    assert b"agent_ready" in agent.stderr.readline()
    for _ in range(3):  # the first may start before the agent's first poll
        subprocess.run(["sleep", "0.6"], check=True)
    _, err = agent.communicate(timeout=30)
    assert agent.returncode == 0, err
    stats = orjson.loads(err.splitlines()[-1])["agent_stats"]
    assert stats["sink_published"] == stats["events"] > 0 and stats["sink_dropped"] == 0
    link = NatsLink(nats_url)
    try:
        info = link.call(link.js.stream_info(EVENTS_STREAM))
        last = link.call(link.js.get_last_msg(EVENTS_STREAM, "ecsguard.events.prod"))
    finally:
        link.close()
    assert info.state.messages > 0 and last.subject == "ecsguard.events.prod"
    source = NatsSource(f"{nats_url}?idle_exit=1", durable="agent-e2e")
    events = [d.event for d in source.deliveries() if d.event is not None]
    assert len(events) == stats["events"]
    assert any(e["class_uid"] == 1007 and e["process"]["cmd_line"] == "sleep 0.6" for e in events)
