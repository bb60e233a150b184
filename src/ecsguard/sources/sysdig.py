"""``sysdig:PATH``: the JSON lines ``sysdig -j`` prints (optionally with ``-p`` field lists),
mapped to OCSF events through ``FIELD_MAP``.

Exit events (``evt.dir`` ``<``) of exec, open, unlink/rename, mount, connect/accept/listen and the
syscalls our rules know become events; other syscalls are skipped silently. Fields come from the
printed keys (``proc.cmdline``, ``fd.name`` ...) or, for the default ``-j`` output, from parsing
``evt.info`` (``fd=3(<f>/etc/passwd)``, ``name=...``, ``flags=...(O_RDONLY)``, ``tuple=...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from ecsguard.sources.base import MAX_LINE_BYTES, Delivery, parse_json_event
from ecsguard.sources.file import FileSource, iter_lines

__all__ = ["FIELD_MAP", "SysdigSource", "sysdig_to_ocsf"]

_EXEC = {"execve", "execveat"}
_OPEN = {"open", "openat", "openat2", "creat"}
_FILE_OTHER = {
    "unlink": 4,
    "unlinkat": 4,
    "rename": 5,
    "renameat": 5,
    "renameat2": 5,
    "chmod": 6,
    "fchmod": 6,
    "fchmodat": 6,
    "mount": 12,
    "umount": 13,
    "umount2": 13,
}
_NET = {"connect": (1, 2), "accept": (1, 1), "accept4": (1, 1), "listen": (7, 0)}
_PROC_OTHER = {
    "ptrace": 4,
    "process_vm_writev": 4,
    "userfaultfd": 99,
    "init_module": 99,
    "finit_module": 99,
    "memfd_create": 99,
    "setuid": 5,
    "setresuid": 5,
}
# Falco field -> OCSF path (relative to the subject process for proc.*/user.*).
FIELD_MAP: dict[str, tuple[str, ...]] = {
    "proc.name": ("name",),
    "proc.cmdline": ("cmd_line",),
    "proc.pid": ("pid",),
    "thread.tid": ("pid",),
    "proc.exepath": ("file", "path"),
    "proc.exe": ("file", "path"),
    "proc.cwd": ("working_directory",),
    "user.uid": ("user", "uid"),
    "user.name": ("user", "name"),
}
_PARENT_MAP: dict[str, tuple[str, ...]] = {
    "proc.pname": ("name",),
    "proc.pcmdline": ("cmd_line",),
    "proc.ppid": ("pid",),
    "proc.pexepath": ("file", "path"),
}
_FD = re.compile(r"fd=-?\d+\(<(\w+)>([^)]*)\)")
_NAME = re.compile(r"\b(?:name|path|filename|exe)=(\S+)")
_FLAGS = re.compile(r"flags=\d+\(([A-Z_|]+)\)")
_TUPLE = re.compile(r"(?:tuple=|<4t>|<6t>|<4u>|<6u>)([0-9a-fA-F.:]+):(\d+)->([0-9a-fA-F.:]+):(\d+)")


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def _process(flat: dict[str, Any], table: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, path in table.items():
        if flat.get(field) not in (None, "", "<NA>"):
            _put(out, path, flat[field])
    return out


def _fd_name(flat: dict[str, Any], info: str) -> str | None:
    name = flat.get("fd.name")
    if isinstance(name, str) and name not in ("", "<NA>"):
        return name
    match = _FD.search(info) or None
    if match and match.group(1) == "f":
        return match.group(2)
    named = _NAME.search(info)
    return named.group(1) if named else None


def _base(flat: dict[str, Any], cls: int, activity: int, evt_type: str) -> dict[str, Any]:
    ns = flat.get("evt.rawtime") or flat.get("evt.outputtime")
    event: dict[str, Any] = {
        "class_uid": cls,
        "activity_id": activity,
        "type_uid": cls * 100 + activity,
        "category_uid": 1 if cls < 2000 else 4,
        "severity_id": 1,
        "time": int(ns) // 1_000_000 if isinstance(ns, int | str) and str(ns).isdigit() else 0,
        "metadata": {"uid": f"sysdig-{flat.get('evt.num', '')}", "product": {"name": "sysdig"}},
        "unmapped": {"syscall": evt_type},
    }
    if flat.get("container.id") not in (None, "", "host", "<NA>"):
        event["container"] = {
            "uid": flat["container.id"],
            "name": flat.get("container.name"),
            "image": {
                "name": flat.get("container.image.repository") or flat.get("container.image"),
                "tag": flat.get("container.image.tag"),
            },
        }
    if flat.get("evt.hostname"):
        event["device"] = {"hostname": flat["evt.hostname"]}
    return event


def sysdig_to_ocsf(flat: dict[str, Any]) -> dict[str, Any] | None:
    """One ``sysdig -j`` object -> an OCSF event, or None for syscalls we do not use."""
    evt_type = str(flat.get("evt.type", ""))
    if flat.get("evt.dir", "<") == ">":
        return None
    info = str(flat.get("evt.info") or flat.get("evt.args") or "")
    subject = _process(flat, FIELD_MAP)
    parent = _process(flat, _PARENT_MAP)
    if evt_type in _EXEC or evt_type in _PROC_OTHER:
        event = _base(flat, 1007, 1 if evt_type in _EXEC else _PROC_OTHER[evt_type], evt_type)
        event["process"] = subject
        event["actor"] = {"process": parent}
        return event
    event_cls, activity = 0, 0
    if evt_type in _OPEN or evt_type in _FILE_OTHER:
        flags = _FLAGS.search(info)
        flag_text = flat.get("evt.arg.flags") or (flags.group(1) if flags else "O_RDONLY")
        if evt_type in _OPEN:
            activity = (
                1
                if "O_CREAT" in str(flag_text)
                else 3
                if ("O_WRONLY" in str(flag_text) or "O_RDWR" in str(flag_text))
                else 14
            )
        else:
            activity = _FILE_OTHER[evt_type]
        path = _fd_name(flat, info)
        if path is None:
            return None
        event = _base(flat, 1001, activity, evt_type)
        event["file"] = {"path": path, "name": path.rsplit("/", 1)[-1]}
        event["unmapped"]["open_flags"] = str(flag_text)
        event["actor"] = {"process": {**subject, "parent_process": parent}}
        return event
    if evt_type in _NET:
        activity, direction = _NET[evt_type]
        event = _base(flat, 4001, activity, evt_type)
        tup = _TUPLE.search(info) or _TUPLE.search(str(flat.get("fd.name", "")))
        if tup:
            event["src_endpoint"] = {"ip": tup.group(1), "port": int(tup.group(2))}
            event["dst_endpoint"] = {"ip": tup.group(3), "port": int(tup.group(4))}
        elif flat.get("fd.sip"):
            event["dst_endpoint"] = {"ip": flat["fd.sip"], "port": flat.get("fd.sport")}
        event["connection_info"] = {
            "protocol_name": str(flat.get("fd.l4proto", "tcp")).upper(),
            "direction_id": direction,
        }
        event["actor"] = {"process": {**subject, "parent_process": parent}}
        return event
    del event_cls
    return None


class SysdigSource(FileSource):
    """Reads ``sysdig -j`` output from a file (or ``-``) and yields OCSF events."""

    def __init__(self, spec: str, *, max_line_bytes: int = MAX_LINE_BYTES, **options: Any) -> None:
        super().__init__(
            spec[7:] if spec.startswith("sysdig:") else spec, max_line_bytes=max_line_bytes
        )

    def deliveries(self) -> Iterator[Delivery]:
        stream = self._open()
        try:
            for number, raw in iter_lines(stream, self.max_line_bytes):
                origin = f"{self.name}:{number}"
                if raw is None:
                    yield Delivery(None, origin, f"line longer than {self.max_line_bytes} bytes")
                    continue
                if not raw.strip():
                    continue
                flat, error = parse_json_event(raw, orjson.loads)
                if flat is None:
                    yield Delivery(None, origin, error)
                    continue
                event = sysdig_to_ocsf(flat)
                if event is not None:
                    yield Delivery(event, origin)
        finally:
            if self.path != "-":
                stream.close()
