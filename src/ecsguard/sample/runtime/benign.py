"""The benign side of the sample stream: what each workload does all day."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from ecsguard.sample.runtime.events import Builder, proc
from ecsguard.sample.runtime.workloads import Task

__all__ = ["benign_events", "startup_events"]

# Relative frequencies of what a running task does (file opens dominate, like real syscall mixes).
_MIX = (
    ("read", 52),
    ("write", 10),
    ("connect", 14),
    ("accept", 6),
    ("dns", 11),
    ("health", 3),
    ("child", 4),
)
_KINDS = [k for k, _ in _MIX]
_WEIGHTS = [w for _, w in _MIX]


def startup_events(b: Builder, task: Task) -> list[dict[str, Any]]:
    """Container start: init execs the main process, which opens its config and listens."""
    w = task.workload
    init = proc(
        1,
        "tini",
        "/sbin/tini",
        f"/sbin/tini -- {w.main[2]}",
        w.uid,
        proc(
            0,
            "containerd-shim",
            "/usr/bin/containerd-shim-runc-v2",
            "containerd-shim-runc-v2 -namespace moby",
            0,
        ),
    )
    event, _main = b.exec(task, init, *w.main, pid=task.main_pid)
    out = [event]
    out.extend(b.open(task, b.main_proc(task), path, "O_RDONLY|O_CLOEXEC") for path in w.reads[:4])
    out.extend(b.listen(task, b.main_proc(task), port) for port in w.ports)
    return out


def _health(b: Builder, task: Task, rng: random.Random) -> list[dict[str, Any]]:
    w = task.workload
    runc = proc(
        rng.randint(30000, 60000),
        "runc",
        "/usr/bin/runc",
        "runc exec --process /tmp/runc-process",
        0,
    )
    port = w.ports[0] if w.ports else 8080
    cmd = w.health.format(port=port)
    sh_event, sh = b.exec(task, runc, "sh", "/bin/sh", f"/bin/sh -c {cmd}")
    out = [sh_event]
    first = cmd.split()[0]
    name = first.rsplit("/", 1)[-1]
    tool_event, tool = b.exec(
        task, sh, name, first if first.startswith("/") else f"/usr/bin/{name}", cmd
    )
    out.append(tool_event)
    if name == "curl":
        out.append(b.connect(task, tool, "127.0.0.1", port))
    return out


def _child(b: Builder, task: Task, rng: random.Random) -> list[dict[str, Any]]:
    w = task.workload
    if not w.children:
        return _health(b, task, rng)
    name, exe, cmd = rng.choice(w.children)
    event, child = b.exec(task, b.main_proc(task), name, exe, cmd)
    out = [event]
    if w.service == "ci-runner":
        for path in w.writes[:3]:
            out.append(b.open(task, child, path, "O_WRONLY|O_CREAT|O_TRUNC"))
        if name == "go":
            built = "/builds/shop/tokenizer/bin/tokenizer"
            out.append(
                b.open(
                    task,
                    proc(child["pid"] + 1, "go", exe, cmd, 0),
                    built,
                    "O_WRONLY|O_CREAT|O_TRUNC",
                )
            )
            ev, _ = b.exec(task, child, "tokenizer", built, f"{built} -test.v")
            out.append(ev)
        if name == "npm":
            out.append(b.dns(task, child, "registry.npmjs.org", ["104.16.26.35"]))
            out.append(b.connect(task, child, "104.16.26.35", 443, "registry.npmjs.org"))
    elif name == "aws":
        out.append(b.dns(task, child, "s3.us-east-1.amazonaws.com", ["52.216.20.139"]))
        out.append(b.connect(task, child, "169.254.170.2", 80))
        out.append(b.connect(task, child, "52.216.20.139", 443, "s3.us-east-1.amazonaws.com"))
    return out


def benign_events(b: Builder, task: Task, rng: random.Random) -> Iterator[dict[str, Any]]:
    """An endless benign stream for one task."""
    w = task.workload
    main = b.main_proc(task)
    while True:
        kind = rng.choices(_KINDS, _WEIGHTS)[0]
        if kind == "read":
            yield b.open(task, main, rng.choice(w.reads), "O_RDONLY|O_CLOEXEC")
        elif kind == "write":
            yield b.open(
                task,
                main,
                rng.choice(w.writes),
                rng.choice(("O_WRONLY|O_APPEND", "O_WRONLY|O_CREAT|O_TRUNC", "O_RDWR")),
            )
        elif kind == "connect":
            ip, port, host = rng.choice(w.peers)
            yield b.connect(task, main, ip, port, host)
        elif kind == "accept":
            if w.ports:
                yield b.accept(
                    task, main, w.ports[0], f"10.0.{rng.randint(1, 40)}.{rng.randint(2, 250)}"
                )
            else:
                yield b.open(task, main, rng.choice(w.reads), "O_RDONLY")
        elif kind == "dns":
            ip, _, host = rng.choice(w.peers)
            if host:
                yield b.dns(task, main, host, [ip])
            else:
                yield b.open(task, main, "/etc/resolv.conf", "O_RDONLY|O_CLOEXEC")
        elif kind == "health":
            yield from _health(b, task, rng)
        else:
            yield from _child(b, task, rng)
