"""Outputs: JSON contract shape, table, DOT, Mermaid and HTML, with hostile names."""

from __future__ import annotations

import html.parser
from typing import Any

from scope_payment import payment_estate

from ecsguard.scope.declare import Flow
from ecsguard.scope.engine import compute_scope
from ecsguard.scope.render_graph import render_dot, render_mermaid
from ecsguard.scope.render_html import render_html
from ecsguard.scope.render_table import render_table

EVIL = "<img src=x onerror=alert(1)>"
ESC = "\x1b[31mred\x1b]0;title\x07\x1b[0m"


def _report() -> dict[str, Any]:
    e = payment_estate()
    e.doc["regions"]["us-east-1"]["ecs"]["services"][2]["serviceName"] = EVIL
    e.doc["regions"]["us-east-1"]["ecs"]["services"][3]["serviceName"] = ESC + '"quote|pipe]'
    flows = [Flow(id="F1", src="external:customer", dst="payment-api", elements=("PAN",), port=443)]
    return compute_scope(e.inventory(), flows=flows)


def test_json_matches_the_contract() -> None:
    report = _report()
    assert report["ecsguard_scope"] == 1
    assert set(report) >= {"components", "edges", "events", "unknowns"}
    for comp in report["components"]:
        assert set(comp) >= {"id", "kind", "name", "category", "reasons", "flags"}
        assert comp["category"] in (
            "cde",
            "connected-to",
            "security-impacting",
            "out-of-scope",
            "undetermined",
        )
        assert comp["reasons"], comp["id"]
        for r in comp["reasons"]:
            assert set(r) == {"rule", "code", "text", "path", "evidence"}
            assert r["rule"] in (
                "C1",
                "C2",
                "C3",
                "C4",
                "S1",
                "S1b",
                "S2",
                "S3",
                "S4",
                "S5",
                "U1",
                "O1",
                "A1",
            )
    for edge in report["edges"]:
        assert set(edge) >= {"from", "to", "type", "ports", "evidence"}
        assert "_ps" not in edge
    ids = {c["id"] for c in report["components"]}
    assert "arn:aws:ecs:us-east-1:111122223333:service/payments/payment-api" in ids


def test_table_strips_terminal_escapes() -> None:
    text = render_table(_report())
    assert "\x1b" not in text and "\x07" not in text
    assert "CDE (" in text and "payment-api" in text


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_html_escapes_every_string() -> None:
    page = render_html(_report(), "2026-12-02")
    assert EVIL not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the table shows it as text
    parser = _Collector()
    parser.feed(page)
    assert "img" not in parser.tags
    script = page.split('id="scope-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and "\\u003cimg" in script
    assert "innerHTML" not in page


def test_dot_and_mermaid_draw_the_cde_boundary_and_card_flows() -> None:
    report = _report()
    dot = render_dot(report, "now")
    assert "subgraph cluster_cde" in dot and "penwidth=2.5" in dot
    assert '\\"quote|pipe]' in dot and "\x1b" not in dot
    cde_block = dot.split("subgraph cluster_cde", 1)[1].split("}", 1)[0]
    assert "payment-api" in cde_block and "reports" not in cde_block
    mer = render_mermaid(report)
    assert mer.startswith("flowchart LR") and 'subgraph CDE["CDE boundary"]' in mer
    assert "#lt;img src=x onerror=alert#40;1#41;#gt;" in mer and EVIL not in mer
    assert "==>" in mer and "linkStyle" in mer
