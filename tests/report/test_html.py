"""HTML outputs: one self-contained file, every string escaped, checked in a real browser too."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ecsguard.frameworks import get_framework, parse_attestations
from ecsguard.posture.result import ScanResult
from ecsguard.report import render
from ecsguard.report.evidence import build_evidence_pack
from ecsguard.report.html import render_evidence_html
from ecsguard.testing import require_services

PAYLOAD = "<img src=x onerror=alert(1)>"
ATTESTATIONS = """
attestations:
  - framework: pci-dss-4.0
    requirement: "12.5.2"
    owner: "<script>alert('owner')</script>"
    date: 2026-10-01
    expires: 2027-10-01
    evidence: "javascript:alert(1)"
  - framework: pci-dss-4.0
    requirement: "1.2.4"
    owner: Jane
    date: 2026-10-01
    expires: 2027-10-01
    evidence: https://wiki.example.com/dfd?a=1&b=<2>
"""


def _evidence_html(result: ScanResult) -> str:
    attested = parse_attestations(ATTESTATIONS, "a.yaml")
    pack = build_evidence_pack(result, get_framework("pci-dss-4.0"), attestations=attested)
    return render_evidence_html(pack)


def _assert_inert(text: str) -> None:
    assert PAYLOAD not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\x1b" not in text and "\x07" not in text
    assert "<script>alert" not in text
    assert 'href="javascript:' not in text
    # Self-contained: no external stylesheet, script or image.
    assert not re.search(r"<(link|script)[^>]+(src|href)=", text)
    assert not re.search(r"<img[^>]+src=\"?https?:", text)
    assert text.count("<script>") == 1  # our one inline filter script


def test_scan_html_escapes_everything(snapshot_result: ScanResult) -> None:
    text = render(snapshot_result, "html", frameworks=["pci-dss-4.0", "hipaa-security-rule"])
    _assert_inert(text)
    assert "PCI DSS 4.0.1" in text and "HIPAA Security Rule" in text
    assert "NIST SP 800-53" not in text  # only the frameworks asked for
    assert "Remove `privileged`" in text  # remediation shown with findings


def test_evidence_html_escapes_everything(snapshot_result: ScanResult) -> None:
    text = _evidence_html(snapshot_result)
    _assert_inert(text)
    assert "&lt;script&gt;alert(&#39;owner&#39;)&lt;/script&gt;" in text
    assert 'href="https://wiki.example.com/dfd?a=1&amp;b=&lt;2&gt;"' in text
    assert "12.5.2" in text and "needs-attestation" in text


@pytest.mark.browser
def test_payload_never_runs_in_a_browser(tmp_path: Path, snapshot_result: ScanResult) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if require_services():
            pytest.fail("chromium is required")
        pytest.skip("chromium not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    pages = {
        "scan.html": render(snapshot_result, "html"),
        "evidence.html": _evidence_html(snapshot_result),
    }
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            for name, html in pages.items():
                path = tmp_path / name
                path.write_text(html, encoding="utf-8")
                page = browser.new_page()
                dialogs: list[str] = []
                page.on(
                    "dialog",
                    lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()),
                )
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                assert dialogs == [], name
                assert page.locator("img").count() == 0, name
                assert PAYLOAD in (page.text_content("body") or ""), name
                # The inline filter works and reads text only.
                box = page.locator("input[type=search]").first
                box.fill("no-such-thing-anywhere")
                visible = page.locator("tbody tr:visible").count()
                assert visible < page.locator("tbody tr").count(), name
                page.close()
        finally:
            browser.close()
