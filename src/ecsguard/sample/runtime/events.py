"""OCSF event builders in the shape the ecsguard agent emits (DESIGN §3.5)."""

from __future__ import annotations

import posixpath
import random
from typing import Any

from ecsguard.sample.runtime.workloads import Task

__all__ = ["Builder"]

_NAMES = {
    1007: "Process Activity",
    1001: "File System Activity",
    4001: "Network Activity",
    4003: "DNS Activity",
}
_CAT = {1007: 1, 1001: 1, 4001: 4, 4003: 4}


def proc(
    pid: int, name: str, exe: str, cmd: str, uid: int, parent: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pid": pid,
        "name": name,
        "cmd_line": cmd,
        "file": {"path": exe, "name": posixpath.basename(exe)},
        "user": {"uid": uid},
    }
    if parent is not None:
        out["parent_process"] = parent
    return out


class Builder:
    """Numbers events, advances each task's clock and fills the common parts."""

    def __init__(self, rng: random.Random, prefix: str = "evt") -> None:
        self.rng = rng
        self.prefix = prefix
        self.seq = 0

    def base(self, task: Task, cls: int, activity: int, syscall: str) -> dict[str, Any]:
        self.seq += 1
        task.time_ms += self.rng.randint(1, 40)
        return {
            "class_uid": cls,
            "class_name": _NAMES[cls],
            "category_uid": _CAT[cls],
            "activity_id": activity,
            "type_uid": cls * 100 + activity,
            "severity_id": 1,
            "time": task.time_ms,
            "metadata": {
                "uid": f"{self.prefix}-{self.seq:08d}",
                "version": "1.1.0",
                "product": {"name": "ecsguard-agent", "vendor_name": "ecsguard"},
            },
            "device": {"hostname": task.host},
            "container": task.container(),
            "unmapped": {"syscall": syscall, "ecs": task.ecs()},
        }

    def main_proc(self, task: Task) -> dict[str, Any]:
        name, exe, cmd = task.workload.main
        init = proc(1, "tini", "/sbin/tini", f"/sbin/tini -- {cmd}", task.workload.uid)
        return proc(task.main_pid, name, exe, cmd, task.workload.uid, init)

    def exec(
        self,
        task: Task,
        parent: dict[str, Any],
        name: str,
        exe: str,
        cmd: str,
        uid: int | None = None,
        pid: int | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        event = self.base(task, 1007, 1, "execve")
        if pid is None:
            task.next_pid += self.rng.randint(1, 7)
            pid = task.next_pid
        parent_flat = {k: v for k, v in parent.items() if k != "parent_process"}
        child = proc(pid, name, exe, cmd, task.workload.uid if uid is None else uid, parent_flat)
        event["process"] = child
        event["actor"] = {"process": parent}
        return event, child

    def open(self, task: Task, actor: dict[str, Any], path: str, flags: str) -> dict[str, Any]:
        activity = (
            1 if "O_CREAT" in flags else 3 if ("O_WRONLY" in flags or "O_RDWR" in flags) else 14
        )
        event = self.base(task, 1001, activity, "openat")
        event["actor"] = {"process": actor}
        event["file"] = {"path": path, "name": posixpath.basename(path), "type_id": 1}
        event["unmapped"]["open_flags"] = flags
        return event

    def file_op(
        self,
        task: Task,
        actor: dict[str, Any],
        path: str,
        activity: int,
        syscall: str,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = self.base(task, 1001, activity, syscall)
        event["actor"] = {"process": actor}
        event["file"] = {"path": path, "name": posixpath.basename(path), "type_id": 1}
        if extra:
            event["unmapped"].update(extra)
        return event

    def connect(
        self,
        task: Task,
        actor: dict[str, Any],
        ip: str,
        port: int,
        hostname: str = "",
        proto: str = "TCP",
    ) -> dict[str, Any]:
        event = self.base(task, 4001, 1, "connect")
        event["actor"] = {"process": actor}
        dst: dict[str, Any] = {"ip": ip, "port": port}
        if hostname:
            dst["hostname"] = hostname
        event["dst_endpoint"] = dst
        event["connection_info"] = {"protocol_name": proto, "direction_id": 2}
        return event

    def unix_connect(self, task: Task, actor: dict[str, Any], path: str) -> dict[str, Any]:
        event = self.base(task, 4001, 1, "connect")
        event["actor"] = {"process": actor}
        event["connection_info"] = {"protocol_name": "unix", "direction_id": 2}
        event["unmapped"]["socket_path"] = path
        return event

    def accept(self, task: Task, actor: dict[str, Any], port: int, client: str) -> dict[str, Any]:
        event = self.base(task, 4001, 1, "accept4")
        event["actor"] = {"process": actor}
        event["src_endpoint"] = {"ip": client, "port": self.rng.randint(32768, 60999)}
        event["dst_endpoint"] = {"ip": "10.0.1.10", "port": port}
        event["connection_info"] = {"protocol_name": "TCP", "direction_id": 1}
        return event

    def listen(self, task: Task, actor: dict[str, Any], port: int) -> dict[str, Any]:
        event = self.base(task, 4001, 7, "listen")
        event["actor"] = {"process": actor}
        event["dst_endpoint"] = {"ip": "0.0.0.0", "port": port}
        event["connection_info"] = {"protocol_name": "TCP", "direction_id": 0}
        return event

    def dns(
        self, task: Task, actor: dict[str, Any], name: str, answers: list[str]
    ) -> dict[str, Any]:
        event = self.base(task, 4003, 2, "dns_response")
        event["actor"] = {"process": actor}
        event["query"] = {"hostname": name, "type": "A"}
        event["answers"] = [{"rdata": a} for a in answers]
        event["rcode_id"], event["rcode"] = (0, "NoError") if answers else (3, "NXDomain")
        return event

    def syscall(
        self,
        task: Task,
        subject: dict[str, Any],
        syscall: str,
        activity: int,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        event = self.base(task, 1007, activity, syscall)
        event["process"] = subject
        event["actor"] = {"process": subject.get("parent_process") or {"pid": 1}}
        event["unmapped"].update(extra)
        return event
