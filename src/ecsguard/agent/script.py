"""Render the shipped bpftrace script for this kernel: keep the sections whose probes exist.

A probe that does not exist makes bpftrace refuse the whole script (this kernel, for instance,
has no module tracepoints when built without CONFIG_MODULES), so each optional section names
the probe it needs and is dropped, and reported as not covered, when that probe is missing.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Rendered", "find_libc", "probe_exists", "render_script", "tracefs_root"]

_SECTION = re.compile(r"^//@section (\S+) requires (\S+)\s*$")
_TRACEFS_CANDIDATES = ("/sys/kernel/tracing", "/sys/kernel/debug/tracing")
_LIBC_CANDIDATES = (
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/aarch64-linux-gnu/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib/libc.so.6",
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """The script text plus which sections were kept and which were dropped (and why)."""

    text: str
    sections: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]


def tracefs_root() -> Path | None:
    """The mounted tracefs (``events/`` lists tracepoints), mounting it when we may."""
    for root in _TRACEFS_CANDIDATES:
        if Path(root, "events").is_dir():
            return Path(root)
    # Minimal VMs and some AMIs boot without tracefs mounted; bpftrace then sees no tracepoints.
    if os.geteuid() == 0 and Path(_TRACEFS_CANDIDATES[0]).is_dir():
        subprocess.run(
            ["mount", "-t", "tracefs", "nodev", _TRACEFS_CANDIDATES[0]],
            check=False,
            capture_output=True,
        )
        if Path(_TRACEFS_CANDIDATES[0], "events").is_dir():
            return Path(_TRACEFS_CANDIDATES[0])
    return None


def find_libc() -> str | None:
    """The C library whose ``getaddrinfo`` the host's resolver calls (uprobe target)."""
    for path in _LIBC_CANDIDATES:
        if os.path.exists(path):
            return os.path.realpath(path)
    return None


def probe_exists(probe: str, tracefs: Path | None) -> bool:
    """True when ``tracepoint:CAT:NAME`` has a tracefs entry or ``uprobe:PATH:SYM`` a file."""
    kind, _, rest = probe.partition(":")
    if kind == "tracepoint":
        category, _, name = rest.partition(":")
        return tracefs is not None and Path(tracefs, "events", category, name).is_dir()
    if kind == "uprobe":
        path, _, _ = rest.rpartition(":")
        return bool(path) and os.path.exists(path)
    return False


def template() -> str:
    """The shipped script (package data)."""
    return resources.files("ecsguard.agent").joinpath("capture.bt").read_text(encoding="utf-8")


def render_script(
    text: str, *, tracefs: Path | None, libc: str | None, skip: frozenset[str] = frozenset()
) -> Rendered:
    """Drop sections whose probe is missing (or that ``skip`` names); fill in the libc path."""
    out: list[str] = []
    kept: list[str] = []
    missing: list[tuple[str, str]] = []
    keep = True
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            name, probe = match.groups()
            if "@@LIBC@@" in probe and libc is None:
                keep, reason = False, "no C library found for the resolver uprobe"
            else:
                probe = probe.replace("@@LIBC@@", libc or "")
                keep = name not in skip and probe_exists(probe, tracefs)
                reason = "disabled" if name in skip else f"probe {probe} not available"
            (kept.append(name) if keep else missing.append((name, reason)))
            continue
        if line.startswith("//@end"):
            keep = True
            continue
        if keep:
            out.append(line.replace("@@LIBC@@", libc or ""))
    return Rendered("\n".join(out) + "\n", tuple(kept), tuple(missing))
