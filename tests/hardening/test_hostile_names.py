"""Hostile resource names: terminal escape sequences never reach a terminal, HTML/JS never runs
in a report or the dashboard, and the dashboard serves nothing outside its own pages.

The estate is the bundled sample snapshot (real API shapes) with one workload renamed, in
every string it appears in (names, ARNs, tags, log groups), to a name carrying ANSI CSI, OSC 8
hyperlink and C1 control sequences, a <script> element and an attribute-breaking <img>."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import psutil
import pytest
from fastapi.testclient import TestClient
from hlib import ECSGUARD, Result, cli, invoke, no_traceback

import ecsguard.sample
from ecsguard.testing import free_port

ANSI = "\x1b[2J\x1b[31mRED\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x9b1;1H\x07"
HTML = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
EVIL = f"pay{ANSI}{HTML}api"
SAMPLE = Path(ecsguard.sample.__file__).parent / "data" / "snapshot.json.gz"
RAW_HTML = (b"<script>alert(1)", b"<img src=x", b"onerror=alert(2)>")
TERMINAL_CONTROLS = (b"\x1b", b"\x07", "\x9b".encode(), b"\x9b")


def _rename(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("payment-api", EVIL)
    if isinstance(value, list):
        return [_rename(v) for v in value]
    if isinstance(value, dict):
        return {_rename(k): _rename(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = orjson.loads(gzip.decompress(SAMPLE.read_bytes()))
    path = tmp_path_factory.mktemp("names") / "evil.json"
    path.write_text(json.dumps(_rename(doc)))
    assert (
        EVIL.encode() in path.read_bytes().decode("unicode_escape").encode("utf-8", "surrogatepass")
        or "\\u001b" in path.read_text()
    )
    return path


def _terminal_safe(result: Result, shows_names: bool = True) -> None:
    no_traceback(result)
    out = result.stdout + result.stderr
    found = [c for c in TERMINAL_CONTROLS if c in out]
    assert not found, f"control bytes {found} reach the terminal"
    assert b"pay" in out or not shows_names  # the hostile workload is shown, defanged


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--format", "table"),
        ("scope", "--format", "table"),
        ("inventory",),
        ("inventory", "--format", "table"),
    ],
    ids=lambda a: "-".join(a),
)
def test_no_escape_sequence_reaches_the_terminal(snapshot: Path, args: tuple[str, ...]) -> None:
    _terminal_safe(cli(args[0], str(snapshot), *args[1:]), shows_names=args[0] != "inventory")


def test_diff_text_is_terminal_safe(snapshot: Path) -> None:
    plain = snapshot.parent / "plain.json"
    plain.write_bytes(gzip.decompress(SAMPLE.read_bytes()))
    _terminal_safe(cli("diff", str(plain), str(snapshot), "--format", "text"))


def _html_safe(content: bytes) -> None:
    found = [r for r in RAW_HTML if r in content]
    assert not found, f"raw markup {found} in HTML output"


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--format", "html"),
        ("scope", "--format", "html"),
        ("report", "--framework", "pci-dss-4.0", "--format", "html"),
    ],
    ids=lambda a: "-".join(a[:1] + a[-1:]),
)
def test_html_outputs_escape_names(snapshot: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    out = tmp_path / "out.html"
    result = invoke(args[0], str(snapshot), *args[1:], "-o", str(out))
    no_traceback(result)
    content = out.read_bytes()
    _html_safe(content)
    assert b"&lt;script&gt;alert(1)" in content or b"\\u003cscript" in content


def test_sarif_carries_names_as_text(snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    no_traceback(invoke("scan", str(snapshot), "--format", "sarif", "-o", str(out)))
    sarif = orjson.loads(out.read_bytes())
    markdown: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "markdown" and isinstance(value, str):
                    markdown.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(sarif)
    texts = json.dumps(sarif)
    assert "alert(1)" in texts  # the name is carried ...
    for text in markdown:  # ... but never as markup a SARIF viewer would render
        _html_safe(text.encode())


@pytest.fixture(scope="module")
def results_dir(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results")
    invoke("scan", str(snapshot), "--format", "json", "-o", str(folder / "findings.json"))
    invoke("scope", str(snapshot), "--format", "json", "-o", str(folder / "scope.json"))
    alert = {
        "id": "a-evil",
        "time": "2026-12-01T00:00:00Z",
        "rule_id": "ecsguard.exec.crypto_miner",
        "finding_type": "Impact:Runtime/CryptoMinerExecuted",
        "severity": "high",
        "title": f"miner in {EVIL}",
        "event_uids": ["e1"],
        "resource": {"cluster": "payments", "task_arn": "arn:x", "container": EVIL, "image": EVIL},
        "process": {"name": EVIL, "cmdline": EVIL, "pid": 1, "ancestors": [EVIL]},
        "detail": EVIL,
        "mitre": ["T1496"],
    }
    (folder / "alerts.jsonl").write_bytes(orjson.dumps(alert) + b"\n")
    return folder


def test_dashboard_pages_escape_names(results_dir: Path) -> None:
    from ecsguard.web.app import create_app
    from ecsguard.web.data import DashboardData

    client = TestClient(create_app(DashboardData.from_directory(results_dir)))
    results = client.get("/api/findings").json()["results"]
    evil = [r for r in results if "alert(1)" in r["resource"]["id"]]
    assert evil
    paths = ["/", "/findings", "/scope", "/alerts", "/alerts/a-evil", "/compliance",
             f"/findings?q={quote(HTML)}", f"/findings?resource={quote(EVIL)}"]  # fmt: skip
    paths += [f"/findings/{r['id']}" for r in evil[:10]]
    paths += [f"/resources/{quote(evil[0]['resource']['id'], safe='')}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        _html_safe(response.content)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.fixture(scope="module")
def server(results_dir: Path) -> Iterator[tuple[str, int, int]]:
    """A real `ecsguard serve` process with default host: raw HTTP reaches it unnormalised."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ECSGUARD_TOKEN"}
    proc = subprocess.Popen(
        [ECSGUARD, "serve", "--port", str(port), "--from", str(results_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                finally:
                    conn.close()
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("ecsguard serve did not answer /healthz")
        yield "127.0.0.1", port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_listens_on_loopback_only(server: tuple[str, int, int]) -> None:
    _, port, pid = server
    sockets = [
        c
        for proc in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        for c in proc.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert sockets and all(c.laddr.port == port for c in sockets)
    assert all(c.laddr.ip in ("127.0.0.1", "::1") for c in sockets), sockets


TRAVERSAL = [
    "/static/../app.py",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/app.py",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2fapp.py",
    "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%252e%252e/app.py",
    "/static/..%5capp.py",
    "/static/....//....//etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%00../app.py",
    "/api/resources/..%2f..%2f..%2fetc%2fpasswd",
    "/api/resources/../../../etc/passwd",
    "/resources/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/compliance/..%2f..%2fapp.py/evidence.html",
    "/api/compliance/..%2f..%2f..%2fetc%2fpasswd",
]


@pytest.mark.parametrize("path", TRAVERSAL)
def test_path_traversal_over_raw_http(server: tuple[str, int, int], path: str) -> None:
    host, port, _ = server
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status in (400, 404, 422), (path, response.status, body[:200])
    assert b"root:x:0:" not in body and b"def create_app" not in body
    assert b"Traceback" not in body


def test_history_text_is_terminal_safe(snapshot: Path, tmp_path: Path) -> None:
    from ecsguard.collect.load import load_inputs
    from ecsguard.store import open_store

    plain = tmp_path / "plain.json"
    plain.write_bytes(gzip.decompress(SAMPLE.read_bytes()))
    db = tmp_path / "h.db"
    store = open_store(str(db))
    try:
        for path in (plain, snapshot):
            store.record_run(load_inputs([str(path)]), source=path.name, kind="scan")
    finally:
        store.close()
    _terminal_safe(cli("history", "--db", str(db)), shows_names=False)
    _terminal_safe(cli("history", EVIL.replace("\x1b", ""), "--db", str(db)), shows_names=False)
