"""Hypothesis strategies shared by the fuzz targets: JSON-like values seeded with real keys.

Budget: ``ECSGUARD_FUZZ_EXAMPLES`` examples per target (1,000 in CI, beside 10,000 atheris runs;
``make fuzz`` runs more, with a random seed instead of the fixed one).
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ecsguard.model import SECTIONS

EXAMPLES = int(os.environ.get("ECSGUARD_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 1000,  # CI: a fixed, reproducible sequence
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _field_names() -> list[str]:
    names: set[str] = set()
    for _, cls in SECTIONS.values():
        for field in msgspec.structs.fields(cls):
            names.add(field.encode_name)
    names.update(
        [
            "containerDefinitions",
            "privileged",
            "user",
            "linuxParameters",
            "capabilities",
            "add",
            "environment",
            "name",
            "value",
            "secrets",
            "valueFrom",
            "logConfiguration",
            "options",
            "mountPoints",
            "volumes",
            "host",
            "sourcePath",
            "efsVolumeConfiguration",
            "IpPermissions",
            "IpRanges",
            "CidrIp",
            "FromPort",
            "ToPort",
            "IpProtocol",
            "UserIdGroupPairs",
            "GroupId",
            "awsvpcConfiguration",
            "securityGroups",
            "subnets",
        ]
    )
    return sorted(names)


KEYS = st.one_of(st.sampled_from(_field_names()), st.text(max_size=12))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "ENABLED",
            "DISABLED",
            "root",
            "0:0",
            "awsvpc",
            "bridge",
            "host",
            "tcp",
            "-1",
            "0.0.0.0/0",
            "::/0",
            "yes",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    sections: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 2))):
        service, key = draw(st.sampled_from(sorted(SECTIONS)))
        items = draw(st.lists(st.one_of(st.dictionaries(KEYS, JSON, max_size=5), JSON), max_size=2))
        sections.setdefault(service, {})[key] = items
    doc: dict[str, Any] = {
        "ecsguard_snapshot": draw(st.sampled_from([1, 1, 1, 2, "1", None])),
        "regions": draw(st.one_of(st.just({"us-east-1": sections}), JSON)),
    }
    if draw(st.booleans()):
        doc["errors"] = draw(
            st.one_of(st.lists(st.dictionaries(KEYS, SCALARS, max_size=3), max_size=2), SCALARS)
        )
    return doc
