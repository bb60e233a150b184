"""Fixtures for the agent area: a private nats-server with JetStream, eBPF availability."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsguard.testing import free_port, require_services


def need(reason: str | None) -> None:
    """Skip with the reason, or fail under ECSGUARD_REQUIRE_SERVICES=1."""
    if reason is None:
        return
    if require_services():
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def _wait_port(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A fresh nats-server -js on a free loopback port (isolated streams per test)."""
    binary = shutil.which("nats-server")
    need(None if binary else "nats-server is not installed")
    assert binary is not None
    port = free_port()
    store = tmp_path / "jetstream"
    log = open(tmp_path / "nats.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        if not _wait_port(port):
            pytest.fail("nats-server did not start: " + (tmp_path / "nats.log").read_text())
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def ebpf_reason() -> str | None:
    from ecsguard.agent.capture import ebpf_unavailable_reason

    return ebpf_unavailable_reason()


def env_with_src() -> dict[str, str]:
    """Environment for child Python processes that import ecsguard from this checkout."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env
