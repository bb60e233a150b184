"""The dashboard in headless Chromium (Debian's, driven by Playwright): every page loads
without console errors, filters narrow findings, a scope node shows its reasons, an alert
shows its process tree, hostile names render as text. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecsguard.testing import free_port, require_services

ARTIFACTS = Path(os.environ.get("ECSGUARD_ARTIFACTS", "test-artifacts")) / "browser"
XSS = "<img src=x onerror=alert(1)>"


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("ECSGUARD_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out / "ecsguard.db"


@pytest.fixture(scope="module")
def server(demo_db: Path) -> Iterator[str]:
    import uvicorn

    from ecsguard.store import open_store
    from ecsguard.web.app import create_app
    from ecsguard.web.store_data import from_store

    # A hostile resource name and alert title, as an attacker could plant them in AWS.
    store = open_store(str(demo_db))
    store.record_alerts(
        [
            {
                "id": "xss-alert",
                "time": "2026-12-01T12:00:00Z",
                "rule_id": "test",
                "finding_type": "Execution:Runtime/ReverseShell",
                "severity": "high",
                "title": XSS,
                "event_uids": ["x"],
                "resource": {"cluster": XSS, "container": "app"},
                "process": {
                    "name": "bash",
                    "cmdline": XSS,
                    "pid": 9,
                    "ancestors": ["node", "containerd-shim"],
                },
                "detail": XSS,
                "mitre": [],
            }
        ]
    )
    store.close()
    data = from_store(str(demo_db))
    port = free_port()
    config = uvicorn.Config(create_app(data), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if require_services():
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.problems = []  # console errors, page errors and dialogs (an XSS would open one)
    pg.on(
        "console",
        lambda msg: (
            pg.problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    pg.on("pageerror", lambda exc: pg.problems.append(f"pageerror: {exc}"))
    pg.on(
        "dialog", lambda dialog: (pg.problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    yield pg
    context.close()


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


@pytest.mark.browser
@pytest.mark.parametrize(
    "path", ["/", "/findings", "/scope", "/alerts", "/compliance", "/alerts/xss-alert"]
)
def test_every_page_loads_cleanly(server: str, page: Any, path: str) -> None:
    response = page.goto(server + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    shot(page, "page" + path.replace("/", "_"))
    assert page.problems == []


@pytest.mark.browser
def test_filters_narrow_the_findings(server: str, page: Any) -> None:
    page.goto(server + "/findings")
    total = page.locator("#findings-table tbody tr").count()
    page.select_option("select[name=severity]", "critical")  # submits on change
    page.wait_for_url("**severity=critical**")
    rows = page.locator("#findings-table tbody tr")
    assert 0 < rows.count() < total
    for text in rows.locator("td:nth-child(2)").all_inner_texts():
        assert text.strip() == "critical"
    shot(page, "findings-critical")
    assert page.problems == []


@pytest.mark.browser
def test_clicking_a_scope_node_shows_its_reasons(server: str, page: Any) -> None:
    page.goto(server + "/scope")
    node = page.locator("#scope-graph circle.cde").first
    node.wait_for()
    node.click(force=True)
    panel = page.locator("#scope-panel")
    panel.locator("ul.reasons li").first.wait_for()
    assert "cde" in panel.inner_text()
    assert panel.locator("ul.reasons li strong").first.inner_text().split()[0] in {
        "C1",
        "C2",
        "C3",
        "C4",
    }
    shot(page, "scope-node")
    assert page.problems == []


@pytest.mark.browser
def test_alert_shows_process_tree_and_hostile_text_stays_text(server: str, page: Any) -> None:
    page.goto(server + "/alerts/xss-alert")
    items = page.locator("#process-tree li code").all_inner_texts()
    assert items == ["containerd-shim", "node", "bash"]
    assert XSS in page.locator("h1").inner_text()  # shown as text...
    assert page.locator("img[src=x]").count() == 0  # ...never as markup
    shot(page, "alert-tree")
    assert page.problems == []
