"""Parser, script rendering, queue, OCSF mapping on records in the exact bpftrace JSON shape."""

from __future__ import annotations

import threading
from pathlib import Path

import orjson
import pytest

from ecsguard.agent.enrich import cgroup_container_id, split_image
from ecsguard.agent.ocsf import EventBuilder, decode_qname, open_flag_names
from ecsguard.agent.proctable import ProcessTable
from ecsguard.agent.queue import BoundedQueue
from ecsguard.agent.records import RecordParser
from ecsguard.agent.script import render_script, template


def line(data: str) -> bytes:
    """One line as bpftrace -f json prints a printf (data JSON-escaped)."""
    return orjson.dumps({"type": "printf", "data": data + "\n"})


def test_exec_parts_attach_to_following_head_and_build_launch() -> None:
    parser = RecordParser()
    assert parser.feed(line("Y\x1f4242\x1f0\x1f-c\x1fecho 'a\tb' \"q\"\x1f\x1f")) is None
    rec = parser.feed(line("X\x1f1000\x1f4242\x1f4242\x1f1\x1f0\x1f1\x1fbash\x1f/bin/bash\x1fbash"))
    assert rec is not None and rec.kind == "X" and rec.parts[:3] == ["0", "-c", "echo 'a\tb' \"q\""]
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h")
    event = builder.build(rec)
    assert event is not None
    assert (event["class_uid"], event["activity_id"], event["type_uid"]) == (1007, 1, 100701)
    assert event["process"]["cmd_line"] == "bash -c echo 'a\tb' \"q\""
    assert event["process"]["file"]["path"] == "/bin/bash"
    assert event["process"]["pid"] == 4242 and event["actor"]["process"]["pid"] == 1
    assert event["device"]["hostname"] == "h" and event["metadata"]["uid"]
    assert isinstance(event["time"], int)


def test_lost_events_and_garbage_are_counted() -> None:
    parser = RecordParser()
    parser.feed(b'{"type": "lost_events", "data": {"events": 17}}')
    parser.feed(b"not json")
    parser.feed(line("X\x1fnotanumber"))
    assert parser.lost == 17 and parser.malformed == 2


def test_dns_answers_precede_head_and_fill_answers_and_endpoint_names() -> None:
    parser = RecordParser()
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h")
    for data in ("R\x1f77\x1f10.0.0.5", "R\x1f77\x1f10.0.0.5", "R\x1f77\x1f2001:db8::1"):
        assert parser.feed(line(data)) is None
    rec = parser.feed(line("D\x1f5\x1f77\x1f77\x1f1\x1f0\x1f1\x1fcurl\x1f0\x1fapi.example.com"))
    assert rec is not None
    dns = builder.build(rec)
    assert dns is not None and dns["class_uid"] == 4003
    assert dns["query"]["hostname"] == "api.example.com"
    assert dns["answers"] == [{"rdata": "10.0.0.5"}, {"rdata": "2001:db8::1"}]
    conn = parser.feed(
        line("C\x1f6\x1f77\x1f77\x1f1\x1f0\x1f1\x1fcurl\x1f2\x1f6\x1f443\x1f10.0.0.5")
    )
    assert conn is not None
    net = builder.build(conn)
    assert net is not None and net["dst_endpoint"] == {
        "ip": "10.0.0.5",
        "port": 443,
        "hostname": "api.example.com",
    }
    assert net["connection_info"] == {"protocol_name": "TCP", "direction_id": 2}


def test_numeric_host_lookups_are_not_dns_events() -> None:
    parser = RecordParser()
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h")
    rec = parser.feed(line("D\x1f5\x1f7\x1f7\x1f1\x1f0\x1f1\x1fpy\x1f0\x1f127.0.0.1"))
    assert rec is not None and builder.build(rec) is None


def test_open_flags_pick_activity_and_names() -> None:
    assert open_flag_names(0o1101) == "O_WRONLY|O_CREAT|O_TRUNC"
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h")
    parser = RecordParser()
    rec = parser.feed(line("O\x1f1\x1f9\x1f9\x1f1\x1f0\x1f1\x1fcat\x1f0\x1f/etc/shadow"))
    assert rec is not None
    event = builder.build(rec)
    assert event is not None
    assert (event["class_uid"], event["activity_id"]) == (1001, 14)
    assert event["file"] == {"path": "/etc/shadow", "name": "shadow", "type_id": 1}
    assert event["unmapped"]["open_flags"] == "O_RDONLY"


