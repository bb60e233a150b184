"""Offered load for the agent benchmark: exec + open + connect syscalls at a fixed rate.

Runs as its own process named ``ecsg-load`` (so the benchmark can count exactly the events it
caused). Per 100 events: 1 exec of /bin/true, 50 opens for writing, 49 TCP connects to a
closed loopback port (refused at once, but the connect syscall happened). Prints one JSON line
with what it actually did.
"""

from __future__ import annotations

import ctypes
import os
import socket
import sys
import time

import orjson

SLICE = 0.01  # pace in 10 ms slices


def _name(title: bytes) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(15, ctypes.c_char_p(title), 0, 0, 0)  # PR_SET_NAME: the kernel's comm


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(rate: float, seconds: float, workdir: str) -> None:
    _name(b"ecsg-load")
    port = _closed_port()
    path = os.path.join(workdir, "load.out")
    done = {"open": 0, "connect": 0, "exec": 0}
    start = time.perf_counter()
    i = 0
    while True:
        now = time.perf_counter() - start
        if now >= seconds:
            break
        due = int(rate * min(now + SLICE, seconds))
        while i < due:
            kind = (i + 1) % 100  # the first exec comes after the process renamed itself
            if kind == 0:
                pid = os.posix_spawn("/bin/true", ["true"], {})
                os.waitpid(pid, 0)
                done["exec"] += 1
            elif kind <= 50:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.close(fd)
                done["open"] += 1
            else:
                with socket.socket() as sock:
                    sock.connect_ex(("127.0.0.1", port))
                done["connect"] += 1
            i += 1
        left = start + (now + SLICE) - time.perf_counter()
        if left > 0:
            time.sleep(left)
    elapsed = time.perf_counter() - start
    sys.stdout.buffer.write(orjson.dumps({**done, "events": i, "seconds": elapsed}) + b"\n")


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]), sys.argv[3])
