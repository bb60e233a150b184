"""Collector throughput against a local moto server: the sample estate plus N extra task
definition revisions, collected sequentially (1 worker, the baseline) and concurrently.

    .venv/bin/python bench/collect/bench_collect.py [--revisions 600] [--runs 3]

Prints wall times (best of --runs) and ratios against the sequential run measured in the same
process. moto answers from one Python process on the same machine, so every call also gets
``--latency-ms`` of injected delay (a ``Delay`` fault hook) to stand in for the round trip to
AWS; ``--latency-ms 0`` measures the collector against moto alone.
"""

from __future__ import annotations

import argparse
import os
import time

from ecsguard.collect import aws
from ecsguard.collect.aws_faults import Fault, parse_faults
from ecsguard.sample.estate import build_estate
from ecsguard.testing import TEST_CREDENTIALS, moto_server


def _extra_revisions(estate_url: str, count: int) -> None:
    from ecsguard.testing import client

    ecs = client(estate_url, "ecs")
    for n in range(count):
        ecs.register_task_definition(
            family=f"bench-{n % 30}",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "nginx:1.27",
                    "memory": 128,
                    "environment": [{"name": "N", "value": str(n)}],
                }
            ],
        )


LATENCY: tuple[Fault, ...] = ()


def _best(url: str, runs: int, **options: object) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        snapshot = aws.collect(
            aws.CollectOptions(
                regions=("us-east-1",), endpoint_url=url, max_attempts=2, faults=LATENCY, **options
            )
        )  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
        assert not snapshot["errors"], snapshot["errors"][:3]
        count = aws.count_resources(snapshot)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revisions", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=30)
    args = parser.parse_args()
    os.environ.update(TEST_CREDENTIALS, AWS_DEFAULT_REGION="us-east-1")
    global LATENCY
    LATENCY = parse_faults(f"*:*=Delay{args.latency_ms}") if args.latency_ms else ()
    with moto_server() as url:
        start = time.perf_counter()
        build_estate(url)
        _extra_revisions(url, args.revisions)
        print(
            f"estate + {args.revisions} revisions built in {time.perf_counter() - start:.1f} s;"
            f" {args.latency_ms} ms injected per call"
        )
        _best(url, 1)  # warm moto's per-service backends
        base, count = _best(url, args.runs, workers=1, per_resource_workers=1)
        print(
            f"{'1 job at a time, 1 call at a time (baseline)':48} {base:6.2f} s  x1.00  {count} items"
        )
        for label, options in (
            ("8 jobs at once, 1 call per job", {"workers": 8, "per_resource_workers": 1}),
            ("8 jobs at once, 8 per-resource calls per job", {"workers": 8}),
            ("same, --all-revisions", {"workers": 8, "all_revisions": True}),
        ):
            took, items = _best(url, args.runs, **options)
            print(f"{label:48} {took:6.2f} s  x{base / took:4.2f}  {items} items")


if __name__ == "__main__":
    main()
