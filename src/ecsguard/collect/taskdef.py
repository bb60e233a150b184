"""Loader for one task definition: ``describe-task-definition`` output or
``register-task-definition --cli-input-json`` input."""

from __future__ import annotations

from typing import Any

from ecsguard.errors import InputError
from ecsguard.model import InputInfo, InventoryBuilder, Origin


def is_task_definition(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("taskDefinition"), dict):
        return True
    return "containerDefinitions" in doc and "family" in doc


def load_task_definition(doc: dict[str, Any], source: str, builder: InventoryBuilder) -> None:
    place = ""
    body = doc
    tags = doc.get("tags")
    if isinstance(doc.get("taskDefinition"), dict):
        body = dict(doc["taskDefinition"])
        place = "taskDefinition"
        if tags is not None and "tags" not in body:
            body["tags"] = tags
    if not isinstance(body.get("containerDefinitions"), list):
        raise InputError(source, place or None, "containerDefinitions must be a list")
    region = _region_of(str(body.get("taskDefinitionArn") or ""))
    given = "" if body.get("taskDefinitionArn") else f"{source}#{body.get('family', '')}"
    builder.inputs.append(InputInfo(path=source, kind="taskdef"))
    builder.add(
        "ecs",
        "taskDefinitions",
        body,
        source=source,
        place=place,
        region=region,
        origin=Origin(kind="taskdef", file=source, line=1),
        given_id=given,
    )


def _region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 else ""
