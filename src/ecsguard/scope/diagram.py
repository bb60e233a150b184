"""What the data-flow/network diagrams show: workloads, entry points, stores, hosts and the
external parties, with reachability, forwarding and declared flows between them."""

from __future__ import annotations

from typing import Any

NODE_KINDS = frozenset(
    {"service", "task_group", "load_balancer", "data_store", "queue", "bucket", "file_system",
     "instance", "container_instance", "vpc_endpoint", "external"}
)  # fmt: skip
EDGE_TYPES = ("flow", "public_entry", "can_reach", "forwards", "runs_on")
COLOURS = {
    "cde": "#f4a6a6",
    "connected-to": "#f7c873",
    "security-impacting": "#f9e79f",
    "undetermined": "#ffffff",
    "out-of-scope": "#d5d8dc",
}


def diagram(report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    comps = {c["id"]: c for c in report["components"]}
    nodes = [
        c
        for c in report["components"]
        if c["kind"] in NODE_KINDS
        or (c["kind"] == "task_definition" and "standalone" in c["flags"])
    ]
    keep = {c["id"] for c in nodes}
    edges: list[dict[str, Any]] = []
    tg_to_lb: dict[str, list[str]] = {}
    for e in report["edges"]:
        if (
            e["type"] == "forwards"
            and comps.get(e["to"], {}).get("kind") == "target_group"
            and e["from"] in keep
        ):
            tg_to_lb.setdefault(e["to"], []).append(e["from"])
    for e in report["edges"]:
        if e["type"] == "forwards" and e["from"] in tg_to_lb and e["to"] in keep:
            for lb in tg_to_lb[e["from"]]:
                edges.append({**e, "from": lb})
        elif e["type"] in EDGE_TYPES and e["from"] in keep and e["to"] in keep:
            edges.append(e)
    return nodes, edges
