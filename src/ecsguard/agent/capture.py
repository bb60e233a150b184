"""eBPF capture: runs the shipped bpftrace script as a subprocess and yields OCSF events.

A reader thread moves bpftrace's JSON lines into a ``BoundedQueue`` (drops counted, memory
bounded); ``events()`` parses, enriches and builds OCSF events on the caller's thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ecsguard.agent.enrich import Enricher
from ecsguard.agent.ocsf import EventBuilder
from ecsguard.agent.proctable import ProcessTable
from ecsguard.agent.queue import BoundedQueue
from ecsguard.agent.records import RecordParser
from ecsguard.agent.script import Rendered, find_libc, render_script, template, tracefs_root
from ecsguard.errors import EcsguardError

__all__ = ["BpftraceCapture", "CaptureError", "CaptureStats", "ebpf_unavailable_reason"]

_BEGIN_MARK = b'"S\\u001f'  # the BEGIN record as bpftrace's JSON escapes it


class CaptureError(EcsguardError):
    """The capture could not start (no bpftrace, not root, script rejected by the kernel)."""


@dataclass(slots=True)
class CaptureStats:
    events: int = 0
    queue_dropped: int = 0
    kernel_lost: int = 0
    malformed: int = 0
    queue_high_water: int = 0
    sections: tuple[str, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "dropped": self.queue_dropped + self.kernel_lost,
            "queue_dropped": self.queue_dropped,
            "kernel_lost": self.kernel_lost,
            "malformed": self.malformed,
            "queue_high_water": self.queue_high_water,
            "sections": list(self.sections),
            "missing": [{"section": s, "reason": r} for s, r in self.missing],
            **self.extra,
        }


def ebpf_unavailable_reason(bpftrace: str = "bpftrace") -> str | None:
    """Why eBPF capture cannot run here, or None when it can."""
    if shutil.which(bpftrace) is None:
        return f"{bpftrace} is not installed"
    if os.geteuid() != 0:
        return "eBPF capture needs root"
    if tracefs_root() is None:
        return "tracefs is not mounted and could not be mounted"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "the kernel exposes no BTF (/sys/kernel/btf/vmlinux)"
    return None


class BpftraceCapture:
    """Owns one bpftrace process. ``start()`` blocks until the probes are attached."""

    def __init__(
        self,
        *,
        enricher: Enricher | None = None,
        queue_capacity: int = 65536,
        bpftrace: str = "bpftrace",
        skip: frozenset[str] = frozenset(),
        hostname: str | None = None,
        start_timeout: float = 90.0,
        ring_pages: int | None = None,
        libc: str | None = None,
    ) -> None:
        self.libc = libc
        self.bpftrace = bpftrace
        self.skip = skip
        self.start_timeout = start_timeout
        # Per-CPU ring buffers: 4 MiB each on small hosts, 32 MiB in total on large ones.
        self.ring_pages = ring_pages or min(1024, max(64, 8192 // (os.cpu_count() or 1)))
        self.queue: BoundedQueue[bytes] = BoundedQueue(queue_capacity)
        self.parser = RecordParser()
        offset = time.time_ns() - time.monotonic_ns()
        self.builder = EventBuilder(
            ProcessTable(), enricher, hostname=hostname, clock_offset_ns=offset
        )
        self.stats = CaptureStats()
        self.rendered: Rendered | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._stderr: deque[str] = deque(maxlen=20)
        self._threads: list[threading.Thread] = []
        self._script_path: str | None = None
        self._calibrated = False
        self._stopping = False
        self.failure: str | None = None
        self._anchor_wall_ns = time.time_ns()

    def start(self) -> None:
        reason = ebpf_unavailable_reason(self.bpftrace)
        if reason:
            raise CaptureError(f"eBPF capture unavailable: {reason}")
        self.rendered = render_script(
            template(), tracefs=tracefs_root(), libc=self.libc or find_libc(), skip=self.skip
        )
        self.stats.sections, self.stats.missing = self.rendered.sections, self.rendered.missing
        fd, self._script_path = tempfile.mkstemp(prefix="ecsguard-", suffix=".bt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.rendered.text)
        env = dict(os.environ, BPFTRACE_PERF_RB_PAGES=str(self.ring_pages))
        self._proc = subprocess.Popen(
            [self.bpftrace, "-f", "json", self._script_path, str(os.getpid())],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._spawn(self._read_stdout, self._proc.stdout)
        self._spawn(self._read_stderr, self._proc.stderr)
        deadline = time.monotonic() + self.start_timeout
        while not self._ready.wait(0.1):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise CaptureError("bpftrace failed to start: " + self._error_text())
        before = time.time_ns()
        os.getppid()  # the script stamps this syscall: kernel clock <-> wall clock
        self._anchor_wall_ns = (before + time.time_ns()) // 2

    def _spawn(self, target: Any, stream: IO[bytes]) -> None:
        thread = threading.Thread(target=target, args=(stream,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _error_text(self) -> str:
        lines = [ln for ln in self._stderr if "RLIMIT_MEMLOCK" not in ln and "Addrspace" not in ln]
        return " | ".join(lines[-5:]) or "no output"

    def _read_stdout(self, stream: IO[bytes]) -> None:
        # Raw reads return whatever the pipe holds (no waiting for a full buffer), so a quiet
        # moment never holds back the last events, and a busy one moves many lines per call.
        fd = stream.fileno()
        put_many = self.queue.put_many
        rest = b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            if not self._ready.is_set():
                # bpftrace announces "attached_probes" before attaching; BEGIN runs after the
                # last probe is attached, so its record is the true start (and clock anchor).
                for i, line in enumerate(lines):
                    if _BEGIN_MARK in line:
                        self._ready.set()
                        lines = lines[i:]
                        break
                else:
                    continue
            put_many(lines)
        self.queue.close()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").strip())

    def events(self, stop: threading.Event | None = None) -> Iterator[dict[str, Any] | None]:
        """OCSF events until ``stop`` is set or bpftrace ends; None marks an idle moment."""
        feed = self.parser.feed
        build = self.builder.build
        exits = self.parser.exits
        forks = self.parser.forks
        while not (stop is not None and stop.is_set()):
            lines = self.queue.get_many(1024, timeout=0.2)
            if not lines:
                if self.queue.closed:
                    self.failure = self._exit_failure()
                    break
                yield None
                continue
            for line in lines:
                rec = feed(line)
                if self.parser.clock_nsecs is not None and not self._calibrated:
                    self._calibrate(self.parser.clock_nsecs)
                if forks:
                    for parent, child in forks:
                        self.builder.forked(parent, child)
                    forks.clear()
                if exits:
                    for pid in exits:
                        self.builder.exited(pid)
                    exits.clear()
                if rec is None:
                    continue
                event = build(rec)
                if event is not None:
                    self.stats.events += 1
                    yield event
            self._sync_stats()
            yield None  # end of a batch: sinks flush, so a busy host never delays output

    def _exit_failure(self) -> str | None:
        """Why bpftrace ended on its own (None when it was asked to stop)."""
        proc = self._proc
        if proc is None or self._stopping:
            return None
        code = proc.wait()
        return f"bpftrace exited with status {code}: {self._error_text()}"

    def _calibrate(self, kernel_nsecs: int) -> None:
        # bpftrace's nsecs is the kernel's ktime, which need not match this process's
        # CLOCK_MONOTONIC (it does not on restored VM snapshots): anchor it on the T record.
        self.builder.clock_offset_ns = self._anchor_wall_ns - kernel_nsecs
        self._calibrated = True

    def _sync_stats(self) -> None:
        self.stats.queue_dropped = self.queue.dropped
        self.stats.kernel_lost = self.parser.lost
        self.stats.malformed = self.parser.malformed
        self.stats.queue_high_water = self.queue.high_water

    def stop(self) -> None:
        self._stopping = True
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._script_path:
            with contextlib.suppress(OSError):
                os.unlink(self._script_path)
            self._script_path = None
        self._sync_stats()
