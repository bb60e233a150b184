"""Capture records -> OCSF events (DESIGN §3.5), one builder per record kind.

Process Activity (1007) follows the runtime field map: ``process`` is the subject (the launched
process, or the one that called ptrace/setuid/memfd_create...) and ``actor.process`` its parent.
File, network and DNS events put the acting process in ``actor.process``. ``unmapped.syscall``
names the syscall so rules on ``evt.type`` see what the kernel saw.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
import socket
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ecsguard.agent.enrich import ContainerContext, Enricher
from ecsguard.agent.proctable import ProcessTable, ProcInfo, join_argv
from ecsguard.agent.records import Record
from ecsguard.redact import redact_text

__all__ = ["EventBuilder", "decode_qname", "open_flag_names"]

Event = dict[str, Any]
_PROTO = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6", 132: "SCTP"}
_CLASS = {1007: (1, "Process Activity"), 1001: (1, "File System Activity"),
          4001: (4, "Network Activity"), 4003: (4, "DNS Activity")}  # fmt: skip
_OPEN_FLAGS = (
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o2000000, "O_CLOEXEC"),
    (0o20000000, "O_PATH"),
)
_PTRACE = {16: "PTRACE_ATTACH", 0x4206: "PTRACE_SEIZE", 4: "PTRACE_POKETEXT",
           5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 13: "PTRACE_SETREGS"}  # fmt: skip
_STRLEN = 64  # bpftrace's default string size: an argument this long (minus NUL) was cut
_DNS_CACHE = 8192


def open_flag_names(flags: int) -> str:
    """``O_WRONLY|O_CREAT|O_TRUNC`` style names for open(2) flags."""
    names = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_RDWR")[flags & 3]]
    names.extend(name for bit, name in _OPEN_FLAGS if flags & bit)
    return "|".join(names)


def decode_qname(raw: str) -> tuple[str, bool]:
    """Length-prefixed DNS labels -> (dotted name, complete); the kernel copy may be cut short."""
    labels: list[str] = []
    i = 0
    while i < len(raw):
        size = ord(raw[i])
        if size == 0 or size > 63:
            return ".".join(labels), size == 0
        if i + 1 + size > len(raw):
            return ".".join(labels), False
        labels.append(raw[i + 1 : i + 1 + size].lower())
        i += 1 + size
    return ".".join(labels), len(raw) < _STRLEN - 1  # a full-length copy may have been cut


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class EventBuilder:
    """Turns records into OCSF dicts, keeping the process table and a small DNS cache."""

    def __init__(
        self,
        table: ProcessTable,
        enricher: Enricher | None,
        *,
        hostname: str | None = None,
        clock_offset_ns: int = 0,
    ) -> None:
        self.table = table
        self.enricher = enricher
        self.hostname = hostname or socket.gethostname()
        self.clock_offset_ns = clock_offset_ns
        self._prefix = secrets.token_hex(6)
        self._seq = 0
        self._by_cgroup: dict[int, ContainerContext | None] = {}
        self._dns: OrderedDict[str, str] = OrderedDict()
        self._builders: dict[str, Callable[[Record], Event | None]] = {
            "X": self._exec, "O": self._open, "C": self._connect, "A": self._accept,
            "L": self._listen, "D": self._dns_event, "Q": self._dns_packet, "P": self._ptrace, "F": self._memfd,
            "N": self._mount, "K": self._module, "U": self._setuid, "V": self._vm_write,
        }  # fmt: skip

    def build(self, rec: Record) -> Event | None:
        builder = self._builders.get(rec.kind)
        return builder(rec) if builder else None

    def exited(self, pid: int) -> None:
        self.table.forget(pid)

    def forked(self, parent: int, child: int) -> None:
        """A forked child is a copy of its parent until it execs."""
        info = self.table.get(parent)
        if info is not None and child != parent:
            self.table.put(dataclasses.replace(info, pid=child, ppid=parent))

    # -- common parts -------------------------------------------------------------------

    def _base(self, rec: Record, class_uid: int, activity: int, syscall: str) -> Event:
        self._seq += 1
        category, class_name = _CLASS[class_uid]
        event: Event = {
            "class_uid": class_uid,
            "class_name": class_name,
            "category_uid": category,
            "activity_id": activity,
            "type_uid": class_uid * 100 + activity,
            "severity_id": 1,
            "time": (rec.nsecs + self.clock_offset_ns) // 1_000_000,
            "metadata": {
                "uid": f"{self._prefix}-{self._seq}",
                "version": "1.1.0",
                "product": {"name": "ecsguard-agent", "vendor_name": "ecsguard"},
            },
            "device": {"hostname": self.hostname},
        }
        unmapped: dict[str, Any] = {"syscall": syscall}
        ctx = self._context(rec)
        if ctx is not None:
            event["container"] = ctx.container()
            ecs = ctx.ecs()
            if ecs:
                unmapped["ecs"] = ecs
        event["unmapped"] = unmapped
        return event

    def _context(self, rec: Record) -> ContainerContext | None:
        if self.enricher is None:
            return None
        if rec.cgroup > 1:
            if rec.cgroup in self._by_cgroup:
                return self._by_cgroup[rec.cgroup]
            cid = self.enricher.container_for_cgroup(rec.cgroup, rec.pid)
        else:
            # No usable cgroup v2 id (hybrid hosts): the container is a property of the
            # process, looked up in /proc once per process instead of once per event.
            info = self.table.get(rec.pid)
            if info is not None and info.container_id is not None:
                cid = info.container_id or None
            else:
                cid = self.enricher.container_for_pid(rec.pid, self.table.proc_root)
                if info is not None:
                    info.container_id = cid or ""
        ctx = self.enricher.context(cid)
        if rec.cgroup > 1 and (ctx is None or ctx.task_arn):
            # Cache only settled answers: a container the ECS agent has not reported yet
            # is looked up again (rate-limited inside the enricher).
            self._by_cgroup[rec.cgroup] = ctx
        return ctx

    def _proc(self, rec: Record) -> ProcInfo:
        """The acting process, name and uid as the kernel saw them at the event."""
        info = self.table.get(rec.pid)
        if info is None:
            info = ProcInfo(rec.pid, rec.ppid, rec.comm, rec.comm, "", rec.uid, rec.cgroup)
            self.table.put(info)
        info.name = rec.comm
        info.uid = rec.uid
        info.ppid = rec.ppid or info.ppid
        return info

    def _with_parent(self, info: ProcInfo) -> dict[str, Any]:
        out = info.ocsf()
        parent = self.table.get(info.ppid) if info.ppid > 0 else None
        if parent is not None:
            out["parent_process"] = parent.ocsf()
        return out

    def _actor(self, rec: Record) -> dict[str, Any]:
        return {"process": self._with_parent(self._proc(rec))}

    def _subject(self, rec: Record, event: Event) -> None:
        """1007 events other than launch: subject in ``process``, its parent as actor."""
        info = self._proc(rec)
        event["process"] = self._with_parent(info)
        parent = self.table.get(info.ppid) if info.ppid > 0 else None
        event["actor"] = {"process": self._with_parent(parent) if parent else {"pid": info.ppid}}

    def _target(self, pid: int) -> dict[str, Any]:
        info = self.table.get(pid)
        return info.ocsf() if info else {"pid": pid}

    def _abspath(self, pid: int, path: str) -> str:
        if path.startswith("/") or not path:
            return path
        try:
            cwd = os.readlink(f"{self.table.proc_root}/{pid}/cwd")
        except OSError:
            return path
        return os.path.normpath(os.path.join(cwd, path))

    # -- builders -------------------------------------------------------------------------

    def _exec(self, rec: Record) -> Event:
        filename = rec.extra[0] if rec.extra else ""
        argv = [rec.extra[1]] if len(rec.extra) > 1 else []
        more = rec.parts[:1] == ["1"]
        argv.extend(rec.parts[1:5])
        while argv and not argv[-1]:
            argv.pop()
        cut = more or any(len(a) >= _STRLEN - 1 for a in argv) or len(filename) >= _STRLEN - 1
        cmd_line = redact_text(" ".join(argv))
        exe = filename
        if cut or not filename.startswith("/"):
            # The process is usually still alive: /proc has the whole command line and path.
            full = join_argv(_read_bytes(f"{self.table.proc_root}/{rec.pid}/cmdline"))
            if full and (not argv or full.split(" ", 1)[0] == argv[0]):
                cmd_line = full
            try:
                exe = os.readlink(f"{self.table.proc_root}/{rec.pid}/exe")
            except OSError:
                exe = self._abspath(rec.pid, filename)
        info = ProcInfo(rec.pid, rec.ppid, rec.comm, cmd_line, exe, rec.uid, rec.cgroup)
        self.table.put(info)
        event = self._base(rec, 1007, 1, "execve")
        parent = self.table.get(rec.ppid) if rec.ppid > 0 else None
        event["process"] = info.ocsf()
        if parent is not None:
            event["process"]["parent_process"] = parent.ocsf()
            event["actor"] = {"process": self._with_parent(parent)}
        else:
            event["actor"] = {"process": {"pid": rec.ppid}}
        return event

    def _open(self, rec: Record) -> Event | None:
        if len(rec.extra) < 2:
            return None
        flags = int(rec.extra[0])
        path = self._abspath(rec.pid, rec.extra[1])
        write = flags & 3 or flags & 0o1000
        activity = 1 if flags & 0o100 else (3 if write else 14)
        event = self._base(rec, 1001, activity, "openat")
        event["actor"] = self._actor(rec)
        event["file"] = {"path": path, "name": os.path.basename(path), "type_id": 1}
        event["unmapped"]["open_flags"] = open_flag_names(flags)
        return event

    def _net(self, rec: Record, activity: int, syscall: str, direction: int, proto: str) -> Event:
        event = self._base(rec, 4001, activity, syscall)
        event["actor"] = self._actor(rec)
        event["connection_info"] = {"protocol_name": proto, "direction_id": direction}
        return event

    def _endpoint(self, ip: str, port: int) -> dict[str, Any]:
        out: dict[str, Any] = {"ip": ip, "port": port}
        name = self._dns.get(ip)
        if name:
            out["hostname"] = name
        return out

    def _connect(self, rec: Record) -> Event | None:
        if len(rec.extra) < 4:
            return None
        family, proto, port, addr = (
            int(rec.extra[0]),
            int(rec.extra[1]),
            int(rec.extra[2]),
            rec.extra[3],
        )
        if family == 1:
            event = self._net(rec, 1, "connect", 2, "unix")
            event["unmapped"]["socket_path"] = addr or "@"
            return event
        event = self._net(rec, 1, "connect", 2, _PROTO.get(proto, str(proto)))
        event["dst_endpoint"] = self._endpoint(addr, port)
        return event

    def _accept(self, rec: Record) -> Event | None:
        if len(rec.extra) < 6:
            return None
        proto, lport, rport = int(rec.extra[1]), int(rec.extra[2]), int(rec.extra[3])
        event = self._net(rec, 1, "accept4", 1, _PROTO.get(proto, str(proto)))
        event["src_endpoint"] = {"ip": rec.extra[4], "port": rport}
        event["dst_endpoint"] = {"ip": rec.extra[5], "port": lport}
        return event

    def _listen(self, rec: Record) -> Event | None:
        if len(rec.extra) < 4:
            return None
        event = self._net(rec, 7, "listen", 0, _PROTO.get(int(rec.extra[1]), rec.extra[1]))
        event["dst_endpoint"] = {"ip": rec.extra[3], "port": int(rec.extra[2])}
        return event

    def _dns_event(self, rec: Record) -> Event | None:
        if len(rec.extra) < 2:
            return None
        ret, name = int(rec.extra[0]), rec.extra[1]
        if not name or _is_ip(name):
            return None  # numeric hosts never reach DNS
        answers = list(dict.fromkeys(a for a in rec.parts if a))
        for ip in answers:
            self._dns[ip] = name
            self._dns.move_to_end(ip)
        while len(self._dns) > _DNS_CACHE:
            self._dns.popitem(last=False)
        event = self._base(rec, 4003, 2, "dns_response")
        event["actor"] = self._actor(rec)
        qtype = "AAAA" if answers and all(":" in a for a in answers) else "A"
        event["query"] = {"hostname": name, "type": qtype}
        event["answers"] = [{"rdata": ip} for ip in answers]
        event["rcode_id"], event["rcode"] = (0, "NoError") if ret == 0 else (3, "NXDomain")
        if ret != 0:
            event["unmapped"]["gai_error"] = ret
        return event

    def _dns_packet(self, rec: Record) -> Event | None:
        """A DNS query seen leaving a UDP socket (resolvers the uprobe does not cover)."""
        if len(rec.extra) < 2:
            return None
        name, complete = decode_qname(rec.extra[1])
        if not name:
            return None
        event = self._base(rec, 4003, 1, "dns_query")
        event["actor"] = self._actor(rec)
        event["query"] = {"hostname": name}
        event["dst_endpoint"] = {"ip": rec.extra[0], "port": 53}
        event["connection_info"] = {"protocol_name": "UDP", "direction_id": 2}
        if not complete:
            event["unmapped"]["query_truncated"] = True
        return event

    def _ptrace(self, rec: Record) -> Event | None:
        request, target = int(rec.extra[0]), int(rec.extra[1])
        event = self._base(rec, 1007, 4, "ptrace")
        self._subject(rec, event)
        event["unmapped"]["ptrace_request"] = _PTRACE.get(request, str(request))
        event["unmapped"]["target"] = self._target(target)
        return event

    def _vm_write(self, rec: Record) -> Event | None:
        event = self._base(rec, 1007, 4, "process_vm_writev")
        self._subject(rec, event)
        event["unmapped"]["target"] = self._target(int(rec.extra[0]))
        return event

    def _memfd(self, rec: Record) -> Event | None:
        name = rec.extra[1] if len(rec.extra) > 1 else ""
        event = self._base(rec, 1007, 99, "memfd_create")
        self._subject(rec, event)
        event["unmapped"]["memfd_name"] = name
        event["unmapped"]["memfd_flags"] = int(rec.extra[0])
        return event

    def _mount(self, rec: Record) -> Event | None:
        if len(rec.extra) < 4:
            return None
        target = rec.extra[2]
        event = self._base(rec, 1001, 12, "mount")
        event["actor"] = self._actor(rec)
        event["file"] = {"path": target, "name": os.path.basename(target) or target, "type_id": 2}
        event["unmapped"]["mount"] = {"source": rec.extra[1], "fstype": rec.extra[3],
                                      "flags": int(rec.extra[0])}  # fmt: skip
        return event

    def _module(self, rec: Record) -> Event | None:
        event = self._base(rec, 1007, 99, rec.extra[0] if rec.extra else "init_module")
        self._subject(rec, event)
        event["unmapped"]["module_file"] = rec.extra[1] if len(rec.extra) > 1 else ""
        return event

    def _setuid(self, rec: Record) -> Event | None:
        event = self._base(rec, 1007, 5, rec.extra[0])
        self._subject(rec, event)
        event["unmapped"]["target_uid"] = int(rec.extra[1])
        return event


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""
