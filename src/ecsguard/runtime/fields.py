"""Falco field names -> OCSF event paths, per OCSF class (the field map the agent emits against).

Events follow DESIGN §3.5. ``proc.*`` is the *subject* process: for Process Activity (1007)
the launched process in ``process`` (its parent is ``actor.process``); for file, network and
DNS events the acting process in ``actor.process``. ``FIELDS`` is the readable table; the
compiler turns each entry into inline Python (``accessor``) once per rule and class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecsguard.runtime.field_helpers import (
    _answers,
    _args,
    _argv0,
    _basename,
    _contains_any,
    _dirname,
    _ep,
    _fd_name_net,
    _in_nets,
    _int,
    _open_flag,
    _suffixes,
    _tf_case,
    _tf_len,
    _typechar_net,
    _unix_path,
)

__all__ = [
    "CLASSES",
    "EVT_TYPES",
    "FIELDS",
    "HELPERS",
    "FieldSpec",
    "accessor",
    "field_classes",
    "path_expr",
]

PROCESS, FILE, NETWORK, DNS = 1007, 1001, 4001, 4003
CLASSES = (PROCESS, FILE, NETWORK, DNS)

# activity_id -> the syscall Falco would have seen (a source may override with unmapped.syscall).
EVT_TYPES: dict[int, dict[int, str]] = {
    PROCESS: {1: "execve", 2: "procexit", 3: "ptrace", 4: "ptrace", 5: "setuid"},
    FILE: {
        1: "openat",
        2: "openat",
        3: "openat",
        4: "unlinkat",
        5: "renameat2",
        6: "fchmodat",
        7: "fchmodat",
        8: "stat",
        12: "mount",
        13: "umount2",
        14: "openat",
    },
    NETWORK: {1: "connect", 2: "close", 4: "connect", 5: "connect", 6: "sendto", 7: "listen"},
    DNS: {1: "dns_query", 2: "dns_response", 6: "dns_query"},
}
# Every evt.type a class can carry, so ``evt.type in (...)`` folds to False for other classes.
POSSIBLE_TYPES: dict[int, frozenset[str]] = {
    PROCESS: frozenset(EVT_TYPES[PROCESS].values())
    | {
        "execveat",
        "process_vm_writev",
        "process_vm_readv",
        "userfaultfd",
        "init_module",
        "finit_module",
        "memfd_create",
        "setresuid",
        "setns",
        "unshare",
        "clone",
        "clone3",
        "fork",
        "vfork",
        "dup",
        "dup2",
        "dup3",
        "bpf",
        "capset",
        "prctl",
        "kill",
        "setgid",
        "setresgid",
    },
    FILE: frozenset(EVT_TYPES[FILE].values())
    | {
        "open",
        "openat2",
        "creat",
        "unlink",
        "rename",
        "renameat",
        "chmod",
        "fchmod",
        "mkdir",
        "mkdirat",
        "symlink",
        "symlinkat",
        "link",
        "linkat",
        "rmdir",
        "chown",
        "fchownat",
        "truncate",
        "ftruncate",
        "write",
        "read",
        "umount",
    },
    NETWORK: frozenset(EVT_TYPES[NETWORK].values())
    | {"accept", "accept4", "bind", "socket", "recvfrom", "sendmsg", "recvmsg"},
    DNS: frozenset(EVT_TYPES[DNS].values()),
}

_E: dict[str, Any] = {}


def path_expr(path: tuple[str, ...], root: str = "e") -> str:
    """Inline Python for a nested ``.get`` chain; intermediate non-dicts raise, caught per event."""
    expr = root
    for i, key in enumerate(path):
        expr = f"{expr}.get({key!r})" if i == len(path) - 1 else f"({expr}.get({key!r}) or _E)"
    return expr


HELPERS: dict[str, Any] = {
    "_E": _E,
    "_int": _int,
    "_args": _args,
    "_argv0": _argv0,
    "_basename": _basename,
    "_contains_any": _contains_any,
    "_dirname": _dirname,
    "_ep": _ep,
    "_fd_name_net": _fd_name_net,
    "_typechar_net": _typechar_net,
    "_answers": _answers,
    "_unix_path": _unix_path,
    "_tf_case": _tf_case,
    "_suffixes": _suffixes,
    "_tf_len": _tf_len,
    "_in_nets": _in_nets,
    "_open_flag": _open_flag,
    **{f"_ET{cls}": table for cls, table in EVT_TYPES.items()},
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """kind: str|int|bool|list. exprs: class_uid -> inline Python over ``e`` (``*`` = any class)."""

    kind: str
    exprs: dict[int | str, str]


_SUBJ: dict[int | str, tuple[str, ...]] = {PROCESS: ("process",), "*": ("actor", "process")}
_PARENT: dict[int | str, tuple[str, ...]] = {
    PROCESS: ("actor", "process"),
    "*": ("actor", "process", "parent_process"),
}


def _proc(
    suffix: tuple[str, ...], table: dict[int | str, tuple[str, ...]] = _SUBJ
) -> dict[int | str, str]:
    return {cls: path_expr(base + suffix) for cls, base in table.items()}


def _parent_name_1007() -> str:
    # A launch event may name the parent inside ``process.parent_process`` instead of ``actor``.
    return (
        f"({path_expr(('actor', 'process', 'name'))} or "
        f"{path_expr(('process', 'parent_process', 'name'))})"
    )


def _server(key: str) -> str:
    """The server endpoint's ``key``, inline for the common case (not a listen event)."""
    return (
        f"({path_expr(('dst_endpoint', key))} if e.get('activity_id') != 7 "
        f"else _ep(e, 'server', {key!r}))"
    )


