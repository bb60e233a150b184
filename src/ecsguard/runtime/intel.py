"""Threat intelligence: IP/CIDR, domain and sha256 lists, STIX 2.1 bundles, YARA on executed files.

``--intel DIR`` loads every file in DIR. The category (which GuardDuty finding type a hit
becomes) comes from the file name (``c2``, ``feodo``, ``tor``, ``miner``/``crypto``/``bitcoin``,
``blackhole``/``sinkhole``, ``drop``, ``dga``, ``driveby``/``urlhaus``, ``phish``, ``abused``,
``suspicious``) or, for abuse.ch ThreatFox and STIX, from each record. Formats: plain text (one
indicator per line, ``#`` comments), abuse.ch CSV layouts (Feodo, URLhaus, MalwareBazaar,
ThreatFox), ThreatFox JSON, STIX 2.1 bundles, ``*.yar``/``*.yara`` rules.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ecsguard.runtime.alerts import Detection
from ecsguard.runtime.rules import Problem

__all__ = ["IntelDetector", "IntelSet", "dga_score", "load_intel"]

_E: dict[str, Any] = {}
IP_TYPES = {
    "c2": "Backdoor:Runtime/C&CActivity.B",
    "crypto": "CryptoCurrency:Runtime/BitcoinTool.B",
    "tor": "UnauthorizedAccess:Runtime/TorClient",
    "tor_relay": "UnauthorizedAccess:Runtime/TorRelay",
    "blackhole": "Trojan:Runtime/BlackholeTraffic",
    "droppoint": "Trojan:Runtime/DropPoint",
}
DOMAIN_TYPES = {
    "c2": "Backdoor:Runtime/C&CActivity.B!DNS",
    "crypto": "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
    "blackhole": "Trojan:Runtime/BlackholeTraffic!DNS",
    "droppoint": "Trojan:Runtime/DropPoint!DNS",
    "dga": "Trojan:Runtime/DGADomainRequest.C!DNS",
    "driveby": "Trojan:Runtime/DriveBySourceTraffic!DNS",
    "phishing": "Trojan:Runtime/PhishingDomainRequest!DNS",
    "tor": "UnauthorizedAccess:Runtime/TorClient",
    "abused": "Impact:Runtime/AbusedDomainRequest.Reputation",
    "malicious": "Impact:Runtime/MaliciousDomainRequest.Reputation",
    "suspicious": "Impact:Runtime/SuspiciousDomainRequest.Reputation",
}
SEVERITY = {
    "Trojan:Runtime/BlackholeTraffic": "medium",
    "Trojan:Runtime/DropPoint": "medium",
    "Trojan:Runtime/BlackholeTraffic!DNS": "medium",
    "Trojan:Runtime/DropPoint!DNS": "medium",
    "Impact:Runtime/AbusedDomainRequest.Reputation": "medium",
    "Impact:Runtime/SuspiciousDomainRequest.Reputation": "low",
}
_CATEGORY_WORDS = [
    ("tor_relay", ("relay",)),
    ("tor", ("tor",)),
    ("crypto", ("miner", "crypto", "bitcoin", "mining", "coin")),
    ("blackhole", ("blackhole", "sinkhole")),
    ("droppoint", ("drop",)),
    ("dga", ("dga",)),
    ("driveby", ("driveby", "drive-by", "drive_by", "urlhaus", "payload")),
    ("phishing", ("phish",)),
    ("abused", ("abused", "dyndns")),
    ("suspicious", ("suspicious",)),
    ("c2", ("c2", "c&c", "cnc", "feodo", "botnet", "command")),
]
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$"
)
_STIX_VALUE = re.compile(
    r"(ipv4-addr|ipv6-addr|domain-name|url|file:hashes\.'?SHA-256'?)(?::value)?\s*=\s*'([^']+)'",
    re.I,
)


@dataclass(slots=True)
class Indicator:
    value: str
    category: str
    source: str
    name: str = ""


@dataclass(slots=True)
class IntelSet:
    ips: dict[str, Indicator] = field(default_factory=dict)
    nets: dict[int, dict[int, Indicator]] = field(default_factory=dict)  # v4 prefixlen -> net int
    nets6: list[tuple[Any, Indicator]] = field(default_factory=list)
    domains: dict[str, Indicator] = field(default_factory=dict)
    hashes: dict[str, Indicator] = field(default_factory=dict)
    yara: Any = None
    problems: list[Problem] = field(default_factory=list)

    def add(self, raw: str, category: str, source: str, name: str = "") -> bool:
        value = raw.strip().strip('"').lower()
        if not value:
            return False
        if "://" in value:
            value = value.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
            if value.startswith("[") or value.count(":") == 1:
                value = value.rsplit(":", 1)[0].strip("[]")
        elif value.count(":") == 1 and "." in value:  # ip:port
            value = value.split(":", 1)[0]
        ind = Indicator(value, category, source, name)
        if _SHA256.match(value):
            self.hashes[value] = ind
            return True
        try:
            if "/" in value:
                net = ipaddress.ip_network(value, strict=False)
                if net.version == 4:
                    self.nets.setdefault(net.prefixlen, {})[int(net.network_address)] = ind
                else:
                    self.nets6.append((net, ind))
            else:
                self.ips[str(ipaddress.ip_address(value))] = ind
            return True
        except ValueError:
            pass
        if _DOMAIN.match(value.rstrip(".")):
            self.domains[value.rstrip(".")] = ind
            return True
        return False

    def ip(self, value: Any) -> Indicator | None:
        if not isinstance(value, str):
            return None
        hit = self.ips.get(value)
        if hit is not None or not (self.nets or self.nets6):
            return hit
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            return None
        if addr.version == 4:
            as_int = int(addr)
            for plen, table in self.nets.items():
                found = table.get(as_int >> (32 - plen) << (32 - plen))
                if found is not None:
                    return found
            return None
        return next((ind for net, ind in self.nets6 if addr in net), None)

    def domain(self, name: Any) -> Indicator | None:
        if not isinstance(name, str) or not self.domains:
            return None
        name = name.lower().rstrip(".")
        while name:
            hit = self.domains.get(name)
            if hit is not None:
                return hit
            _, _, name = name.partition(".")
        return None


def category_for(name: str, default: str = "c2") -> str:
    lowered = name.lower()
    for category, words in _CATEGORY_WORDS:
        if any(
            w in re.split(r"[^a-z0-9&_-]+|[_-]", lowered) or (len(w) > 3 and w in lowered)
            for w in words
        ):
            return category
    return default


def _threat_type_category(threat_type: str, fallback: str) -> str:
    t = threat_type.lower()
    if "botnet" in t or "cc" in t:
        return "c2"
    if "payload" in t:
        return "driveby"
    return category_for(t, fallback)


def _load_csv(intel: IntelSet, text: str, category: str, source: str) -> int:
    lines = text.splitlines()
    header: list[str] | None = None
    body: list[str] = []
    for line in lines:
        if line.startswith("#"):
            stripped = line.lstrip("# ").strip()
            if stripped.count(",") >= 2 and ('"' in stripped or "_" in stripped):
                header = next(csv.reader([stripped]))
            continue
        body.append(line)
    rows = list(csv.reader(io.StringIO("\n".join(body))))
    if header is None and rows and not any(_looks_indicator(c) for c in rows[0]):
        header, rows = rows[0], rows[1:]
    cols = [h.strip().strip('"').lower() for h in header] if header else []
    added = 0
    for row in rows:
        record = dict(zip(cols, (c.strip() for c in row), strict=False)) if cols else {}
        cat = (
            _threat_type_category(record.get("threat_type", ""), category)
            if "threat_type" in record
            else category
        )
        for key in (
            "ioc_value",
            "ioc",
            "dst_ip",
            "ip_address",
            "ip",
            "sha256_hash",
            "sha256",
            "url",
            "domain",
            "host",
        ):
            if record.get(key):
                added += intel.add(
                    record[key],
                    cat,
                    source,
                    record.get("malware") or record.get("malware_printable") or "",
                )
                break
        else:
            added += sum(intel.add(c, cat, source) for c in row if _looks_indicator(c))
    return added


def _looks_indicator(cell: str) -> bool:
    cell = cell.strip().strip('"')
    return bool(_SHA256.match(cell) or re.match(r"^\d+\.\d+\.\d+\.\d+", cell) or "://" in cell)


def _load_json(intel: IntelSet, data: Any, category: str, source: str) -> int:
    added = 0
    if isinstance(data, dict) and data.get("type") == "bundle":
        for obj in data.get("objects") or []:
            if isinstance(obj, dict) and obj.get("type") == "indicator":
                hint = " ".join(
                    [
                        str(obj.get("name", "")),
                        " ".join(map(str, obj.get("indicator_types") or [])),
                        " ".join(map(str, obj.get("labels") or [])),
                    ]
                )
                cat = category_for(hint, category)
                for _, value in _STIX_VALUE.findall(str(obj.get("pattern", ""))):
                    added += intel.add(value, cat, source, str(obj.get("name", "")))
        return added
    records: list[Any] = []
    if isinstance(data, dict):
        for value in data.values():
            records.extend(value if isinstance(value, list) else [value])
    elif isinstance(data, list):
        records = data
    for rec in records:
        if isinstance(rec, dict) and rec.get("ioc_value"):
            cat = _threat_type_category(str(rec.get("threat_type", "")), category)
            added += intel.add(
                str(rec["ioc_value"]), cat, source, str(rec.get("malware_printable", ""))
            )
    return added


def _load_file(intel: IntelSet, path: Path) -> None:
    category = category_for(path.stem)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        intel.problems.append(Problem(str(path), 0, 0, f"cannot read: {exc.strerror}"))
        return
    if path.suffix == ".json":
        try:
            _load_json(intel, orjson.loads(text), category, source)
        except orjson.JSONDecodeError as exc:
            intel.problems.append(Problem(str(path), exc.lineno, exc.colno, f"bad JSON: {exc.msg}"))
        return
    if path.suffix == ".csv" or text.lstrip("#").count(",") > text.count("\n") // 2 + 1:
        _load_csv(intel, text, category, source)
        return
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            intel.add(line.split()[0], category, source)


def load_intel(directory: Path | None, yara_dir: Path | None = None) -> IntelSet:
    """Load every intel file of ``directory`` (and YARA rules from it or ``yara_dir``)."""
    intel = IntelSet()
    yara_files: list[Path] = []
    for base in (directory, yara_dir):
        if base is None:
            continue
        if not base.is_dir():
            intel.problems.append(Problem(str(base), 0, 0, "not a directory"))
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.suffix in (".yar", ".yara"):
                yara_files.append(path)
            elif base is directory:
                _load_file(intel, path)
    if yara_files:
        intel.yara = _compile_yara(intel, yara_files)
    return intel


def _compile_yara(intel: IntelSet, files: list[Path]) -> Any:
    import yara

    try:
        return yara.compile(filepaths={f"r{i}": str(p) for i, p in enumerate(files)})
    except yara.SyntaxError as exc:
        intel.problems.append(Problem(str(files[0]), 0, 0, f"YARA: {exc}"))
        return None


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
        self._dga_cache: dict[str, float] = {}
        self._yara_cache: dict[tuple[int, int, int, int], list[str]] = {}
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
                del self._dga_cache[next(iter(self._dga_cache))]
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
                del self._yara_cache[next(iter(self._yara_cache))]
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
