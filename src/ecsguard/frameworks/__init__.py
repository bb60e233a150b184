"""Compliance frameworks as data: requirement -> checks, ownership, provenance, attestations."""

from __future__ import annotations

from ecsguard.frameworks.attestations import Attestation, load_attestations, parse_attestations
from ecsguard.frameworks.loader import (
    frameworks_for,
    get_framework,
    load_frameworks,
    mapping_problems,
    parse_framework,
)
from ecsguard.frameworks.model import CheckMapping, Framework, Requirement

__all__ = [
    "Attestation",
    "CheckMapping",
    "Framework",
    "Requirement",
    "frameworks_for",
    "get_framework",
    "load_attestations",
    "load_frameworks",
    "mapping_problems",
    "parse_attestations",
    "parse_framework",
]