def test_unix_connect_carries_socket_path() -> None:
    parser = RecordParser()
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h")
    rec = parser.feed(
        line("C\x1f1\x1f9\x1f9\x1f1\x1f0\x1f1\x1fcurl\x1f1\x1f1\x1f0\x1f/var/run/docker.sock")
    )
    assert rec is not None
    event = builder.build(rec)
    assert event is not None
    assert event["unmapped"]["socket_path"] == "/var/run/docker.sock"
    assert event["connection_info"]["protocol_name"] == "unix"


def test_render_drops_sections_whose_probe_is_missing(tmp_path: Path) -> None:
    events = tmp_path / "events" / "syscalls"
    for name in ("sys_enter_execve", "sys_exit_execve", "sys_enter_openat"):
        (events / name).mkdir(parents=True)
    rendered = render_script(template(), tracefs=tmp_path, libc=None)
    assert "exec" in rendered.sections
    missing = dict(rendered.missing)
    assert "dns" in missing and "init_module" in missing and "connect" in missing
    assert "sys_enter_connect" not in rendered.text and "@@LIBC@@" not in rendered.text
    assert not any(ln.startswith("//@") for ln in rendered.text.splitlines())


def test_render_honours_skip(tmp_path: Path) -> None:
    (tmp_path / "events" / "syscalls" / "sys_enter_openat").mkdir(parents=True)
    rendered = render_script(template(), tracefs=tmp_path, libc=None, skip=frozenset({"open"}))
    assert dict(rendered.missing)["open"] == "disabled"


def test_bounded_queue_drops_and_counts_when_full() -> None:
    queue: BoundedQueue[int] = BoundedQueue(100)
    assert queue.put_many(range(250)) == 100
    assert (queue.accepted, queue.dropped, len(queue)) == (100, 150, 100)
    assert queue.get_many(60) == list(range(60))
    assert queue.put_many(range(100)) == 60
    got: list[int] = []
    done = threading.Event()

    def consume() -> None:
        while not queue.closed:
            got.extend(queue.get_many(1000, timeout=0.05))
        done.set()

    threading.Thread(target=consume).start()
    queue.close()
    assert done.wait(5)
    assert len(got) == 100
    with pytest.raises(ValueError):
        BoundedQueue(0)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "0::/system.slice/docker-" + "a" * 64 + ".scope",
            "a" * 64,
        ),
        ("12:pids:/ecs/5b6e3c33e4d94d5f9f57d3f1b0f1a2c3/" + "b" * 64, "b" * 64),
        (
            "0::/ecs/cd189a933e5849daa93386466019ab50/cd189a933e5849daa93386466019ab50-2495160603",
            "cd189a933e5849daa93386466019ab50-2495160603",
        ),
        ("0::/user.slice/user-0.slice/session-1.scope", None),
    ],
)
def test_container_id_from_cgroup(path: str, expected: str | None) -> None:
    assert cgroup_container_id(path) == expected


def test_split_image() -> None:
    assert split_image("111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest") == (
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest",
        "latest",
    )
    assert split_image("registry:5000/app") == ("registry:5000/app", "latest")
    assert split_image("nginx@sha256:abc") == ("nginx", "sha256:abc")
    assert split_image(None) == (None, None)


def test_dns_packet_query_with_a_31_byte_label() -> None:
    label = "a" * 31  # its length byte is the record separator
    raw = f"\x04pool\x1f{label}\x03com"
    parser = RecordParser()
    rec = parser.feed(line(f"Q\x1f5\x1f9\x1f9\x1f1\x1f0\x1f1\x1fgo-app\x1f10.0.0.2\x1f{raw}"))
    assert rec is not None
    event = EventBuilder(ProcessTable(proc_root="/nonexistent"), None, hostname="h").build(rec)
    assert event is not None
    assert (event["class_uid"], event["activity_id"]) == (4003, 1)
    assert event["query"] == {"hostname": f"pool.{label}.com"}
    assert event["dst_endpoint"] == {"ip": "10.0.0.2", "port": 53}
    assert event["unmapped"]["syscall"] == "dns_query"


def test_decode_qname() -> None:
    assert decode_qname("\x03www\x07Example\x03com") == ("www.example.com", True)
    assert decode_qname("\x03www\x07exa") == ("www", False)  # cut inside a label
    assert decode_qname("") == ("", True)
