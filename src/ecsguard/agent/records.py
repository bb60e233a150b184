"""Parse the bpftrace script's JSON output into typed capture records.

bpftrace (``-f json``) wraps each printf in ``{"type": "printf", "data": "..."}``; the data is
one record: a letter, then fields separated by ``\\x1f``. Multi-part records (exec arguments,
DNS answers) are emitted *before* their head record on the same CPU, so the parser keeps the
parts per thread and attaches them when the head arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

__all__ = ["Record", "RecordParser"]

SEP = "\x1f"
# Heads that carry the common prefix: nsecs pid tid ppid uid cgroup comm.
HEADS = frozenset("XOCALDQPFNKUV")
_PENDING_MAX = 4096  # per-thread parts waiting for a head; older ones are discarded


@dataclass(slots=True)
class Record:
    """One kernel observation. ``kind`` is the record letter; ``extra`` its own fields."""

    kind: str
    nsecs: int
    pid: int
    tid: int
    ppid: int
    uid: int
    cgroup: int
    comm: str
    extra: list[str]
    parts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RecordParser:
    """Stateful: pairs part records with heads, counts what bpftrace says it lost."""

    lost: int = 0
    malformed: int = 0
    start_nsecs: int | None = None  # the script's BEGIN timestamp (kernel clock)
    clock_nsecs: int | None = None  # kernel time of the agent's clock-anchor syscall
    exits: list[int] = field(default_factory=list)
    forks: list[tuple[int, int]] = field(default_factory=list)
    _parts: dict[int, list[str]] = field(default_factory=dict)

    def feed(self, line: bytes) -> Record | None:
        """One line of bpftrace output -> a record, or None (parts, exits, noise)."""
        try:
            msg = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.malformed += 1
            return None
        if not isinstance(msg, dict):
            self.malformed += 1
            return None
        kind = msg.get("type")
        if kind == "lost_events":
            data = msg.get("data")
            self.lost += int(data.get("events", 0)) if isinstance(data, dict) else 0
            return None
        if kind != "printf":
            return None
        data = msg.get("data")
        return self.parse(data.rstrip("\n")) if isinstance(data, str) else None

    def parse(self, data: str) -> Record | None:
        fields = data.split(SEP)
        letter = fields[0]
        try:
            if letter in HEADS and len(fields) >= 8:
                tid = int(fields[3])
                parts = self._parts.pop(tid, []) if letter in "XD" else []
                extra = fields[8:]
                if letter == "Q" and len(extra) > 2:
                    # A DNS label 31 bytes long is a \x1f length byte: rejoin the name.
                    extra = [extra[0], SEP.join(extra[1:])]
                return Record(
                    letter,
                    int(fields[1]),
                    int(fields[2]),
                    tid,
                    int(fields[4]),
                    int(fields[5]),
                    int(fields[6]),
                    fields[7],
                    extra,
                    parts,
                )
            if letter in "YR" and len(fields) >= 2:
                self._add_parts(int(fields[1]), fields[2:])
                return None
            if letter == "B" and len(fields) == 3:
                self.forks.append((int(fields[1]), int(fields[2])))
                return None
            if letter == "Z" and len(fields) == 2:
                self.exits.append(int(fields[1]))
                return None
        except ValueError:
            pass
        if letter in "ST" and len(fields) == 2 and fields[1].isdigit():
            if letter == "S":
                self.start_nsecs = int(fields[1])
            else:
                self.clock_nsecs = int(fields[1])
            return None
        self.malformed += 1
        return None

    def _add_parts(self, tid: int, values: list[str]) -> None:
        if tid not in self._parts and len(self._parts) >= _PENDING_MAX:
            self._parts.pop(next(iter(self._parts)))
        self._parts.setdefault(tid, []).extend(values)
