"""pid -> what we know about the process (name, command line, executable, parent, uid).

Exec records fill it as processes start; anything else is read from ``/proc`` once and cached.
The table is bounded (least recently used out) and forgets a pid when the kernel says it exited.
Command lines pass through ``redact_text`` once, here, so no secret leaves in any event.
"""

from __future__ import annotations

import functools
import os
from collections import OrderedDict
from dataclasses import dataclass

from ecsguard.redact import redact_text

__all__ = ["ProcInfo", "ProcessTable", "read_proc"]

_MAX_CMDLINE = 4096


@dataclass(slots=True)
class ProcInfo:
    pid: int
    ppid: int
    name: str
    cmd_line: str
    exe: str
    uid: int
    cgroup: int = 0
    container_id: str | None = None

    def ocsf(self) -> dict[str, object]:
        """The OCSF process object without its parent (a fresh dict; parts are shared)."""
        out: dict[str, object] = {"pid": self.pid, "name": self.name, "cmd_line": self.cmd_line}
        if self.exe:
            out["file"] = _file_object(self.exe)
        if self.uid >= 0:
            out["user"] = {"uid": self.uid}
        return out


@functools.lru_cache(maxsize=4096)
def _file_object(path: str) -> dict[str, str]:
    # Shared between events (never mutated): executables repeat, basename need not.
    return {"path": path, "name": os.path.basename(path)}


def _read(path: str, limit: int = _MAX_CMDLINE) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return b""


def join_argv(raw: bytes) -> str:
    """``/proc/PID/cmdline`` (NUL-separated) -> one redacted command line."""
    text = raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
    return redact_text(text)


def read_proc(pid: int, proc_root: str = "/proc") -> ProcInfo | None:
    """Read one process from procfs; None when it has gone."""
    status = _read(f"{proc_root}/{pid}/status", 2048).decode("utf-8", "replace")
    if not status:
        return None
    fields: dict[str, str] = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    try:
        exe = os.readlink(f"{proc_root}/{pid}/exe")
    except OSError:
        exe = ""
    uids = fields.get("Uid", "-1").split()
    return ProcInfo(
        pid=pid,
        ppid=int(fields.get("PPid", "0") or 0),
        name=fields.get("Name", ""),
        cmd_line=join_argv(_read(f"{proc_root}/{pid}/cmdline")),
        exe=exe.removesuffix(" (deleted)"),
        uid=int(uids[0]) if uids and uids[0].lstrip("-").isdigit() else -1,
    )


class ProcessTable:
    """Bounded LRU of ProcInfo by pid, falling back to ``/proc`` on a miss."""

    def __init__(self, capacity: int = 32768, proc_root: str = "/proc") -> None:
        self.capacity = capacity
        self.proc_root = proc_root
        self._by_pid: OrderedDict[int, ProcInfo] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_pid)

    def put(self, info: ProcInfo) -> None:
        table = self._by_pid
        table[info.pid] = info
        table.move_to_end(info.pid)
        if len(table) > self.capacity:
            table.popitem(last=False)

    def get(self, pid: int) -> ProcInfo | None:
        """Known info, else a fresh ``/proc`` read (cached), else None."""
        info = self._by_pid.get(pid)
        if info is not None:
            return info
        if pid <= 0:
            return None
        info = read_proc(pid, self.proc_root)
        if info is not None:
            self.put(info)
        return info

    def forget(self, pid: int) -> None:
        self._by_pid.pop(pid, None)
