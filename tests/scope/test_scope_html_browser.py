"""The HTML scope report in headless Chromium: no script errors, a click on a node shows its
reasons and paths, wheel zooms, and a hostile service name never runs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scope_payment import payment_estate

from ecsguard.scope.engine import compute_scope
from ecsguard.scope.render_html import render_html
from ecsguard.testing import require_services

EVIL = "<img src=x onerror=alert(1)>"
pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("ECSGUARD_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = _chromium()
    if path is None:
        if require_services():
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


def test_report_is_interactive_and_inert(browser: Any, tmp_path: Path) -> None:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][2]["serviceName"] = EVIL
    page_file = tmp_path / "scope.html"
    page_file.write_text(render_html(compute_scope(e.inventory()), "test"))
    page = browser.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    assert page.locator("svg#graph g g").count() >= 5
    before = page.get_attribute("svg#graph", "viewBox")
    page.locator("svg#graph").hover()
    page.mouse.wheel(0, 300)
    assert page.get_attribute("svg#graph", "viewBox") != before
    node = page.locator("svg#graph g g", has_text="payment-api").first
    node.locator("circle").click(force=True)
    panel = page.locator("#panel").inner_text()
    assert "C1 declared-chd" in panel and "path:" in panel
    evil = page.locator("svg#graph g g", has_text=EVIL).first
    evil.locator("circle").click(force=True)
    assert EVIL in page.locator("#panel").inner_text()
    assert page.locator("img").count() == 0
    assert errors == [] and dialogs == []
    page.close()
