"""Framework records: requirements, who owns them, and which checks evidence them.

One schema for every framework (PCI DSS, HIPAA, NIST 800-53, FSBP, CIS): a requirement names its
id, title, section, owner under the shared-responsibility model (optionally per launch type), the
checks that evidence it with the provenance of each mapping, and whether the scope engine or a
manual attestation has to supply the evidence instead.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Ownership = Literal["aws", "customer", "shared"]
Provenance = Literal["securityhub", "aws-conformance-pack", "ecsguard"]
LaunchType = Literal["fargate", "ec2"]

OWNERSHIPS: tuple[str, ...] = ("aws", "customer", "shared")
PROVENANCES: tuple[str, ...] = ("securityhub", "aws-conformance-pack", "ecsguard")
LAUNCH_TYPES: tuple[str, ...] = ("fargate", "ec2")


class CheckMapping(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """One check that evidences a requirement, and who says so."""

    check: str
    provenance: Provenance
    note: str = ""


class Requirement(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    title: str
    section: str
    ownership: Ownership
    # Where Fargate and EC2 split the work differently (host patching, runtime, agent).
    launch_types: dict[LaunchType, Ownership] = {}
    checks: tuple[CheckMapping, ...] = ()
    # What the scope engine (`ecsguard scope`) contributes, when configuration alone cannot prove it.
    scope: str = ""
    # True when only a person can attest it (a signed-off review, a procedure, a contract).
    manual: bool = False
    guidance: str = ""

    @property
    def check_ids(self) -> tuple[str, ...]:
        return tuple(mapping.check for mapping in self.checks)

    def ownership_for(self, launch_type: str | None) -> str:
        if launch_type in self.launch_types:
            return self.launch_types[launch_type]  # type: ignore[index]
        return self.ownership


class Framework(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str
    version: str
    source: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()

    def requirement(self, requirement_id: str) -> Requirement | None:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        return None

    def check_ids(self) -> set[str]:
        return {check for req in self.requirements for check in req.check_ids}
