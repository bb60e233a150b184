"""Fargate capture: poll ``/proc`` from a sidecar that shares the task's pid namespace.

Fargate offers no eBPF, so a sidecar with ``pidMode: task`` polls: new processes (cmdline, exe,
parent), sockets (``/proc/net/tcp*``/``udp*``, owners found through ``/proc/PID/fd``) and open
files (sensitive paths, files open for writing). Observations become the same records the eBPF
capture produces, so the OCSF mapping is shared. What polling cannot see is in docs/agent.md.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ecsguard.agent.capture import CaptureStats
from ecsguard.agent.enrich import Enricher
from ecsguard.agent.ocsf import EventBuilder
from ecsguard.agent.proctable import ProcessTable, read_proc
from ecsguard.agent.records import Record

__all__ = ["ProcfsCapture", "parse_net_table"]

SENSITIVE_PREFIXES = (
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ssh/",
    "/root/.ssh/",
    "/root/.aws/",
    "/etc/ecs/",
    "/var/lib/ecs/",
    "/run/secrets/",
    "/var/run/secrets/",
    "/var/run/docker.sock",
)
_TCP_LISTEN, _TCP_ESTABLISHED, _TCP_SYN_SENT = "0A", "01", "02"
_NET_FILES = (("tcp", 2, 6), ("tcp6", 10, 6), ("udp", 2, 17), ("udp6", 10, 17))


@dataclass(frozen=True, slots=True)
class Socket:
    family: int
    proto: int
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: str
    inode: int


def _hex_ip(text: str, family: int) -> str:
    raw = bytes.fromhex(text)
    if family == 2:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # IPv6 in /proc is four little-endian 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def parse_net_table(text: str, family: int, proto: int) -> list[Socket]:
    """Rows of ``/proc/net/{tcp,tcp6,udp,udp6}``."""
    out: list[Socket] = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 10:
            continue
        try:
            lip, lport = cols[1].split(":")
            rip, rport = cols[2].split(":")
            out.append(
                Socket(
                    family,
                    proto,
                    _hex_ip(lip, family),
                    int(lport, 16),
                    _hex_ip(rip, family),
                    int(rport, 16),
                    cols[3],
                    int(cols[9]),
                )
            )
        except (ValueError, OSError):
            continue
    return out


def _start_time(pid: int, proc_root: str) -> int:
    try:
        with open(f"{proc_root}/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return -1
    # Field 22 (starttime) counts from after the parenthesised command name.
    rest = stat[stat.rfind(b")") + 2 :].split()
    return int(rest[19]) if len(rest) > 19 else -1


@dataclass
class _Seen:
    procs: dict[int, int] = field(default_factory=dict)  # pid -> start time
    sockets: set[int] = field(default_factory=set)  # inodes already reported
    files: set[tuple[int, int, str]] = field(default_factory=set)


class ProcfsCapture:
    """Polls every ``interval`` seconds; the first poll only records what already runs."""

    def __init__(
        self,
        *,
        enricher: Enricher | None = None,
        interval: float = 0.5,
        proc_root: str = "/proc",
        hostname: str | None = None,
        report_existing: bool = False,
    ) -> None:
        self.interval = interval
        self.proc_root = proc_root
        offset = time.time_ns() - time.monotonic_ns()
        self.builder = EventBuilder(
            ProcessTable(proc_root=proc_root), enricher, hostname=hostname, clock_offset_ns=offset
        )
        self.stats = CaptureStats(sections=("process", "socket", "file"))
        self._seen = _Seen()
        self._first = not report_existing
        self._self = os.getpid()

    def start(self) -> None:
        """Nothing to attach; the first poll happens in ``events``."""

    def stop(self) -> None:
        """Nothing to release."""

    def events(self, stop: threading.Event | None = None) -> Iterator[dict[str, Any] | None]:
        while not (stop is not None and stop.is_set()):
            started = time.monotonic()
            for rec in self.poll():
                event = self.builder.build(rec)
                if event is not None:
                    self.stats.events += 1
                    yield event
            self._first = False
            yield None
            spent = time.monotonic() - started
            if stop is not None:
                stop.wait(max(0.0, self.interval - spent))
            else:
                time.sleep(max(0.0, self.interval - spent))

    def poll(self) -> list[Record]:
        """One pass over /proc: records for what is new since the previous pass."""
        pids = self._pids()
        records = self._processes(pids)
        fds = self._fd_table(pids)
        records.extend(self._sockets(fds))
        records.extend(self._files(fds))
        return [] if self._first else records

    def _pids(self) -> list[int]:
        try:
            names = os.listdir(self.proc_root)
        except OSError:
            return []
        return [int(n) for n in names if n.isdigit() and int(n) != self._self]

    def _record(
        self, kind: str, pid: int, extra: list[str], parts: list[str] | None = None
    ) -> Record:
        info = self.builder.table.get(pid)
        ppid, uid, comm = (info.ppid, info.uid, info.name) if info else (0, -1, "")
        return Record(kind, time.monotonic_ns(), pid, pid, ppid, uid, 0, comm, extra, parts or [])

    def _processes(self, pids: list[int]) -> list[Record]:
        seen = self._seen.procs
        out: list[Record] = []
        alive = set(pids)
        for pid in [p for p in seen if p not in alive]:
            del seen[pid]
            self.builder.exited(pid)
        for pid in pids:
            start = _start_time(pid, self.proc_root)
            if seen.get(pid) == start:
                continue
            seen[pid] = start
            info = read_proc(pid, self.proc_root)
            if info is None:
                continue
            self.builder.table.put(info)
            argv = info.cmd_line.split(" ") if info.cmd_line else [info.name]
            more = "1" if len(argv) > 5 else "0"
            out.append(
                Record(
                    "X",
                    time.monotonic_ns(),
                    pid,
                    pid,
                    info.ppid,
                    info.uid,
                    0,
                    info.name,
                    [info.exe, argv[0]],
                    [more, *argv[1:5]],
                )
            )
        return out

    def _fd_table(self, pids: list[int]) -> dict[int, list[tuple[int, str]]]:
        table: dict[int, list[tuple[int, str]]] = {}
        for pid in pids:
            base = f"{self.proc_root}/{pid}/fd"
            try:
                fds = os.listdir(base)
            except OSError:
                continue
            entries: list[tuple[int, str]] = []
            for fd in fds:
                try:
                    entries.append((int(fd), os.readlink(f"{base}/{fd}")))
                except (OSError, ValueError):
                    continue
            table[pid] = entries
        return table

    def _read_sockets(self) -> list[Socket]:
        out: list[Socket] = []
        for name, family, proto in _NET_FILES:
            try:
                with open(f"{self.proc_root}/net/{name}", encoding="ascii") as handle:
                    out.extend(parse_net_table(handle.read(), family, proto))
            except OSError:
                continue
        return out

    def _sockets(self, fds: dict[int, list[tuple[int, str]]]) -> list[Record]:
        owners: dict[int, int] = {}
        for pid, entries in fds.items():
            for _fd, target in entries:
                if target.startswith("socket:["):
                    owners.setdefault(int(target[8:-1]), pid)
        socks = self._read_sockets()
        listening = {(s.proto, s.local_port) for s in socks if s.state == _TCP_LISTEN}
        out: list[Record] = []
        for sock in socks:
            if sock.inode == 0 or sock.inode in self._seen.sockets:
                continue
            owner = owners.get(sock.inode)
            if owner is None:
                continue
            self._seen.sockets.add(sock.inode)
            rec = self._socket_record(sock, owner, listening)
            if rec is not None:
                out.append(rec)
        return out

    def _socket_record(
        self, sock: Socket, pid: int, listening: set[tuple[int, int]]
    ) -> Record | None:
        fam, proto = str(sock.family), str(sock.proto)
        if sock.state == _TCP_LISTEN and sock.proto == 6:
            return self._record("L", pid, [fam, proto, str(sock.local_port), sock.local_ip])
        if sock.remote_port == 0:
            return None  # unconnected UDP socket
        if (sock.proto, sock.local_port) in listening:
            extra = [
                fam,
                proto,
                str(sock.local_port),
                str(sock.remote_port),
                sock.remote_ip,
                sock.local_ip,
            ]
            return self._record("A", pid, extra)
        return self._record("C", pid, [fam, proto, str(sock.remote_port), sock.remote_ip])

    def _files(self, fds: dict[int, list[tuple[int, str]]]) -> list[Record]:
        out: list[Record] = []
        seen = self._seen.files
        for pid, entries in fds.items():
            for fd, target in entries:
                if not target.startswith("/") or target.startswith(("/dev/", "/proc/", "/sys/")):
                    continue
                key = (pid, fd, target)
                if key in seen:
                    continue
                seen.add(key)
                flags = self._fd_flags(pid, fd)
                if flags < 0:
                    continue
                if flags & 3 or target.startswith(SENSITIVE_PREFIXES):
                    out.append(self._record("O", pid, [str(flags), target]))
        if len(seen) > 200_000:
            seen.clear()  # bounded memory; a few repeats after a reset are acceptable
        return out

    def _fd_flags(self, pid: int, fd: int) -> int:
        try:
            with open(f"{self.proc_root}/{pid}/fdinfo/{fd}", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("flags:"):
                        return int(line.split()[1], 8)
        except (OSError, ValueError):
            return -1
        return -1
