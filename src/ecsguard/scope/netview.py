"""Component-level reachability edges, materialised from class pairs only where a rule needs
them (so a large estate is not turned into millions of edges nobody reads)."""

from __future__ import annotations

from collections import defaultdict

from ecsguard.scope import ports as P
from ecsguard.scope.components import Component, ScopeGraph
from ecsguard.scope.reach import Reach, ReachEngine

PASSIVE = frozenset({"data_store", "file_system", "vpc_endpoint", "queue", "bucket"})


class NetView:
    def __init__(self, sg: ScopeGraph, engine: ReachEngine) -> None:
        self.sg = sg
        self.engine = engine
        self.by_class: dict[int, list[str]] = defaultdict(list)
        for cid, comp in sg.components.items():
            if comp.kind != "task":
                for c in comp.classes:
                    self.by_class[c].append(cid)
        self._into: set[str] = set()
        self._out: set[str] = set()

    def materialize(self, s: int, d: int, reach: Reach) -> None:
        for a in self.by_class.get(s, ()):
            if self.sg.components[a].kind in PASSIVE:
                continue  # databases, file systems and endpoints answer; they do not connect out
            for b in self.by_class.get(d, ()):
                if a == b:
                    continue
                data = self.sg.edge(a, b, "can_reach")
                if data is None:
                    self.sg.link(
                        a,
                        b,
                        "can_reach",
                        _ps=reach.ports,
                        evidence=list(reach.evidence),
                        mode=reach.mode,
                        ports=reach.label,
                    )
                else:
                    if P.subtract(reach.ports, data["_ps"]):
                        data["_ps"] = P.union(data["_ps"], reach.ports)
                        data["ports"] = P.label(data["_ps"])
                    data["evidence"].extend(e for e in reach.evidence if e not in data["evidence"])

    def touch_into(self, cid: str) -> None:
        """Materialise every path into component ``cid``."""
        if cid in self._into:
            return
        self._into.add(cid)
        for d in self.sg.components[cid].classes:
            for s, reach in list(self.engine.into(d).items()):
                self.materialize(s, d, reach)

    def touch_out(self, cid: str) -> None:
        """Materialise every path out of component ``cid``."""
        if cid in self._out:
            return
        self._out.add(cid)
        for s in self.sg.components[cid].classes:
            for d, reach in self.engine.out_of(s).items():
                self.materialize(s, d, reach)

    def first_out(self, cid: str, targets: set[int]) -> bool:
        """Materialise one path from ``cid`` into ``targets``; True when one exists."""
        for s in self.sg.components[cid].classes:
            found = self.engine.out_of(s, targets, first=True)
            for d, reach in found.items():
                self.materialize(s, d, reach)
                return True
        return False

    def between(self, a: Component, b: Component) -> P.PortSet:
        """Ports on which ``a`` can reach ``b`` (materialising the edge)."""
        ps: P.PortSet = {}
        for s in a.classes:
            for d in b.classes:
                reach = self.engine.pair(s, d)
                if reach is not None:
                    self.materialize(s, d, reach)
                    ps = P.union(ps, reach.ports)
        return ps
