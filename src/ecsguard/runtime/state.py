"""Bounded per-host state the rules read: the process tree and files written at runtime (drift).

Keys are (container uid or hostname, pid) and (container uid or hostname, path). Both maps are
FIFO-capped so memory stays flat however long the stream runs.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["RuntimeState"]

_E: dict[str, Any] = {}
_WRITE_ACTIVITIES = frozenset({1, 3, 5})
_WRITABLE = ("/tmp/", "/var/tmp/", "/dev/shm/", "/run/", "/home/", "/root/")
_PROCESS, _FILE = 1007, 1001


def _scope_key(e: dict[str, Any]) -> str:
    c = e.get("container")
    uid = c.get("uid") if isinstance(c, dict) else None
    if isinstance(uid, str):
        return uid
    d = e.get("device")
    host = d.get("hostname") if isinstance(d, dict) else None
    return host if isinstance(host, str) else ""


def _subject(e: dict[str, Any]) -> dict[str, Any]:
    if e.get("class_uid") == _PROCESS:
        p = e.get("process")
    else:
        p = (e.get("actor") or _E).get("process")
    return p if isinstance(p, dict) else _E


class RuntimeState:
    """Process tree and drift tracker; ``observe`` feeds it, rules read it through ``_ST``."""

    def __init__(self, cap: int = 16384) -> None:
        self.cap = cap
        # FIFO-capped maps. OrderedDict, not dict: evicting the oldest entry of a plain dict with
        # ``del d[next(iter(d))]`` rescans the deleted slots at the front (microseconds per event
        # once the cap is reached); ``popitem(last=False)`` is O(1) with the same order.
        self.procs: OrderedDict[tuple[str, Any], tuple[Any, Any]] = OrderedDict()  # -> (name, ppid)
        self.written: OrderedDict[tuple[str, str], str] = OrderedDict()  # key -> writer name

    def observe(self, e: dict[str, Any], cls: int) -> None:
        """Feed one event (the engine calls this only for launches and file writes)."""
        if cls == _PROCESS:
            self.observe_launch(e)
        elif cls == _FILE and e.get("activity_id") in _WRITE_ACTIVITIES:
            self._observe_write(e)
        elif cls == _FILE and e.get("activity_id") == 6:
            path = (e.get("file") or _E).get("path")
            # chmod +x in a writable location prepares a payload; image files are chmod-ed at start too
            if isinstance(path, str) and path.startswith(_WRITABLE):
                self._observe_write(e)

    @staticmethod
    def wants(e: dict[str, Any], cls: int) -> bool:
        return cls == _PROCESS or (cls == _FILE and e.get("activity_id") in _WRITE_ACTIVITIES)

    def observe_launch(self, e: dict[str, Any]) -> None:
        """Record a launch (Process Activity): the process, its parent and grandparent."""
        # ``_put_proc`` and ``_scope_key`` inlined: same order, same evictions, same keys.
        c = e.get("container")
        scope = c.get("uid") if isinstance(c, dict) else None
        if not isinstance(scope, str):
            scope = _scope_key(e)
        proc = e.get("process") or _E
        actor = (e.get("actor") or _E).get("process") or proc.get("parent_process") or _E
        grand = actor.get("parent_process") or _E
        procs, cap = self.procs, self.cap
        pid = proc.get("pid")
        apid = actor.get("pid")
        if pid is not None:
            procs[(scope, pid)] = (proc.get("name"), apid)
            if len(procs) > cap:
                procs.popitem(last=False)
        gpid = grand.get("pid")  # after the launch is recorded, as before (hostile shapes)
        if apid is not None:
            key = (scope, apid)
            if key not in procs:
                procs[key] = (actor.get("name"), gpid)
                if len(procs) > cap:
                    procs.popitem(last=False)
        if gpid is not None:
            key = (scope, gpid)
            if key not in procs:
                procs[key] = (grand.get("name"), None)
                if len(procs) > cap:
                    procs.popitem(last=False)

    def _observe_write(self, e: dict[str, Any]) -> None:
        path = (e.get("file") or _E).get("path")
        if e.get("activity_id") == 5:
            result = e.get("file_result") or _E
            path = result.get("path") or (e.get("unmapped") or _E).get("new_path")
        if not isinstance(path, str):
            return
        writer = ((e.get("actor") or _E).get("process") or _E).get("name")
        written = self.written
        written[(_scope_key(e), path)] = writer if isinstance(writer, str) else ""
        if len(written) > self.cap:
            written.popitem(last=False)

    # ---- fields read by compiled rules

    def ancestor_names(self, e: dict[str, Any]) -> list[str]:
        """Names of the subject's ancestors, nearest first: the event's own chain, then the tree."""
        chain: list[dict[str, Any]] = []
        if e.get("class_uid") == _PROCESS:
            parent = (e.get("actor") or _E).get("process") or (e.get("process") or _E).get(
                "parent_process"
            )
        else:
            parent = _subject(e).get("parent_process")
        while isinstance(parent, dict) and len(chain) < 4:
            chain.append(parent)
            parent = parent.get("parent_process")
        names = [c["name"] for c in chain if isinstance(c.get("name"), str)]
        pid = chain[-1].get("pid") if chain else None
        entry = self.procs.get((_scope_key(e), pid)) if pid is not None else None
        pid = entry[1] if entry else None
        scope = _scope_key(e)
        for _ in range(12):  # bounded: a corrupt tree may contain cycles
            entry = self.procs.get((scope, pid)) if pid is not None else None
            if entry is None:
                break
            if isinstance(entry[0], str):
                names.append(entry[0])
            pid = entry[1]
        return names

    def ancestor_name(self, e: dict[str, Any], depth: int) -> str | None:
        names = self.ancestor_names(e)
        return names[depth - 1] if 0 < depth <= len(names) else None

    def exe_written(self, e: dict[str, Any]) -> bool:
        return self.exe_writer(e) is not None

    def exe_writer(self, e: dict[str, Any]) -> str | None:
        path = ((e.get("process") or _E).get("file") or _E).get("path")
        if not isinstance(path, str) or not self.written:
            return None
        return self.written.get((_scope_key(e), path))

    def file_written(self, e: dict[str, Any]) -> bool:
        path = (e.get("file") or _E).get("path")
        return isinstance(path, str) and (_scope_key(e), path) in self.written
