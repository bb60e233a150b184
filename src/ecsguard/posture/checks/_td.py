"""Helpers shared by the task-definition predicates: container iteration with unknown paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecsguard.model.ecs import ContainerDefinition, TaskDefinition
from ecsguard.posture.outcome import Outcome, error, fail, passed, undetermined, unknown_at

Judge = Callable[[ContainerDefinition], tuple[Any, str] | None]


def per_container(td: TaskDefinition, field: str, judge: Judge) -> list[Outcome]:
    """Apply ``judge`` to each container; a returned (value, detail) is a failure at ``field``."""
    out: list[Outcome] = []
    unknown = td.unknown
    if unknown and unknown_at(unknown, "containerDefinitions"):
        out.append(undetermined("containerDefinitions"))
    for index, container in enumerate(td.container_definitions):
        if unknown:
            path = f"containerDefinitions[{index}].{field}"
            if unknown_at(unknown, path):
                out.append(undetermined(path))
                continue
        verdict = judge(container)
        if verdict is not None:
            label = container.name or f"#{index}"
            out.append(
                fail(f"containerDefinitions[{index}].{field}", verdict[0], f"{label}: {verdict[1]}")
            )
    if not out:
        if not td.container_definitions:
            out.append(
                error("containerDefinitions", "task definition has no container definitions")
            )
        else:
            return _pass_for(field)
    return out


_PASSES: dict[str, list[Outcome]] = {}


def _pass_for(field: str) -> list[Outcome]:
    """One shared pass outcome per field: the engine only reads outcomes, never mutates."""
    found = _PASSES.get(field)
    if found is None:
        found = _PASSES[field] = [passed(f"containerDefinitions[*].{field}")]
    return found


def field_unknown(td: TaskDefinition, path: str) -> bool:
    return bool(td.unknown) and unknown_at(td.unknown, path)


def os_family(td: TaskDefinition) -> str:
    """'linux', 'windows' or '' (runtimePlatform unset)."""
    osf = td.runtime_platform.operating_system_family if td.runtime_platform else None
    if not osf:
        return ""
    return "windows" if str(osf).upper().startswith("WINDOWS") else "linux"


def is_root_user(user: str | None) -> bool:
    """Unset, ``root``, ``0``, ``0:<gid>`` and ``root:<group>`` all run as root."""
    if user is None:
        return True
    name = user.split(":", 1)[0].strip()
    if name == "" or name == "root":
        return True
    return name.isdigit() and int(name) == 0


def is_fargate(td: TaskDefinition) -> bool:
    return "FARGATE" in td.requires_compatibilities or (
        not td.requires_compatibilities and td.compatibilities == ("FARGATE",)
    )
