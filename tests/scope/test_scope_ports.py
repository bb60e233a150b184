"""Port-set algebra that every reachability verdict rests on (property-based)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecsguard.scope import ports as P

PROTOS = st.sampled_from(["tcp", "udp", "icmp", "-1", "50"])
RULE = st.tuples(PROTOS, st.integers(-1, 65535), st.integers(-1, 65535))


def _set(rules: list[tuple[str, int, int]]) -> P.PortSet:
    out: P.PortSet = {}
    for proto, lo, hi in rules:
        out = P.union(out, P.rule_ports(proto, min(lo, hi), max(lo, hi)))
    return out


@settings(max_examples=400, deadline=None)
@given(
    st.lists(RULE, max_size=4),
    st.lists(RULE, max_size=4),
    st.sampled_from(["tcp", "udp", "p50"]),
    st.integers(0, 65535),
)
def test_union_intersect_subtract_agree_with_membership(
    a: list[tuple[str, int, int]], b: list[tuple[str, int, int]], proto: str, port: int
) -> None:
    sa, sb = _set(a), _set(b)
    key = proto if proto != "p50" else "p50"
    in_a, in_b = P.covers(sa, key, port), P.covers(sb, key, port)
    assert P.covers(P.union(sa, sb), key, port) == (in_a or in_b)
    assert P.covers(P.intersect(sa, sb), key, port) == (in_a and in_b)
    assert P.covers(P.subtract(sa, sb), key, port) == (in_a and not in_b)


def test_labels_and_all_traffic() -> None:
    assert P.label(P.rule_ports("-1", -1, -1)) == "all"
    assert P.label(P.rule_ports("tcp", 443, 443)) == "tcp/443"
    assert P.label(P.rule_ports("tcp", 8000, 8100)) == "tcp/8000-8100"
    assert P.is_all(P.rule_ports("-1", -1, -1)) and not P.is_all(P.rule_ports("tcp", -1, -1))
    assert P.intersect(P.rule_ports("-1", -1, -1), P.rule_ports("50", -1, -1)) == {"p50": P.FULL}
