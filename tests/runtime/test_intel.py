"""Threat-intel loading (text, abuse.ch CSV/JSON, STIX 2.1, YARA) and matching on events."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from ecsguard.runtime import load_engine
from ecsguard.runtime.examples import build_event
from ecsguard.runtime.intel import load_intel
from ecsguard.runtime.intel_match import dga_score

FEODO = """################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)           #
################################################################
#
# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2025-11-01 10:00:00","198.51.100.23","443","online","2025-12-01","QakBot"
"2025-11-02 10:00:00","192.0.2.141","8080","offline","2025-11-20","Emotet"
# Number of entries: 2
"""
URLHAUS = """# abuse.ch URLhaus Database Dump (CSV - recent URLs)
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3321","2025-12-01 09:00:00","http://payload-drop.example/bins/x86","online","2025-12-01","malware_download","elf","https://urlhaus.abuse.ch/url/3321/","anon"
"""
STIX = {
    "type": "bundle",
    "id": "bundle--1",
    "objects": [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--a",
            "name": "Tor guard node",
            "indicator_types": ["anonymization"],
            "pattern": "[ipv4-addr:value = '203.0.113.9']",
            "pattern_type": "stix",
            "valid_from": "2025-01-01T00:00:00Z",
        },
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--b",
            "name": "phishing kit host",
            "indicator_types": ["malicious-activity"],
            "pattern": "[domain-name:value = 'login-verify.example']",
            "pattern_type": "stix",
            "valid_from": "2025-01-01T00:00:00Z",
        },
    ],
}
THREATFOX = {
    "1001": [
        {
            "ioc_value": "evil-c2.example",
            "ioc_type": "domain",
            "threat_type": "botnet_cc",
            "malware_printable": "Sliver",
        }
    ],
    "1002": [
        {"ioc_value": "45.33.32.156:3333", "ioc_type": "ip:port", "threat_type": "payload_delivery"}
    ],
}


@pytest.fixture
def intel_dir(tmp_path: Path) -> Path:
    d = tmp_path / "intel"
    d.mkdir()
    (d / "feodo_ipblocklist.csv").write_text(FEODO)
    (d / "urlhaus_recent.csv").write_text(URLHAUS)
    (d / "stix_bundle.json").write_text(orjson.dumps(STIX).decode())
    (d / "threatfox.json").write_text(orjson.dumps(THREATFOX).decode())
    (d / "tor-exit-nodes.txt").write_text("# tor\n203.0.113.10\n2001:db8::/32\n")
    (d / "miner-pools.txt").write_text("pool.bad-miner.example\n100.64.9.0/24\n")
    (d / "malwarebazaar_sha256.txt").write_text(hashlib.sha256(b"evil").hexdigest() + "\n")
    return d


def test_loader_reads_every_layout(intel_dir: Path) -> None:
    intel = load_intel(intel_dir)
    assert intel.problems == []
    assert intel.ip("198.51.100.23").category == "c2"  # type: ignore[union-attr]
    assert intel.domain("payload-drop.example").category == "driveby"  # type: ignore[union-attr]
    assert intel.ip("203.0.113.9").category == "tor"  # type: ignore[union-attr]
    assert intel.domain("www.login-verify.example").category == "phishing"  # type: ignore[union-attr]
    assert intel.domain("evil-c2.example").category == "c2"  # type: ignore[union-attr]
    assert intel.ip("45.33.32.156").category == "driveby"  # type: ignore[union-attr]
    assert intel.ip("100.64.9.77").category == "crypto"  # type: ignore[union-attr]
    assert intel.ip("2001:db8::5").category == "tor"  # type: ignore[union-attr]
    assert intel.ip("8.8.8.8") is None and intel.domain("example.com") is None


def _types(engine: object, events: list[dict[str, object]]) -> list[str]:
    out = []
    for ev in events:
        out += [a.finding_type for a in engine.process(ev)]  # type: ignore[attr-defined]
    out += [a.finding_type for a in engine.flush()]  # type: ignore[attr-defined]
    return out


def test_matches_connects_dns_answers_and_hashes(intel_dir: Path) -> None:
    engine = load_engine(intel_dir=intel_dir)
    events = [
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "dst_endpoint": {"ip": "198.51.100.23", "port": 443},
                "connection_info": {"direction_id": 2},
            },
            1,
        ),
        build_event(
            {
                "class_uid": 4003,
                "actor": {"process": {"name": "java"}},
                "query": {"hostname": "cdn.payload-drop.example"},
            },
            2,
        ),
        build_event(
            {
                "class_uid": 4003,
                "actor": {"process": {"name": "java"}},
                "query": {"hostname": "looks-fine.example"},
                "answers": [{"rdata": "100.64.9.3"}],
            },
            3,
        ),
        build_event(
            {
                "class_uid": 1007,
                "process": {
                    "name": "x",
                    "file": {
                        "path": "/tmp/x",
                        "hashes": [
                            {"algorithm_id": 3, "value": hashlib.sha256(b"evil").hexdigest()}
                        ],
                    },
                },
            },
            4,
        ),
        build_event(
            {
                "class_uid": 4001,
                "actor": {"process": {"name": "java"}},
                "src_endpoint": {"ip": "203.0.113.10", "port": 50000},
                "dst_endpoint": {"ip": "10.0.1.5", "port": 9001},
                "connection_info": {"direction_id": 1},
            },
            5,
        ),
    ]
    assert _types(engine, events) == [
        "Backdoor:Runtime/C&CActivity.B",
        "Trojan:Runtime/DriveBySourceTraffic!DNS",
        "CryptoCurrency:Runtime/BitcoinTool.B!DNS",
        "Execution:Runtime/MaliciousFileExecuted",
        "UnauthorizedAccess:Runtime/TorRelay",
    ]


def test_yara_scans_executed_file_once(tmp_path: Path) -> None:
    rules = tmp_path / "yara"
    rules.mkdir()
    (rules / "miner.yar").write_text(
        'rule xmrig_miner { strings: $a = "donate-level" condition: $a }'
    )
    binary = tmp_path / "kworker"
    binary.write_bytes(b"\x7fELF....--donate-level=1....")
    engine = load_engine(yara_dir=rules)
    event = build_event(
        {"class_uid": 1007, "process": {"name": "kworker", "file": {"path": str(binary)}}}
    )
    found = _types(engine, [event, event])
    assert found == ["Impact:Runtime/CryptoMinerExecuted"]
    detector = next(d for d in engine.detectors if hasattr(d, "_yara_cache"))
    assert len(detector._yara_cache) == 1  # cached by (device, inode, mtime, size)


def test_dga_heuristic_separates_generated_names() -> None:
    assert dga_score("xkqjzvbwtpl7rmfh.com") >= 0.8
    for name in (
        "payments-db.cluster-c9xk2.us-east-1.rds.amazonaws.com",
        "registry.npmjs.org",
        "api.stripe.com",
        "d111111abcdef8.cloudfront.net",
        "fonts.googleapis.com",
    ):
        assert dga_score(name) < 0.8, name


def test_missing_intel_directory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    engine = load_engine(intel_dir=tmp_path / "nope")
    assert any("not a directory" in str(p) for p in engine.problems)
