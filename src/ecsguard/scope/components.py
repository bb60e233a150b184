"""Scope graph: components (nodes keyed by inventory resource id) and typed edges (networkx)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ecsguard.scope.declare import Declaration

WORKLOAD_KINDS = frozenset({"service", "task_group", "task_definition"})
# a name shared by several components means the workload first (flows and scope.yaml name them)
RESOLVE_ORDER = {"service": 0, "task_group": 1, "load_balancer": 2, "data_store": 3, "queue": 3, "bucket": 3,
                 "file_system": 3, "instance": 4, "task_definition": 5}  # fmt: skip


@dataclass
class Component:
    """One system component of the estate, as the scope report lists it."""

    id: str
    kind: str
    name: str
    region: str = ""
    classes: set[int] = field(default_factory=set)
    declaration: Declaration | None = None
    unknown: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_workload(self) -> bool:
        return self.kind in WORKLOAD_KINDS


@dataclass
class Workload:
    """What a workload runs with: task definitions, hosts, roles and shared resources."""

    id: str
    cluster: str | None = None
    task_definitions: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    network_mode: str = "awsvpc"
    on_ec2: bool = False
    hosts: set[str] = field(default_factory=set)  # observed placements
    may_hosts: set[str] = field(default_factory=set)  # eligible by launch type / capacity
    task_roles: set[str] = field(default_factory=set)
    exec_roles: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    log_groups: set[str] = field(default_factory=set)
    volumes: dict[str, bool] = field(default_factory=dict)  # file system -> writable
    repositories: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)
    capacity_providers: set[str] = field(default_factory=set)
    target_groups: set[str] = field(default_factory=set)


class ScopeGraph:
    """Components plus a networkx MultiDiGraph whose edge keys are the edge types."""

    def __init__(self) -> None:
        self.g: Any = nx.MultiDiGraph()
        self.components: dict[str, Component] = {}
        self.workloads: dict[str, Workload] = {}
        self.aliases: dict[str, list[str]] = {}

    def add(self, comp: Component, *aliases: str) -> Component:
        existing = self.components.get(comp.id)
        if existing is not None:
            return existing
        self.components[comp.id] = comp
        self.g.add_node(comp.id)
        for alias in (comp.id, comp.name, *aliases):
            if alias:
                ids = self.aliases.setdefault(alias, [])
                if comp.id not in ids:
                    ids.append(comp.id)
        return comp

    def link(self, src: str, dst: str, etype: str, **attrs: Any) -> None:
        if src == dst or src not in self.components or dst not in self.components:
            return
        if self.g.has_edge(src, dst, key=etype):
            data = self.g.edges[src, dst, etype]
            data.setdefault("evidence", [])
            for item in attrs.get("evidence", []):
                if item not in data["evidence"]:
                    data["evidence"].append(item)
            return
        self.g.add_edge(src, dst, key=etype, **attrs)

    def out(self, node: str, etype: str) -> list[str]:
        return [v for _, v, k in self.g.out_edges(node, keys=True) if k == etype]

    def into(self, node: str, etype: str) -> list[str]:
        return [u for u, _, k in self.g.in_edges(node, keys=True) if k == etype]

    def edge(self, src: str, dst: str, etype: str) -> dict[str, Any] | None:
        if self.g.has_edge(src, dst, key=etype):
            data: dict[str, Any] = self.g.edges[src, dst, etype]
            return data
        return None

    def resolve(self, ref: str, kinds: frozenset[str] | None = None) -> str | None:
        """A component id from an id, ARN or name (as declarations and flows write them)."""
        if ref in self.components and (kinds is None or self.components[ref].kind in kinds):
            return ref
        ids = [
            i
            for i in self.aliases.get(ref, ())
            if kinds is None or self.components[i].kind in kinds
        ]
        if not ids:
            return None
        return min(ids, key=lambda i: RESOLVE_ORDER.get(self.components[i].kind, 99))
