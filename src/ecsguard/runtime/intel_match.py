"""Matching events against an ``IntelSet``: connects, DNS queries and answers, executed files'
hashes and YARA rules, plus the DGA heuristic used when no feed names a domain."""

from __future__ import annotations

import math
import os
import re
from collections import Counter, OrderedDict
from typing import Any

from ecsguard.runtime.alerts import Detection
from ecsguard.runtime.intel import DOMAIN_TYPES, IP_TYPES, SEVERITY, Indicator, IntelSet

__all__ = ["IntelDetector", "dga_score"]

_E: dict[str, Any] = {}

# ---------------------------------------------------------------- DGA heuristic

_SAFE_SUFFIXES = (
    "amazonaws.com",
    "cloudfront.net",
    "aws",
    "internal",
    "local",
    "localhost",
    "svc",
    "cluster.local",
    "amazon.com",
    "awsglobalaccelerator.com",
    "akamaiedge.net",
    "fastly.net",
    "googleapis.com",
    "gstatic.com",
    "azure.com",
    "windows.net",
    "arpa",
)


def dga_score(name: str) -> float:
    """0..1: how much the registered label looks machine-generated (entropy, vowels, digits)."""
    labels = name.lower().rstrip(".").split(".")
    if len(labels) < 2 or name.endswith(_SAFE_SUFFIXES):
        return 0.0
    label = labels[-2] if len(labels[-2]) > 3 or len(labels) < 3 else labels[-3]
    if len(label) < 10 or not label.isalnum():
        return 0.0
    counts = Counter(label)
    entropy = -sum(c / len(label) * math.log2(c / len(label)) for c in counts.values())
    vowels = sum(label.count(v) for v in "aeiou") / len(label)
    digits = sum(ch.isdigit() for ch in label) / len(label)
    longest_consonants = max(
        (len(run) for run in re.findall(r"[bcdfghjklmnpqrstvwxz]+", label)), default=0
    )
    score = 0.0
    score += 0.35 if entropy >= 3.3 else 0.0
    score += 0.25 if vowels < 0.25 else 0.0
    score += 0.2 if 0.1 < digits < 0.6 else 0.0
    score += 0.2 if longest_consonants >= 5 else 0.0
    score += 0.1 if len(label) >= 16 else 0.0
    return min(score, 1.0)


# ---------------------------------------------------------------- detector


def _sha256_of(process: dict[str, Any]) -> str | None:
    hashes = (process.get("file") or _E).get("hashes")
    if isinstance(hashes, dict):
        value = hashes.get("sha256") or hashes.get("SHA-256")
        return value.lower() if isinstance(value, str) else None
    if isinstance(hashes, list):
        for h in hashes:
            if isinstance(h, dict) and (
                h.get("algorithm_id") == 3
                or str(h.get("algorithm", "")).upper() in ("SHA-256", "SHA256")
            ):
                value = h.get("value")
                return value.lower() if isinstance(value, str) else None
    return None


