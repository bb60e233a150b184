"""``scan`` and ``scope`` with ``--db`` and ``--sink``, as a user runs them, against moto."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from ecsguard.store import open_store
from ecsguard.testing import client

SAMPLE = Path(__file__).resolve().parents[2] / "src/ecsguard/sample/data/snapshot.json.gz"


def ecsguard(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "ecsguard", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def all_findings(hub: Any) -> list[dict[str, Any]]:
    found, token = [], None
    while True:
        page = hub.get_findings(MaxResults=100, **({"NextToken": token} if token else {}))
        found += page["Findings"]
        token = page.get("NextToken")
        if not token:
            return found


def test_scan_records_and_sends_then_updates_in_place(clean_moto: str, tmp_path: Path) -> None:
    hub: Any = client(clean_moto, "securityhub")
    hub.enable_security_hub()
    db = tmp_path / "h.db"
    out = tmp_path / "r.json"
    args = [
        "scan",
        str(SAMPLE),
        "--format",
        "json",
        "-o",
        str(out),
        "--db",
        str(db),
        "--sink",
        "cloudwatch:/ecsguard/findings/scan?create=true",
        "--sink",
        "securityhub",
    ]
    first = ecsguard(clean_moto, *args)
    assert first.returncode == 1, first.stderr  # the sample has failures
    result = orjson.loads(out.read_bytes())
    failing = [r for r in result["results"] if r["status"] != "pass"]
    logs: Any = client(clean_moto, "logs")
    events = logs.get_log_events(
        logGroupName="/ecsguard/findings", logStreamName="scan", limit=10000
    )["events"]
    assert len(events) == len(failing) + 1  # one per non-passing result, plus the summary
    assert len(all_findings(hub)) == len(result["results"])
    second = ecsguard(clean_moto, *args)
    assert second.returncode == 1, second.stderr
    assert len(all_findings(hub)) == len(result["results"])  # updated, not duplicated
    with open_store(str(db)) as store:
        runs = store.runs(kind="scan")
        assert len(runs) == 2
        assert len(store.findings(runs[-1].id)) == len(result["results"])


def test_scope_db_and_cloudwatch(clean_moto: str, tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    done = ecsguard(
        clean_moto,
        "scope",
        str(SAMPLE),
        "--format",
        "json",
        "-o",
        str(tmp_path / "s.json"),
        "--db",
        str(db),
        "--sink",
        "cloudwatch:/ecsguard/scope/run?create=true",
    )
    assert done.returncode == 0, done.stderr
    report = orjson.loads((tmp_path / "s.json").read_bytes())
    logs: Any = client(clean_moto, "logs")
    events = logs.get_log_events(logGroupName="/ecsguard/scope", logStreamName="run", limit=10000)[
        "events"
    ]
    assert len(events) == len(report["components"]) + len(report["events"])
    with open_store(str(db)) as store:
        stored = store.latest_scope()
        assert stored is not None and len(stored.doc["components"]) == len(report["components"])
    refused = ecsguard(clean_moto, "scope", str(SAMPLE), "--sink", "securityhub")
    assert refused.returncode == 2 and "posture findings" in refused.stderr
