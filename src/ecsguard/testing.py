"""Helpers shipped for users' and our own tests: a local moto server and service discovery.

Everything here talks to real servers on 127.0.0.1; nothing fakes AWS in-process.
"""

from __future__ import annotations

import os
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config

__all__ = [
    "MotoEndpoint",
    "boto_session",
    "free_port",
    "freeze_ecs_tasks",
    "moto_server",
    "require_services",
    "reset_moto",
]

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_services() -> bool:
    """True when tests must fail instead of skip for a missing server (set by .ci/run)."""
    return os.environ.get("ECSGUARD_REQUIRE_SERVICES") == "1"


class MotoEndpoint(str):
    """The URL of a running moto server (a str, so it can be passed anywhere a URL goes)."""


@contextmanager
def moto_server(port: int | None = None) -> Iterator[MotoEndpoint]:
    """Start moto's ThreadedMotoServer on 127.0.0.1, yield its URL, stop it afterwards."""
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.server import ThreadedMotoServer

    port = port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = MotoEndpoint(f"http://127.0.0.1:{port}")
    try:
        yield url
    finally:
        server.stop()


def reset_moto(url: str) -> None:
    """Wipe all state of a moto server."""
    req = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10):
        pass


def freeze_ecs_tasks(url: str) -> None:
    """Stop moto from advancing ECS task status on every describe (tasks stay RUNNING)."""
    body = b'{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000}}'
    req = urllib.request.Request(
        f"{url}/moto-api/state-manager/set-transition", method="POST", data=body
    )
    with urllib.request.urlopen(req, timeout=10):
        pass


def boto_session(url: str, region: str = "us-east-1") -> boto3.Session:
    """A boto3 session with fake credentials, for use with ``client(..., endpoint_url=url)``."""
    return boto3.Session(
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=TEST_CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=region,
    )


def client(url: str, service: str, region: str = "us-east-1") -> object:
    """A boto3 client pointed at the moto server, with no retries (moto answers 500 for gaps)."""
    return boto_session(url, region).client(
        service, endpoint_url=url, config=Config(retries={"max_attempts": 1, "mode": "standard"})
    )
