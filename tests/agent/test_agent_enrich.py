"""Enrichment against a real HTTP server on 127.0.0.1 serving recorded ECS endpoint shapes.

The documents in data/ follow the shapes in the ECS developer guide (agent introspection
``/v1/tasks`` and ``/v1/metadata``; task metadata endpoint v4 ``/task`` on Fargate).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from ecsguard.agent.enrich import Enricher
from ecsguard.agent.ocsf import EventBuilder
from ecsguard.agent.proctable import ProcessTable
from ecsguard.agent.records import Record

DATA = Path(__file__).parent / "data"
RUNNING_APP = "dc7240fe892ab233dbbcee5044d95e1456c120dba9a6b56ec513da45c38e3aeb"
FARGATE_ID = "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603"


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body or b"{}")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def ecs_endpoints() -> Iterator[str]:
    _Handler.routes = {
        "/v1/tasks": (DATA / "introspection_v1_tasks.json").read_bytes(),
        "/v1/metadata": (DATA / "introspection_v1_metadata.json").read_bytes(),
        "/v4/abc/task": (DATA / "tmde_v4_task.json").read_bytes(),
    }
    _Handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _docker_config(root: Path, container_id: str, image: str, labels: dict[str, str]) -> None:
    folder = root / container_id
    folder.mkdir(parents=True)
    doc = {"ID": container_id, "Name": "/ecs-app", "Config": {"Image": image, "Labels": labels}}
    (folder / "config.v2.json").write_bytes(orjson.dumps(doc))


def test_introspection_names_task_and_docker_config_names_image(
    ecs_endpoints: str, tmp_path: Path
) -> None:
    _docker_config(tmp_path, RUNNING_APP, "httpd:2.4", {})
    enricher = Enricher(introspection_url=ecs_endpoints, docker_root=str(tmp_path))
    ctx = enricher.context(RUNNING_APP)
    assert ctx is not None
    assert ctx.ecs() == {
        "cluster": "default",
        "task_arn": "arn:aws:ecs:us-west-2:111122223333:task/1810e302-eaea-4da9-a638-097bea534740",
        "family": "console-sample-app-static",
        "revision": "6",
        "container_name": "simple-app",
    }
    assert enricher.cluster == "default"
    assert ctx.container() == {
        "uid": RUNNING_APP,
        "name": "ecs-console-sample-app-static-6-simple-app-f0e5859699a7aecfb101",
        "image": {"name": "httpd", "tag": "2.4"},
    }


def test_unknown_container_refreshes_at_most_once_per_interval(ecs_endpoints: str) -> None:
    enricher = Enricher(introspection_url=ecs_endpoints, docker_root="/nonexistent")
    first = enricher.context("f" * 64)
    second = enricher.context("e" * 64)
    assert first is not None and first.task_arn is None and second is not None
    assert _Handler.hits.count("/v1/tasks") == 1


def test_labels_alone_give_ecs_context(tmp_path: Path) -> None:
    labels = {
        "com.amazonaws.ecs.cluster": "prod",
        "com.amazonaws.ecs.container-name": "web",
        "com.amazonaws.ecs.task-arn": "arn:aws:ecs:us-east-1:111122223333:task/prod/abc",
        "com.amazonaws.ecs.task-definition-family": "web",
        "com.amazonaws.ecs.task-definition-version": "12",
    }
    _docker_config(
        tmp_path, "c" * 64, "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.2", labels
    )
    enricher = Enricher(introspection_url=None, docker_root=str(tmp_path))
    ctx = enricher.context("c" * 64)
    assert ctx is not None
    assert ctx.ecs()["family"] == "web" and ctx.ecs()["revision"] == "12"
    assert ctx.container()["image"] == {
        "name": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web",
        "tag": "1.2",
    }


def test_unreachable_introspection_is_counted_not_raised() -> None:
    enricher = Enricher(introspection_url="http://127.0.0.1:9", timeout=0.2)
    ctx = enricher.context("d" * 64)
    assert ctx is not None and ctx.task_arn is None and enricher.errors == 1


def test_fargate_task_metadata_v4(ecs_endpoints: str) -> None:
    enricher = Enricher(introspection_url=None, task_metadata_url=f"{ecs_endpoints}/v4/abc")
    ctx = enricher.context(FARGATE_ID)
    assert ctx is not None
    assert ctx.ecs() == {
        "cluster": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        "task_arn": "arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3",
        "family": "curltest",
        "revision": "3",
        "container_name": "curl",
    }
    assert ctx.container()["image"] == {
        "name": "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest",
        "tag": "latest",
    }


def test_event_carries_container_and_ecs_from_cgroup_id(ecs_endpoints: str, tmp_path: Path) -> None:
    """cgroup v2 id (the directory inode) -> path -> container id -> ECS task, on the event."""
    scope = tmp_path / "cg" / "ecstasks.slice" / f"docker-{RUNNING_APP}.scope"
    scope.mkdir(parents=True)
    enricher = Enricher(
        introspection_url=ecs_endpoints,
        docker_root="/nonexistent",
        cgroup_root=str(tmp_path / "cg"),
    )
    builder = EventBuilder(ProcessTable(proc_root="/nonexistent"), enricher, hostname="ip-10-0-0-1")
    rec = Record("O", 1, 50, 50, 1, 0, os.stat(scope).st_ino, "cat", ["0", "/etc/shadow"])
    event = builder.build(rec)
    assert event is not None
    assert event["container"]["uid"] == RUNNING_APP
    assert event["unmapped"]["ecs"]["family"] == "console-sample-app-static"
    assert event["unmapped"]["ecs"]["container_name"] == "simple-app"