class IntelDetector:
    """Matches connects, DNS queries/answers and executed files against an ``IntelSet``."""

    reads: tuple[tuple[str, ...], ...] = (
        ("connection_info", "direction_id"),
        ("src_endpoint", "ip"),
        ("dst_endpoint", "ip"),
        ("query", "hostname"),
        ("answers",),
        ("process", "file", "hashes"),
        ("process", "file", "path"),
    )

    def __init__(self, intel: IntelSet, dga_threshold: float = 0.8, yara_cache: int = 4096) -> None:
        self.intel = intel
        self.dga_threshold = dga_threshold
        classes = {4003}
        if intel.ips or intel.nets or intel.nets6:
            classes.add(4001)
        if intel.hashes or intel.yara is not None:
            classes.add(1007)
        self.classes = frozenset(classes)
        # FIFO caches: OrderedDict evicts the oldest in O(1) (see state.RuntimeState)
        self._dga_cache: OrderedDict[str, float] = OrderedDict()
        self._yara_cache: OrderedDict[tuple[int, int, int, int], list[str]] = OrderedDict()
        self._yara_cap = yara_cache

    def check(self, e: dict[str, Any], cls: int) -> list[Detection]:
        if cls == 4001:
            return self._network(e)
        if cls == 4003:
            return self._dns(e)
        if cls == 1007 and (self.intel.hashes or self.intel.yara is not None):
            return self._exec(e)
        return []

    def _network(self, e: dict[str, Any]) -> list[Detection]:
        intel = self.intel
        if not intel.ips and not intel.nets and not intel.nets6:
            return []
        inbound = (e.get("connection_info") or _E).get("direction_id") == 1
        remote = (e.get("src_endpoint") if inbound else e.get("dst_endpoint")) or _E
        ind = intel.ip(remote.get("ip"))
        if ind is None:
            return []
        ftype = IP_TYPES.get(ind.category, IP_TYPES["c2"])
        if ind.category == "tor" and inbound:
            ftype = IP_TYPES["tor_relay"]
        return [
            _hit(ftype, f"Connection with {ind.value} listed in {ind.source}", ind, "IPV4_ADDRESS")
        ]

    def _dns(self, e: dict[str, Any]) -> list[Detection]:
        query = (e.get("query") or _E).get("hostname")
        out: list[Detection] = []
        ind = self.intel.domain(query)
        if ind is not None:
            ftype = DOMAIN_TYPES.get(ind.category, DOMAIN_TYPES["c2"])
            out.append(_hit(ftype, f"DNS query for {query} listed in {ind.source}", ind, "DOMAIN"))
        answers = e.get("answers")
        if isinstance(answers, list) and (self.intel.ips or self.intel.nets):
            for ans in answers:
                rdata = ans.get("rdata") if isinstance(ans, dict) else None
                hit = self.intel.ip(rdata)
                if hit is not None:
                    ftype = DOMAIN_TYPES.get(hit.category, DOMAIN_TYPES["c2"])
                    out.append(
                        _hit(
                            ftype,
                            f"{query} resolves to {rdata} listed in {hit.source}",
                            hit,
                            "IPV4_ADDRESS",
                        )
                    )
                    break
        if not out and isinstance(query, str) and self._dga(query) >= self.dga_threshold:
            ind = Indicator(query, "dga", "dga-heuristic")
            out.append(
                _hit(
                    DOMAIN_TYPES["dga"],
                    f"DNS query for {query}, which looks algorithmically generated",
                    ind,
                    "DOMAIN",
                    rule_id="intel.dga_heuristic",
                )
            )
        return out

    def _dga(self, name: str) -> float:
        score = self._dga_cache.get(name)
        if score is None:
            score = self._dga_cache[name] = dga_score(name)
            if len(self._dga_cache) > 8192:
                self._dga_cache.popitem(last=False)
        return score

    def _exec(self, e: dict[str, Any]) -> list[Detection]:
        process = e.get("process") or _E
        digest = _sha256_of(process)
        ind = self.intel.hashes.get(digest) if digest else None
        if ind is not None:
            return [
                _hit(
                    "Execution:Runtime/MaliciousFileExecuted",
                    f"Executed file {(process.get('file') or _E).get('path')} has sha256 {digest} "
                    f"listed in {ind.source}",
                    ind,
                    "HASH_SHA256",
                    rule_id="intel.malicious_file_hash",
                )
            ]
        if self.intel.yara is not None:
            return self._yara(process)
        return []

    def _yara(self, process: dict[str, Any]) -> list[Detection]:
        path = (process.get("file") or _E).get("path")
        if not isinstance(path, str):
            return []
        try:
            st = os.stat(path)
        except OSError:
            return []
        key = (st.st_dev, st.st_ino, int(st.st_mtime_ns), st.st_size)
        names = self._yara_cache.get(key)
        if names is None:
            try:
                names = [m.rule for m in self.intel.yara.match(path, timeout=10)]
            except Exception:  # yara.Error: unreadable file, timeout
                names = []
            self._yara_cache[key] = names
            if len(self._yara_cache) > self._yara_cap:
                self._yara_cache.popitem(last=False)
        if not names:
            return []
        ind = Indicator(path, "malware", "yara", ",".join(names))
        ftype = (
            "Impact:Runtime/CryptoMinerExecuted"
            if any("miner" in n.lower() for n in names)
            else "Execution:Runtime/MaliciousFileExecuted"
        )
        return [
            _hit(
                ftype,
                f"Executed file {path} matches YARA rule(s) {', '.join(names)}",
                ind,
                "PROCESS",
                rule_id="intel.yara",
            )
        ]


def _hit(ftype: str, detail: str, ind: Indicator, ind_type: str, rule_id: str = "") -> Detection:
    return Detection(
        rule_id=rule_id or f"intel.{ind.category}",
        finding_type=ftype,
        severity=SEVERITY.get(ftype, "high"),
        title=f"Threat intelligence match: {ftype.split('/', 1)[-1]}",
        detail=detail,
        mitre=["T1071"] if "DNS" not in ftype else ["T1071.004"],
        source="intel",
        evidence={
            "indicator": ind.value,
            "indicator_type": ind_type,
            "list": ind.source,
            "category": ind.category,
            **({"name": ind.name} if ind.name else {}),
        },
    )
