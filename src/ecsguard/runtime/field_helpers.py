"""Small functions the generated rule code calls to read OCSF events (endpoints by role,
socket names, DNS answers, open flags, value coercion). Pure; imported by ``fields``."""

from __future__ import annotations

import ipaddress
import posixpath
from typing import Any

_E: dict[str, Any] = {}
MEMO_CAP = 4096  # distinct values a memo remembers before it starts over
MEMO_LEN = 512  # longer values are never remembered


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _args(cmdline: Any) -> str | None:
    if not isinstance(cmdline, str):
        return None
    _, _, rest = cmdline.strip().partition(" ")
    return rest


def _argv0(cmdline: Any, path: Any) -> str | None:
    if isinstance(cmdline, str) and cmdline:
        return cmdline.split(" ", 1)[0]
    return path if isinstance(path, str) else None


def _basename(path: Any) -> str | None:
    return posixpath.basename(path) if isinstance(path, str) else None


def _dirname(path: Any) -> str | None:
    return posixpath.dirname(path) if isinstance(path, str) else None


def _endpoint(e: dict[str, Any], side: str) -> dict[str, Any]:
    """side: server|client|local|remote -> the OCSF endpoint object for that role."""
    if side == "server" and e.get("activity_id") != 7:
        return e.get("dst_endpoint") or _E  # the common case: outbound or accepted connection
    inbound = (e.get("connection_info") or _E).get("direction_id") == 1
    dst = e.get("dst_endpoint") or _E
    src = e.get("src_endpoint") or _E
    if e.get("activity_id") == 7:
        server = dst if dst.get("port") is not None else src
        return server if side in ("server", "local") else _E
    if side == "client":
        return src
    if side == "local":
        return dst if inbound else src
    return src if inbound else dst


def _ep(e: dict[str, Any], side: str, key: str) -> Any:
    return _endpoint(e, side).get(key)


def _fd_name_net(e: dict[str, Any]) -> str | None:
    unmapped = e.get("unmapped")
    if unmapped and unmapped.get("socket_path").__class__ is str:
        return str(unmapped["socket_path"])
    dst = e.get("dst_endpoint") or _E
    path = dst.get("path")
    if path.__class__ is str:
        return str(path)
    if dst.get("ip") is None:
        return None
    src = e.get("src_endpoint") or _E
    return f"{src.get('ip', '')}:{src.get('port', '')}->{dst.get('ip')}:{dst.get('port', '')}"


def _unix_path(e: dict[str, Any]) -> str | None:
    unmapped = e.get("unmapped")
    path = unmapped.get("socket_path") if unmapped else None
    if path.__class__ is str:
        return str(path)
    path = (e.get("dst_endpoint") or _E).get("path")
    return str(path) if path.__class__ is str else None


def _typechar_net(e: dict[str, Any]) -> str:
    if _fd_name_net(e) and (_fd_name_net(e) or "").startswith("/"):
        return "u"
    ip = (e.get("dst_endpoint") or _E).get("ip")
    return "6" if isinstance(ip, str) and ":" in ip else "4"


def _answers(e: dict[str, Any]) -> list[str] | None:
    answers = e.get("answers")
    if not isinstance(answers, list):
        return None
    return [a["rdata"] for a in answers if isinstance(a, dict) and isinstance(a.get("rdata"), str)]


def _suffixes(name: Any) -> list[str] | None:
    """``a.b.example.com`` -> [a.b.example.com, b.example.com, example.com, com]."""
    if not isinstance(name, str):
        return None
    labels = name.lower().rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def _in_nets(ip: Any, nets: tuple[Any, ...]) -> bool:
    if not isinstance(ip, str):
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in nets)


def _tf_case(value: Any, method: str) -> Any:
    return getattr(value, method)() if isinstance(value, str) else value


def _tf_len(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list) else None


def _open_flag(e: dict[str, Any], kind: str) -> bool:
    act = e.get("activity_id")
    flags = (e.get("unmapped") or _E).get("open_flags")
    if isinstance(flags, str):
        return {
            "read": "O_RDONLY" in flags or "O_RDWR" in flags,
            "write": "O_WRONLY" in flags or "O_RDWR" in flags or "O_CREAT" in flags,
            "create": "O_CREAT" in flags,
            "exec": "O_EXEC" in flags,
        }.get(kind, False)
    if kind == "read":
        return act in (2, 14)
    if kind == "write":
        return act in (1, 3)
    return act == 1 if kind == "create" else False


def _contains_any(literals: tuple[str, ...], memo: dict[str, bool], value: str) -> bool:
    """Whether the string ``value`` contains one of ``literals``, remembered per value (bounded:
    the answer depends on the value alone)."""
    hit = memo.get(value)
    if hit is None:
        hit = False
        for literal in literals:
            if literal in value:
                hit = True
                break
        if len(value) <= MEMO_LEN:
            if len(memo) >= MEMO_CAP:
                memo.clear()
            memo[value] = hit
    return hit
