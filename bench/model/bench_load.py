"""Benchmark: load a 10,000-task-definition snapshot into the Inventory.

Prints the time to parse the JSON alone (baseline, same run) and the full load, and their
ratio. Run: ``.venv/bin/python bench/model/bench_load.py [N]``.
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

import orjson

from ecsguard.collect.load import load_inputs

CONTAINER = {
    "name": "app",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0",
    "cpu": 0,
    "essential": True,
    "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
    "environment": [{"name": f"SETTING_{i}", "value": f"value-{i}"} for i in range(10)],
    "secrets": [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:db"}],
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}},
    "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
    "mountPoints": [],
    "volumesFrom": [],
}


def make_snapshot(n: int) -> dict[str, object]:
    tds = []
    for i in range(n):
        family, revision = f"family-{i % 500}", i // 500 + 1
        tds.append(
            {
                "taskDefinitionArn": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:{revision}",
                "family": family,
                "revision": revision,
                "status": "ACTIVE",
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [
                    copy.deepcopy(CONTAINER),
                    {**CONTAINER, "name": "sidecar"},
                ],
                "volumes": [],
                "tags": [{"key": "team", "value": "payments"}],
            }
        )
    return {"ecsguard_snapshot": 1, "regions": {"us-east-1": {"ecs": {"taskDefinitions": tds}}}}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_bytes(orjson.dumps(make_snapshot(n)))
        size = path.stat().st_size
        t0 = time.perf_counter()
        orjson.loads(path.read_bytes())
        parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        inventory = load_inputs([str(path)])
        load = time.perf_counter() - t0
    assert len(inventory.task_definitions) == n
    print(f"snapshot: {n} task definitions, {size / 2**20:.1f} MiB")
    print(f"{'step':<28}{'seconds':>10}")
    print(f"{'JSON parse only (baseline)':<28}{parse:>10.3f}")
    print(f"{'full load into Inventory':<28}{load:>10.3f}")
    print(f"ratio full/parse: {load / parse:.1f}x; target: full load < 2 s")


if __name__ == "__main__":
    main()