def _wrap(fn: str, exprs: dict[int | str, str]) -> dict[int | str, str]:
    return {cls: f"{fn}({expr})" for cls, expr in exprs.items()}


_NET = {NETWORK: ""}
FIELDS: dict[str, FieldSpec] = {
    # event
    "evt.type": FieldSpec(
        "str",
        {
            cls: f"({path_expr(('unmapped', 'syscall'))} or _ET{cls}.get(e.get('activity_id'), ''))"
            for cls in CLASSES
        },
    ),
    "evt.time": FieldSpec("int", {"*": "e.get('time')"}),
    "evt.dir": FieldSpec("str", {"*": "'<'"}),
    "evt.res": FieldSpec("str", {"*": "('ERROR' if e.get('status_id') == 2 else 'SUCCESS')"}),
    "evt.rawres": FieldSpec("int", {"*": "(-1 if e.get('status_id') == 2 else 0)"}),
    "evt.failed": FieldSpec("bool", {"*": "(e.get('status_id') == 2)"}),
    "evt.category": FieldSpec("int", {"*": "e.get('category_uid')"}),
    "evt.is_open_read": FieldSpec("bool", {FILE: "_open_flag(e, 'read')"}),
    "evt.is_open_write": FieldSpec("bool", {FILE: "_open_flag(e, 'write')"}),
    "evt.is_open_create": FieldSpec("bool", {FILE: "_open_flag(e, 'create')"}),
    "evt.is_open_exec": FieldSpec("bool", {FILE: "_open_flag(e, 'exec')"}),
    "evt.hostname": FieldSpec("str", {"*": path_expr(("device", "hostname"))}),
    # subject process
    "proc.name": FieldSpec("str", _proc(("name",))),
    "proc.exepath": FieldSpec("str", _proc(("file", "path"))),
    "proc.exe": FieldSpec(
        "str",
        {
            cls: f"_argv0({path_expr((*b, 'cmd_line'))}, {path_expr((*b, 'file', 'path'))})"
            for cls, b in _SUBJ.items()
        },
    ),
    "proc.cmdline": FieldSpec("str", _proc(("cmd_line",))),
    "proc.args": FieldSpec("str", _wrap("_args", _proc(("cmd_line",)))),
    "proc.pid": FieldSpec("int", _wrap("_int", _proc(("pid",)))),
    "proc.vpid": FieldSpec("int", _wrap("_int", _proc(("pid",)))),
    "proc.cwd": FieldSpec("str", _proc(("working_directory",))),
    "proc.tty": FieldSpec("int", _wrap("_int", _proc(("tty",)))),
    "proc.sha256": FieldSpec("str", _proc(("file", "hashes", "sha256"))),
    "proc.is_exe_from_memfd": FieldSpec(
        "bool",
        {
            cls: f"str({path_expr((*b, 'file', 'path'))}).startswith('/memfd:')"
            for cls, b in _SUBJ.items()
        },
    ),
    "proc.ppid": FieldSpec("int", _wrap("_int", _proc(("pid",), _PARENT))),
    "proc.pname": FieldSpec(
        "str",
        {
            PROCESS: _parent_name_1007(),
            "*": path_expr(("actor", "process", "parent_process", "name")),
        },
    ),
    "proc.pexepath": FieldSpec("str", _proc(("file", "path"), _PARENT)),
    "proc.pexe": FieldSpec("str", _proc(("file", "path"), _PARENT)),
    "proc.pcmdline": FieldSpec("str", _proc(("cmd_line",), _PARENT)),
    "proc.puid": FieldSpec("int", _wrap("_int", _proc(("user", "uid"), _PARENT))),
    # ancestors beyond the event come from the engine's process tree (``_ST``)
    "proc.aname": FieldSpec("list", {"*": "_ST.ancestor_names(e)"}),
    "proc.exe_written": FieldSpec("bool", {PROCESS: "_ST.exe_written(e)"}),
    "proc.exe_writer": FieldSpec("str", {PROCESS: "_ST.exe_writer(e)"}),
    "fd.is_written": FieldSpec("bool", {FILE: "_ST.file_written(e)"}),
    # Falco's overlayfs drift flag; here: the executable was written at runtime in this container
    "proc.is_exe_upper_layer": FieldSpec("bool", {PROCESS: "_ST.exe_written(e)"}),
    # user
    "user.uid": FieldSpec("int", _wrap("_int", _proc(("user", "uid")))),
    "user.name": FieldSpec("str", _proc(("user", "name"))),
    "user.loginuid": FieldSpec("int", _wrap("_int", _proc(("user", "loginuid")))),
    # file descriptor (file events, sockets)
    "fd.name": FieldSpec("str", {FILE: path_expr(("file", "path")), NETWORK: "_fd_name_net(e)"}),
    "fd.directory": FieldSpec("str", {FILE: f"_dirname({path_expr(('file', 'path'))})"}),
    "fd.filename": FieldSpec("str", {FILE: f"_basename({path_expr(('file', 'path'))})"}),
    "fd.typechar": FieldSpec("str", {FILE: "'f'", NETWORK: "_typechar_net(e)"}),
    "fd.type": FieldSpec(
        "str",
        {FILE: "'file'", NETWORK: "{'4': 'ipv4', '6': 'ipv6', 'u': 'unix'}[_typechar_net(e)]"},
    ),
    "fd.num": FieldSpec("int", {FILE: "3", NETWORK: "3"}),
    "fd.newname": FieldSpec(
        "str",
        {FILE: f"({path_expr(('file_result', 'path'))} or {path_expr(('unmapped', 'new_path'))})"},
    ),
    "fs.path.target": FieldSpec(
        "str",
        {FILE: f"({path_expr(('file_result', 'path'))} or {path_expr(('unmapped', 'new_path'))})"},
    ),
    "fd.sip": FieldSpec("str", {NETWORK: _server("ip")}),
    "fd.sport": FieldSpec("int", {NETWORK: f"_int({_server('port')})"}),
    "fd.cip": FieldSpec("str", {NETWORK: "_ep(e, 'client', 'ip')"}),
    "fd.cport": FieldSpec("int", {NETWORK: "_int(_ep(e, 'client', 'port'))"}),
    "fd.lip": FieldSpec("str", {NETWORK: "_ep(e, 'local', 'ip')"}),
    "fd.lport": FieldSpec("int", {NETWORK: "_int(_ep(e, 'local', 'port'))"}),
    "fd.rip": FieldSpec("str", {NETWORK: "_ep(e, 'remote', 'ip')"}),
    "fd.rport": FieldSpec("int", {NETWORK: "_int(_ep(e, 'remote', 'port'))"}),
    "fd.sip.name": FieldSpec("str", {NETWORK: _server("hostname")}),
    "fd.rip.name": FieldSpec("str", {NETWORK: "_ep(e, 'remote', 'hostname')"}),
    "fd.l4proto": FieldSpec(
        "str", {NETWORK: f"str({path_expr(('connection_info', 'protocol_name'))} or '').lower()"}
    ),
    "fd.snet": FieldSpec("str", {NETWORK: _server("ip")}),
    "fd.ip": FieldSpec("str", {NETWORK: "_ep(e, 'remote', 'ip')"}),
    "fd.rnet": FieldSpec("str", {NETWORK: "_ep(e, 'remote', 'ip')"}),
    "fd.net": FieldSpec("str", {NETWORK: "_ep(e, 'remote', 'ip')"}),
    "net.direction": FieldSpec(
        "str",
        {
            NETWORK: f"{{1: 'in', 2: 'out'}}.get({path_expr(('connection_info', 'direction_id'))}, 'out')"
        },
    ),
    # syscall arguments the agent puts under ``unmapped``
    "evt.arg.request": FieldSpec("str", {PROCESS: path_expr(("unmapped", "ptrace_request"))}),
    "evt.arg.uid": FieldSpec("int", {PROCESS: f"_int({path_expr(('unmapped', 'target_uid'))})"}),
    "evt.arg.name": FieldSpec("str", {PROCESS: path_expr(("unmapped", "memfd_name"))}),
    "evt.arg.flags": FieldSpec("str", {FILE: path_expr(("unmapped", "open_flags"))}),
    "evt.arg.source": FieldSpec("str", {FILE: path_expr(("unmapped", "mount", "source"))}),
    "evt.arg.fstype": FieldSpec("str", {FILE: path_expr(("unmapped", "mount", "fstype"))}),
    "evt.arg.module": FieldSpec("str", {PROCESS: path_expr(("unmapped", "module_file"))}),
    "proc.target.name": FieldSpec("str", {PROCESS: path_expr(("unmapped", "target", "name"))}),
    "proc.target.pid": FieldSpec(
        "int", {PROCESS: f"_int({path_expr(('unmapped', 'target', 'pid'))})"}
    ),
    # DNS (ecsguard fields; Falco has none)
    "dns.suffixes": FieldSpec("list", {DNS: f"_suffixes({path_expr(('query', 'hostname'))})"}),
    "dns.query": FieldSpec("str", {DNS: path_expr(("query", "hostname"))}),
    "dns.type": FieldSpec("str", {DNS: path_expr(("query", "type"))}),
    "dns.answers": FieldSpec("list", {DNS: "_answers(e)"}),
    # container and ECS context
    "container.id": FieldSpec("str", {"*": f"({path_expr(('container', 'uid'))} or 'host')"}),
    "container.name": FieldSpec("str", {"*": path_expr(("container", "name"))}),
    "container.image.repository": FieldSpec(
        "str", {"*": path_expr(("container", "image", "name"))}
    ),
    "container.image.tag": FieldSpec("str", {"*": path_expr(("container", "image", "tag"))}),
    "container.image": FieldSpec("str", {"*": path_expr(("container", "image", "name"))}),
    "container.privileged": FieldSpec("bool", {"*": path_expr(("container", "privileged"))}),
    "ecs.cluster": FieldSpec("str", {"*": path_expr(("unmapped", "ecs", "cluster"))}),
    "ecs.task_arn": FieldSpec("str", {"*": path_expr(("unmapped", "ecs", "task_arn"))}),
    "ecs.family": FieldSpec("str", {"*": path_expr(("unmapped", "ecs", "family"))}),
    "ecs.container_name": FieldSpec("str", {"*": path_expr(("unmapped", "ecs", "container_name"))}),
}


