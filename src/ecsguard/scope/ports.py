"""Port sets per protocol: the unit in which security-group and NACL reachability is computed.

A ``PortSet`` maps a protocol key (``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``pN`` for another
IP protocol number, ``*`` for "every other protocol") to sorted, merged inclusive intervals.
"""

from __future__ import annotations

Intervals = tuple[tuple[int, int], ...]
PortSet = dict[str, Intervals]

FULL: Intervals = ((0, 65535),)
NAMED = ("tcp", "udp", "icmp", "icmpv6")
ALL: PortSet = {"tcp": FULL, "udp": FULL, "icmp": FULL, "icmpv6": FULL, "*": FULL}


def merge(intervals: list[tuple[int, int]]) -> Intervals:
    if not intervals:
        return ()
    ordered = sorted(intervals)
    out = [ordered[0]]
    for lo, hi in ordered[1:]:
        plo, phi = out[-1]
        if lo <= phi + 1:
            out[-1] = (plo, max(phi, hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def rule_ports(protocol: str, from_port: int, to_port: int) -> PortSet:
    """The port set one security-group rule (or NACL entry) admits."""
    if protocol in ("-1", "all"):
        return dict(ALL)
    if protocol in ("icmp", "icmpv6"):
        return {protocol: FULL}  # ICMP type/code filtering does not change scope
    key = protocol if protocol in NAMED else f"p{protocol}"
    if key in ("tcp", "udp"):
        if (from_port == -1 and to_port == -1) or from_port is None:
            return {key: FULL}
        lo, hi = max(from_port, 0), min(to_port if to_port >= 0 else 65535, 65535)
        return {key: ((lo, hi),)} if lo <= hi else {}
    return {key: FULL}


def union(a: PortSet, b: PortSet) -> PortSet:
    if not a:
        return dict(b)
    if not b:
        return dict(a)
    out: PortSet = {}
    masks = "*" in a or "*" in b
    for key in set(a) | set(b):
        ivs = merge([*_pick(a, key), *_pick(b, key)])
        if ivs or (masks and key.startswith("p")):
            out[key] = ivs
    return out


def _pick(ps: PortSet, key: str) -> Intervals:
    if key in ps:
        return ps[key]
    if key.startswith("p"):
        return ps.get("*", ())
    return ()


def _cut(a: Intervals, b: Intervals) -> Intervals:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def intersect(a: PortSet, b: PortSet) -> PortSet:
    out: PortSet = {}
    for key in set(a) | set(b):
        ivs = _cut(_pick(a, key), _pick(b, key))
        if ivs:
            out[key] = ivs
    return out


def subtract(a: PortSet, b: PortSet) -> PortSet:
    out: PortSet = {}
    if "*" in a:
        # "every other protocol" minus a named one: name it, so that "*" no longer covers it
        for key in b:
            if key.startswith("p") and key not in a:
                masked = subtract({key: a["*"]}, {key: b[key]})
                out[key] = masked.get(key, ())
    for key, ivs in a.items():
        rest = list(ivs)
        for blo, bhi in _pick(b, key):
            nxt: list[tuple[int, int]] = []
            for lo, hi in rest:
                if bhi < lo or blo > hi:
                    nxt.append((lo, hi))
                    continue
                if lo < blo:
                    nxt.append((lo, blo - 1))
                if hi > bhi:
                    nxt.append((bhi + 1, hi))
            rest = nxt
        if rest or (key.startswith("p") and "*" in a):
            out[key] = tuple(rest)  # an empty pN entry keeps "*" from covering it
    return out


def is_everything(ps: PortSet) -> bool:
    """Every protocol on every port (an "all traffic" rule)."""
    return len(ps) == len(ALL) and all(ps.get(k) == FULL for k in ALL)


_labels: dict[tuple[tuple[str, Intervals], ...], str] = {}


def cached_label(ps: PortSet) -> str:
    key = tuple(sorted(ps.items()))
    hit = _labels.get(key)
    if hit is None:
        hit = _labels[key] = label(ps)
    return hit


def is_all(ps: PortSet) -> bool:
    """True when tcp and udp are open on every port (unrestricted connectivity)."""
    return ps.get("tcp") == FULL and ps.get("udp") == FULL


def covers(ps: PortSet, protocol: str, port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in _pick(ps, protocol))


def label(ps: PortSet) -> str:
    """``tcp/443,tcp/8000-8100`` or ``all``; stable order for diffs."""
    if not ps:
        return ""
    if all(ps.get(k) == FULL for k in ALL) and all(ps.values()):
        return "all"
    parts: list[str] = []
    for key in sorted(ps):
        for lo, hi in ps[key]:  # an empty entry only masks "*" and prints nothing
            if (lo, hi) == (0, 65535):
                parts.append(f"{key}/*")
            elif lo == hi:
                parts.append(f"{key}/{lo}")
            else:
                parts.append(f"{key}/{lo}-{hi}")
    return ",".join(parts)
