"""Typed, immutable inventory of an ECS estate, whatever input it came from."""

from ecsguard.model import ec2, ecs, services
from ecsguard.model.base import Origin, Resource, Unknown, strip_unknowns, tag_map, to_api
from ecsguard.model.inventory import (
    ATTRIBUTES,
    SECTIONS,
    CollectionError,
    InputInfo,
    Inventory,
    InventoryBuilder,
)

__all__ = [
    "ATTRIBUTES",
    "SECTIONS",
    "CollectionError",
    "InputInfo",
    "Inventory",
    "InventoryBuilder",
    "Origin",
    "Resource",
    "Unknown",
    "ec2",
    "ecs",
    "services",
    "strip_unknowns",
    "tag_map",
    "to_api",
]