def accessor(field: str, cls: int) -> str | None:
    """Inline Python for ``field`` on class ``cls``; None when the class never carries it.

    ``proc.aname[N]`` (N>=1) and ``proc.apid[N]`` read the event's own parent first and the
    process tree for deeper ancestors; ``ocsf.a.b`` reads any OCSF path directly.
    """
    if field.startswith("ocsf."):
        return path_expr(tuple(field[5:].split(".")))
    if field.startswith("proc.aname[") and field.endswith("]"):
        depth = int(field[11:-1])
        if depth == 0:
            return accessor("proc.name", cls)
        if depth == 1:
            return accessor("proc.pname", cls)
        return f"_ST.ancestor_name(e, {depth})"
    spec = FIELDS.get(field)
    if spec is None:
        return None
    return spec.exprs.get(cls, spec.exprs.get("*"))


def gate_accessor(field: str, cls: int, table: Any) -> str | None:
    """Accessor for a gate. On sockets, literals that are paths can only match a unix socket's
    path, so the gate skips building the ``ip:port->ip:port`` name."""
    if field == "fd.name" and cls == NETWORK:
        literals = list(table.keys()) if isinstance(table, dict) else [str(k) for k in table]
        if literals and all("/" in str(v) for v in literals):
            return "_unix_path(e)"
    return accessor(field, cls)


def field_kind(field: str) -> str | None:
    """str|int|bool|list for a known field, None for an unknown one."""
    if field.startswith("ocsf."):
        return "any"
    if field.startswith("proc.aname[") and field.endswith("]") and field[11:-1].isdigit():
        return "str"
    spec = FIELDS.get(field)
    return spec.kind if spec else None


def field_classes(field: str) -> tuple[int, ...]:
    """The classes where ``field`` can have a value."""
    return tuple(cls for cls in CLASSES if accessor(field, cls) is not None)


def helper_namespace(state: Any) -> dict[str, Any]:
    """Globals for compiled rule code: helpers plus the engine's process tree as ``_ST``."""
    return {**HELPERS, "_ST": state}


_: Callable[..., Any] = helper_namespace
