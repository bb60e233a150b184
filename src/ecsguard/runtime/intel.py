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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ecsguard.runtime.rules import Problem

__all__ = [
    "DOMAIN_TYPES",
    "IP_TYPES",
    "SEVERITY",
    "Indicator",
    "IntelSet",
    "category_for",
    "load_intel",
]

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
