"""No network unless asked: every command that reads files works in a network namespace with
no interfaces at all (``unshare -n``), and no HTML output or dashboard page loads anything from
another origin (no CDN, fonts, analytics). Only ``collect``/``scan --live`` (AWS endpoints),
``--sink`` targets, NATS sources and PostgreSQL stores open connections, when configured."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hlib import ECSGUARD

import ecsguard.sample
from ecsguard.sample.runtime import events_path

SAMPLE = Path(ecsguard.sample.__file__).parent / "data" / "snapshot.json.gz"
# an attribute or CSS url() that would make a browser fetch from another origin
REMOTE = re.compile(
    rb"""(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""",
    re.I,
)


def _offline(*args: str) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.decode()[:200]}")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run(
        ["unshare", "-n", ECSGUARD, *args], capture_output=True, timeout=180, check=False, env=env
    )


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("offline") / "snapshot.json"
    path.write_bytes(gzip.decompress(SAMPLE.read_bytes()))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--format", "html"),
        ("scope", "--format", "html"),
        ("report", "--framework", "pci-dss-4.0", "--format", "html"),
    ],
    ids=lambda a: a[0],
)
def test_file_commands_run_without_a_network_and_load_nothing_remote(
    snapshot: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "out.html"
    done = _offline(args[0], str(snapshot), *args[1:], "-o", str(out))
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    assert b"Traceback" not in done.stderr
    assert not REMOTE.findall(out.read_bytes())


def test_monitor_runs_without_a_network() -> None:
    done = _offline("monitor", "--source", f"file:{events_path()}", "--window", "0")
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.count(b"\n") >= 5


def test_dashboard_pages_load_nothing_remote(snapshot: Path, tmp_path: Path) -> None:
    from ecsguard.web.app import create_app
    from ecsguard.web.data import DashboardData

    folder = tmp_path / "results"
    folder.mkdir()
    for args, name in (
        (("scan", "--format", "json"), "findings.json"),
        (("scope", "--format", "json"), "scope.json"),
    ):
        done = _offline(args[0], str(snapshot), *args[1:], "-o", str(folder / name))
        assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    client = TestClient(create_app(DashboardData.from_directory(folder)))
    for path in ("/", "/findings", "/scope", "/alerts", "/compliance", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not REMOTE.findall(response.content), path
        assert "default-src 'none'" in response.headers["content-security-policy"]
