"""Turns the partial OCSF events in rules' ``fires:``/``quiet:`` lists into full events.

An example names only what matters to the rule; the rest (metadata, time, device, container,
ECS context of the sample estate's ``payments/payment-api`` task) is filled in here. A list
example is a sequence: earlier events set up state, the last one is judged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

__all__ = ["BASE_TASK", "build_event", "example_sequences"]

BASE_TASK = "arn:aws:ecs:us-east-1:123456789012:task/payments/5f2b7c9d4e1a4b3c8d6e0f1a2b3c4d5e"
_DEFAULT_ACTIVITY = {1007: 1, 1001: 14, 4001: 1, 4003: 1}
_CATEGORY = {1007: 1, 1001: 1, 4001: 4, 4003: 4}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def build_event(
    partial: dict[str, Any], n: int = 0, time_ms: int = 1_764_662_400_000
) -> dict[str, Any]:
    """A full DESIGN §3.5 event from a partial one (``class_uid`` required)."""
    cls = int(partial.get("class_uid", 1007))
    activity = int(partial.get("activity_id", _DEFAULT_ACTIVITY.get(cls, 1)))
    event: dict[str, Any] = {
        "class_uid": cls,
        "category_uid": _CATEGORY.get(cls, 1),
        "activity_id": activity,
        "type_uid": cls * 100 + activity,
        "severity_id": 1,
        "time": time_ms + n,
        "metadata": {
            "uid": f"example-{n}",
            "version": "1.1.0",
            "product": {"name": "ecsguard-examples", "vendor_name": "ecsguard"},
        },
        "device": {"hostname": "ip-10-0-1-23.ec2.internal"},
        "actor": {"process": {"pid": 4000 + n, "name": "sh", "user": {"uid": 1000}}},
        "container": {
            "uid": "3c1d9e8f7a6b",
            "name": "payment-api",
            "image": {
                "name": "123456789012.dkr.ecr.us-east-1.amazonaws.com/payment-api",
                "tag": "1.42.0",
            },
        },
        "unmapped": {
            "ecs": {
                "cluster": "payments",
                "task_arn": BASE_TASK,
                "family": "payment-api",
                "revision": 42,
                "container_name": "payment-api",
            }
        },
    }
    if cls == 1007:
        event["process"] = {"pid": 5000 + n, "user": {"uid": 1000}}
    return _merge(event, partial)


def example_sequences(examples: list[Any]) -> Iterator[list[dict[str, Any]]]:
    """Each example as a list of full events (a single event is a one-item sequence)."""
    n = 0
    for example in examples:
        items = example if isinstance(example, list) else [example]
        seq = []
        for item in items:
            seq.append(build_event(item, n))
            n += 1
        yield seq
