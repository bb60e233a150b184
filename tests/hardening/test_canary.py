"""Secrets never leak: a unique fake secret is planted in every place one hides (environment
values by name and by shape, command lines, entry points, Docker labels, log-driver options,
CloudFormation and Terraform secret values, runtime command lines); then every command, every
output format, the store, the dashboard and the AWS sinks run over it, and every byte they
write (files, stdout, stderr, the SQLite file and its WAL, what the sinks delivered) is
searched for each canary. The snapshot ``collect`` writes is the account's raw API data and is
the one place the values may be (docs/security.md says why); it is not searched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient
from hlib import (
    CANARIES,
    REGION,
    Result,
    build_canary_estate,
    cli,
    collect,
    database_text,
    invoke,
    leaks,
    no_traceback,
)

from ecsguard.runtime.examples import build_event
from ecsguard.testing import boto_session, reset_moto

DATA = Path(__file__).parent / "data"
TEMPLATE = DATA / "canary.template.yaml"
PLAN = DATA / "canary.tfplan.json"
# Runtime canaries: the mysql short form is a separate test (see below).
EVENT_CANARIES = {k: CANARIES[k] for k in ("runtime_flag",)}


@dataclass
class World:
    url: str
    tmp: Path
    old: Path  # snapshot before the change
    new: Path  # snapshot after a new revision with another planted secret
    events: Path
    collect_output: bytes


def _events(path: Path, parent_cmdline: str) -> Path:
    miner = build_event(
        {
            "class_uid": 1007,
            "process": {
                "name": "xmrig",
                "cmd_line": f"xmrig -o stratum+tcp://198.51.100.9:3333 --password={CANARIES['runtime_flag']}",
            },
            "actor": {"process": {"name": "sh", "cmd_line": parent_cmdline}},
        }
    )
    path.write_bytes(orjson.dumps(miner) + b"\n")
    return path


def _new_revision(url: str) -> None:
    ecs = boto_session(url, REGION).client("ecs", endpoint_url=url)
    td = ecs.describe_task_definition(taskDefinition="payment-api")["taskDefinition"]
    container = td["containerDefinitions"][0]
    container["environment"].append(
        {"name": "ADMIN_PASSWORD", "value": CANARIES["new_revision_env"]}
    )
    keep = ("networkMode", "requiresCompatibilities", "cpu", "memory", "taskRoleArn",
            "executionRoleArn")  # fmt: skip
    arn = ecs.register_task_definition(
        family="payment-api", containerDefinitions=[container], **{k: td[k] for k in keep}
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="payments", service="payment-api", taskDefinition=arn)


@pytest.fixture(scope="module")
def world(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("canary")
    reset_moto(moto_url)
    build_canary_estate(moto_url)
    old, new = tmp / "old.json", tmp / "new.json"
    first = cli("collect", "--endpoint-url", moto_url, "--regions", REGION, "-o", str(old))
    assert first.code == 0, first.text
    raw = old.read_bytes()
    assert CANARIES["env_named_password"].encode() in raw  # the snapshot is raw API data ...
    assert old.stat().st_mode & 0o077 == 0  # ... so only its owner may read it
    _new_revision(moto_url)
    second = collect(moto_url, new)
    assert second.code == 0, second.text
    events = _events(tmp / "events.jsonl", "sh -c 'run --token=x'")
    yield World(moto_url, tmp, old, new, events, first.stdout + first.stderr)
    reset_moto(moto_url)  # leave the worker's shared server as clean as we found it


def _clean(result: Result, *files: Path) -> bytes:
    """All a command wrote; asserts it ran without a traceback."""
    no_traceback(result)
    blob = result.stdout + result.stderr
    for path in files:
        blob += path.read_bytes()
    return blob


SCAN_FORMATS = ("json", "table", "sarif", "asff", "ocsf", "csv", "html")
SCOPE_FORMATS = ("table", "json", "dot", "mermaid", "html")


def test_collect_prints_no_secret(world: World) -> None:
    assert not leaks(world.collect_output)


@pytest.mark.parametrize("fmt", SCAN_FORMATS)
def test_scan_every_format(world: World, fmt: str) -> None:
    inputs = (str(world.new), str(TEMPLATE), str(PLAN))
    out = world.tmp / f"scan.{fmt}"
    to_file = invoke("scan", *inputs, "--all-revisions", "--format", fmt, "-o", str(out))
    to_stdout = invoke("scan", *inputs, "--all-revisions", "--format", fmt)
    blob = _clean(to_file, out) + _clean(to_stdout)
    assert to_file.code == 1 and b"DB_PASSWORD" in blob  # the findings are there, values not
    assert not leaks(blob)


def test_scan_table_as_a_real_process(world: World) -> None:
    result = cli("scan", str(world.new), str(TEMPLATE), str(PLAN), "--format", "table")
    assert result.code == 1
    assert not leaks(_clean(result))


@pytest.mark.parametrize("fmt", ("json", "sarif", "table"))
def test_scan_live(world: World, fmt: str) -> None:
    result = invoke("scan", "--live", "--endpoint-url", world.url, "--regions", REGION,
                    "--format", fmt)  # fmt: skip
    blob = _clean(result)
    assert result.code == 1 and b"payment-api" in blob
    assert not leaks(blob)


@pytest.mark.parametrize("fmt", ("html", "json"))
def test_report(world: World, fmt: str) -> None:
    out = world.tmp / f"evidence.{fmt}"
    args = ("report", str(world.new), "--framework", "pci-dss-4.0", "--format", fmt)
    blob = _clean(invoke(*args, "-o", str(out)), out)
    assert b"payment-api" in blob and not leaks(blob)


@pytest.mark.parametrize("fmt", SCOPE_FORMATS)
def test_scope_every_format(world: World, fmt: str) -> None:
    out = world.tmp / f"scope.{fmt}"
    result = invoke("scope", str(world.new), "--baseline", str(world.old), "--format", fmt,
                    "-o", str(out))  # fmt: skip
    blob = _clean(result, out)
    assert b"payment-api" in blob and not leaks(blob)


@pytest.mark.parametrize("fmt", ("text", "json"))
def test_diff(world: World, fmt: str) -> None:
    snapshots = _clean(invoke("diff", str(world.old), str(world.new), "--format", fmt))
    assert b"payment-api:2" in snapshots
    changed = world.tmp / "changed.template.yaml"
    text = TEMPLATE.read_text().replace(CANARIES["cfn_env"], CANARIES["cfn_env_changed"])
    changed.write_text(text)
    templates = _clean(invoke("diff", str(TEMPLATE), str(changed), "--format", fmt))
    assert b"PAYMENT_GATEWAY_TOKEN" in templates  # the change is shown, its values are not
    assert not leaks(snapshots + templates)


@pytest.mark.parametrize("fmt", ("table", "json"))
def test_inventory(world: World, fmt: str) -> None:
    blob = _clean(invoke("inventory", str(world.new), str(TEMPLATE), str(PLAN), "--format", fmt))
    assert not leaks(blob)


@pytest.mark.parametrize("fmt", ("json", "ocsf", "asff"))
def test_monitor_formats_and_file_sink(world: World, fmt: str) -> None:
    out = world.tmp / f"alerts.{fmt}.jsonl"
    args = ("monitor", "--source", f"file:{world.events}", "--format", fmt, "--window", "0")
    printed = invoke(*args)
    sunk = invoke(*args, "--sink", f"file:{out}")
    blob = _clean(printed) + _clean(sunk, out)
    assert b"xmrig" in blob and b"--password=" in blob  # the alert and its command line
    assert not leaks(blob)


def test_monitor_as_a_real_process(world: World) -> None:
    result = cli("monitor", "--source", f"file:{world.events}", "--window", "0")
    assert b"xmrig" in result.stdout
    assert not leaks(_clean(result))


def test_monitor_redacts_mysql_short_password(world: World) -> None:
    rules = world.tmp / "mysql.yaml"
    rules.write_text(
        "- rule: MySQL client in a container\n  desc: database client launched\n"
        "  condition: evt.type = execve and proc.name = mysql\n"
        "  output: mysql client %proc.cmdline\n  priority: NOTICE\n"
    )
    event = build_event(
        {
            "class_uid": 1007,
            "process": {
                "name": "mysql",
                "cmd_line": f"mysql -u app -p{CANARIES['runtime_mysql']} -h db.internal",
            },
            "actor": {"process": {"name": "sh"}},
        }
    )
    events = world.tmp / "mysql.jsonl"
    events.write_bytes(orjson.dumps(event) + b"\n")
    for fmt in ("json", "ocsf", "asff"):
        result = invoke("monitor", "--source", f"file:{events}", "--rules", str(rules),
                        "--window", "0", "--format", fmt)  # fmt: skip
        blob = _clean(result)
        assert b"mysql -u app -p***" in blob or b"MySQL client" in blob
        assert not leaks(blob)


def test_pwd_assignment_in_entry_point_is_redacted(world: World, db: Path) -> None:
    from ecsguard.web.app import create_app
    from ecsguard.web.store_data import from_store

    gap = {"entrypoint": CANARIES["entrypoint"]}  # `export MYSQL_PWD=...` in the entry point
    diff = _clean(invoke("diff", str(world.old), str(world.new), "--format", "json"))
    assert b"entryPoint" in diff
    assert not leaks(diff, gap)
    assert not leaks(database_text(db), gap)
    client = TestClient(create_app(from_store(str(db))))
    pages = b"".join(client.get(f"/api/resources/{r['resource']['id']}").content
                     for r in client.get("/api/findings").json()["results"][:20])  # fmt: skip
    assert not leaks(pages, gap)


def _scan_doc(world: World, snapshot: Path) -> dict[str, Any]:
    out = world.tmp / f"{snapshot.stem}.findings.json"
    invoke("scan", str(snapshot), "--format", "json", "-o", str(out))
    doc: dict[str, Any] = orjson.loads(out.read_bytes())
    return doc


def _scope_doc(world: World, snapshot: Path) -> dict[str, Any]:
    out = world.tmp / f"{snapshot.stem}.scope.json"
    invoke("scope", str(snapshot), "--format", "json", "-o", str(out))
    doc: dict[str, Any] = orjson.loads(out.read_bytes())
    return doc


@pytest.fixture(scope="module")
def db(world: World) -> Path:
    """A store holding both snapshots, their findings and scope, and the alerts."""
    from ecsguard.collect.load import load_inputs
    from ecsguard.store import open_store

    path = world.tmp / "ecsguard.db"
    store = open_store(str(path))
    try:
        for snapshot in (world.old, world.new):
            run = store.record_run(load_inputs([str(snapshot)]), source=str(snapshot), kind="scan")
            store.record_findings(run, _scan_doc(world, snapshot))
            store.record_scope(run, _scope_doc(world, snapshot))
        alerts = invoke("monitor", "--source", f"file:{world.events}", "--window", "0")
        store.record_alerts([orjson.loads(x) for x in alerts.stdout.splitlines() if x.strip()])
        store.save_baseline(
            "payment-api", {"cmdlines": [f"app --password={CANARIES['command_line']}"]}
        )
        assert not leaks(database_text(path)), "database while the store is open (incl. -wal)"
    finally:
        store.close()
    return path


def test_database_files(db: Path) -> None:
    held = database_text(db)
    assert b"DB_PASSWORD" in held and b"xmrig" in held
    assert not leaks(held)


@pytest.mark.parametrize(
    "args",
    [
        ("history", "--format", "text"),
        ("history", "--format", "json"),
        ("history", "payment-api", "--format", "json"),
        ("diff", "previous", "latest", "--format", "json"),
        ("diff", "previous", "latest", "--format", "text"),
    ],
    ids=lambda a: "-".join(a),
)
def test_commands_over_the_store(db: Path, args: tuple[str, ...]) -> None:
    blob = _clean(invoke(*args, "--db", str(db)))
    assert blob and not leaks(blob)


def test_dashboard_pages_and_api(db: Path) -> None:
    from ecsguard.web.app import create_app
    from ecsguard.web.store_data import from_store

    client = TestClient(create_app(from_store(str(db))))
    results = client.get("/api/findings").json()["results"]
    alerts = client.get("/api/alerts").json()
    alerts = alerts.get("alerts", alerts.get("results", [])) if isinstance(alerts, dict) else alerts
    assert results and alerts
    paths = ["/", "/findings", "/scope", "/alerts", "/compliance", "/api/summary", "/api/findings",
             "/api/scope", "/api/alerts", "/api/runs", "/api/compliance/pci-dss-4.0",
             "/compliance?framework=pci-dss-4.0"]  # fmt: skip
    for item in results[:40]:
        rid = quote(item["resource"]["id"], safe="")
        paths += [f"/findings/{item['id']}", f"/api/findings/{item['id']}"]
        paths += [f"/resources/{rid}", f"/api/resources/{rid}"]
    paths += [p for a in alerts[:5] for p in (f"/alerts/{a['id']}", f"/api/alerts/{a['id']}")]
    served = b""
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        served += response.content
    assert b"DB_PASSWORD" in served
    assert not leaks(served)


def test_cloudwatch_and_securityhub_sinks(world: World) -> None:
    from ecsguard.sinks.cloudwatch import CloudWatchLogsSink
    from ecsguard.sinks.securityhub import SecurityHubSink

    session = boto_session(world.url, REGION)
    scan = _scan_doc(world, world.new)
    alerts = invoke("monitor", "--source", f"file:{world.events}", "--window", "0")
    records = scan["results"] + [orjson.loads(x) for x in alerts.stdout.splitlines() if x.strip()]
    group = "/ecsguard/canary"
    session.client("logs", endpoint_url=world.url).create_log_group(logGroupName=group)
    sink = CloudWatchLogsSink(
        f"cloudwatch:{group}/findings", session=session, endpoint_url=world.url
    )
    assert sink.send(records).sent == len(records)
    logs = session.client("logs", endpoint_url=world.url)
    events = logs.get_log_events(logGroupName=group, logStreamName="findings", startFromHead=True)
    delivered = json.dumps(events["events"]).encode()
    asff_path = world.tmp / "findings.asff.json"
    invoke("scan", str(world.new), "--format", "asff", "-o", str(asff_path))
    asff = orjson.loads(asff_path.read_bytes())
    findings = asff["Findings"] if isinstance(asff, dict) else asff
    SecurityHubSink(session=session, endpoint_url=world.url).send(findings)
    hub = session.client("securityhub", endpoint_url=world.url)
    delivered += json.dumps(hub.get_findings(MaxResults=100)["Findings"], default=str).encode()
    assert b"DB_PASSWORD" in delivered
    assert not leaks(delivered)


def test_monitor_sinks_to_cloudwatch_and_securityhub(world: World) -> None:
    """`monitor --sink cloudwatch:… --sink securityhub` (AWS_ENDPOINT_URL points boto3 at moto)."""
    session = boto_session(world.url, REGION)
    group = "/ecsguard/runtime-canary"
    logs = session.client("logs", endpoint_url=world.url)
    logs.create_log_group(logGroupName=group)
    result = invoke(
        "monitor", "--source", f"file:{world.events}", "--window", "0",
        "--sink", f"cloudwatch:{group}/alerts", "--sink", "securityhub",
        env={"AWS_ENDPOINT_URL": world.url},
    )  # fmt: skip
    blob = _clean(result)
    assert result.code == 0, result.text[-2000:]
    events = logs.get_log_events(logGroupName=group, logStreamName="alerts", startFromHead=True)
    delivered = json.dumps(events["events"]).encode()
    hub = session.client("securityhub", endpoint_url=world.url)
    delivered += json.dumps(hub.get_findings(MaxResults=100)["Findings"], default=str).encode()
    assert b"xmrig" in delivered and b"--password=" in delivered
    assert not leaks(blob + delivered)
