"""procfs (Fargate sidecar) mode on this machine's real /proc: one poll after an action sees it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from ecsguard.agent.procfs import ProcfsCapture, parse_net_table

from .conftest import env_with_src

CLI = "import sys; from ecsguard.cli import main; main(sys.argv[1:])"


def _events(capture: ProcfsCapture) -> list[dict]:
    out = []
    for rec in capture.poll():
        event = capture.builder.build(rec)
        if event is not None:
            out.append(event)
    capture._first = False
    return out


def test_spawned_process_is_seen_in_the_next_poll() -> None:
    capture = ProcfsCapture(interval=0.2, hostname="fargate-task")
    assert _events(capture) == []  # the first pass only learns what already runs
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "marker-7"])
    try:
        time.sleep(0.05)
        events = _events(capture)
        launch = [e for e in events if e["class_uid"] == 1007 and e["process"]["pid"] == child.pid]
        assert len(launch) == 1
        proc = launch[0]["process"]
        assert proc["cmd_line"].endswith("-c import time; time.sleep(30) marker-7")
        assert proc["file"]["path"] == os.path.realpath(sys.executable)
        assert proc["parent_process"]["pid"] == os.getpid()
        assert launch[0]["actor"]["process"]["pid"] == os.getpid()
        assert not [e for e in _events(capture) if e.get("process", {}).get("pid") == child.pid]
    finally:
        child.kill()
        child.wait()


def test_connection_is_seen_in_the_next_poll() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    capture = ProcfsCapture(interval=0.2, hostname="fargate-task")
    _events(capture)
    code = f"import socket,time;s=socket.create_connection(('127.0.0.1',{port}));time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        conn, _ = listener.accept()
        events = _events(capture)
        connects = [
            e for e in events
            if e["class_uid"] == 4001 and e["actor"]["process"]["pid"] == child.pid
        ]  # fmt: skip
        assert len(connects) == 1
        assert connects[0]["dst_endpoint"] == {"ip": "127.0.0.1", "port": port}
        assert connects[0]["connection_info"] == {"protocol_name": "TCP", "direction_id": 2}
        assert connects[0]["actor"]["process"]["cmd_line"].endswith(code)
        conn.close()
    finally:
        child.kill()
        child.wait()
        listener.close()


def test_sensitive_file_held_open_is_seen() -> None:
    capture = ProcfsCapture(interval=0.2)
    _events(capture)
    code = "import time;f=open('/etc/shadow');time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        found: list[dict] = []
        while not found and time.monotonic() < deadline:  # until the child has opened it
            found = [e for e in _events(capture) if e.get("file", {}).get("path") == "/etc/shadow"]
        assert found and found[0]["actor"]["process"]["pid"] == child.pid
        assert found[0]["activity_id"] == 14
    finally:
        child.kill()
        child.wait()


def test_parse_real_proc_net_tables() -> None:
    listener = socket.socket(socket.AF_INET6)
    listener.bind(("::1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        rows = parse_net_table(Path("/proc/net/tcp6").read_text(), 10, 6)
        mine = [r for r in rows if r.local_port == port]
        assert mine and mine[0].local_ip == "::1" and mine[0].state == "0A"
    finally:
        listener.close()


def test_agent_command_in_procfs_mode_streams_ocsf(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    cmd = [sys.executable, "-c", CLI, "agent", "--mode", "procfs", "--poll-interval", "0.2",
           "--sink", f"file:{out}", "--duration", "3.5"]  # fmt: skip
    agent = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env_with_src())
    assert agent.stderr is not None
    ready = agent.stderr.readline()
    assert b"agent_ready" in ready

    def spawn() -> None:  # a few in a row: the first may start before the agent's first poll
        for _ in range(3):
            subprocess.run(["sleep", "0.7"], check=True)

    stopper = threading.Timer(0.3, spawn)
    stopper.start()
    _, err = agent.communicate(timeout=30)
    stopper.join()
    assert agent.returncode == 0
    stats = orjson.loads(err.splitlines()[-1])["agent_stats"]
    assert stats["dropped"] == 0
    events = [orjson.loads(ln) for ln in out.read_bytes().splitlines()]
    assert any(e["class_uid"] == 1007 and e["process"]["cmd_line"] == "sleep 0.7" for e in events)
