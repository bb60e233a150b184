"""DOT and Mermaid data-flow/network diagrams: the CDE boundary as a cluster, out-of-scope
components shaded, card-data flows in bold red, with a legend (PCI DSS 1.2.3/1.2.4)."""

from __future__ import annotations

from typing import Any

from ecsguard.scope.diagram import COLOURS, diagram
from ecsguard.scope.text import dot_string, mermaid_label, plain

STYLE = {
    "flow": 'color="#c0392b", penwidth=2.5',
    "public_entry": 'style=dashed, color="#7f8c8d"',
    "can_reach": 'color="#555555"',
    "forwards": 'color="#2e86c1"',
    "runs_on": 'style=dotted, color="#999999"',
}


def _ids(nodes: list[dict[str, Any]]) -> dict[str, str]:
    return {n["id"]: f"n{i}" for i, n in enumerate(nodes)}


def _edge_label(e: dict[str, Any]) -> str:
    if e["type"] == "flow":
        return f"{','.join(e.get('evidence', []))}: {','.join(e.get('elements', []))} {e.get('ports', '')}".strip()
    return str(e.get("ports") or e["type"])


def render_dot(report: dict[str, Any], generated: str = "") -> str:
    nodes, edges = diagram(report)
    ids = _ids(nodes)
    out = ["digraph ecsguard_scope {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
           f"  label={dot_string('ecsguard PCI DSS scope ' + generated)}; labelloc=t;"]  # fmt: skip
    inside = [n for n in nodes if n["category"] == "cde"]
    outside = [n for n in nodes if n["category"] != "cde"]
    out.append('  subgraph cluster_cde {\n    label="CDE boundary"; style="bold"; color="#c0392b";')
    out += [f"    {_dot_node(ids[n['id']], n)}" for n in inside]
    out.append("  }")
    out += [f"  {_dot_node(ids[n['id']], n)}" for n in outside]
    for e in edges:
        card = e["type"] == "flow" and e.get("card")
        style = STYLE["flow"] if card else STYLE.get(e["type"], "")
        if e["type"] == "flow" and not card:
            style = 'color="#8e44ad"'
        out.append(
            f"  {ids[e['from']]} -> {ids[e['to']]} [label={dot_string(_edge_label(e))}, {style}];"
        )
    out.append('  subgraph cluster_legend {\n    label="Legend"; style=dashed;')
    for i, (cat, colour) in enumerate(COLOURS.items()):
        out.append(f'    legend{i} [label={dot_string(cat)}, fillcolor="{colour}"];')
    out.append(
        '    legend_flow [label="red bold arrow: card-data flow (PAN/SAD)", shape=plaintext, style=""];\n  }'
    )
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_node(nid: str, n: dict[str, Any]) -> str:
    label = f"{n['name']}\n({n['kind']}, {n['category']})"
    extra = ', style="rounded,filled,dashed"' if n["category"] == "undetermined" else ""
    return f'{nid} [label={dot_string(label).replace(chr(10), " ")}, fillcolor="{COLOURS[n["category"]]}"{extra}, tooltip={dot_string(n["id"])}];'


def render_mermaid(report: dict[str, Any]) -> str:
    nodes, edges = diagram(report)
    ids = _ids(nodes)
    out = ["flowchart LR"]
    out.append('  subgraph CDE["CDE boundary"]')
    out += [
        f'    {ids[n["id"]]}["{mermaid_label(n["name"])}<br/>{mermaid_label(n["kind"])}"]:::{_cls(n)}'
        for n in nodes
        if n["category"] == "cde"
    ]
    out.append("  end")
    out += [
        f'  {ids[n["id"]]}["{mermaid_label(n["name"])}<br/>{mermaid_label(n["kind"])}"]:::{_cls(n)}'
        for n in nodes
        if n["category"] != "cde"
    ]
    card_links: list[int] = []
    for link, e in enumerate(edges):
        arrow = (
            "==>"
            if e["type"] == "flow"
            else "-.->"
            if e["type"] in ("public_entry", "runs_on")
            else "-->"
        )
        out.append(f'  {ids[e["from"]]} {arrow}|"{mermaid_label(_edge_label(e))}"| {ids[e["to"]]}')
        if e["type"] == "flow" and e.get("card"):
            card_links.append(link)
    for cat, colour in COLOURS.items():
        out.append(f"  classDef {_cls({'category': cat})} fill:{colour},stroke:#333")
    if card_links:
        out.append(f"  linkStyle {','.join(map(str, card_links))} stroke:#c0392b,stroke-width:3px")
    return "\n".join(plain(line) for line in out) + "\n"


def _cls(n: dict[str, Any]) -> str:
    return str(n["category"]).replace("-", "_")
