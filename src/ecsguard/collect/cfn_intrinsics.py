"""Evaluates CloudFormation intrinsic functions against one template's Parameters, Mappings,
Conditions and pseudo parameters; what the template does not determine becomes ``Unknown``.

References to resources of the same template resolve to the resource's logical id (or its
literal name where ``Ref`` returns a name), so loaded records can find each other.
"""

from __future__ import annotations

from typing import Any

from ecsguard.collect.cfn_functions import FUNCTIONS, ResourceId, truth
from ecsguard.errors import InputError
from ecsguard.model import Unknown

MAX_DEPTH = 100
MAX_STEPS = 5_000_000


class _NoValue:
    """``AWS::NoValue``: the enclosing key or list item disappears."""


NO_VALUE = _NoValue()

# Resource types whose Ref returns the resource's name, and the property holding that name.
REF_NAME = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::IAM::Role": "RoleName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SSM::Parameter": "Name",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
}
PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


class Context:
    """The parts of a template intrinsics read, plus user-given parameter values."""

    def __init__(
        self,
        template: dict[str, Any],
        source: str,
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.source = source
        self.resources: dict[str, dict[str, Any]] = _section(template, "Resources", source)
        self.mappings = _section(template, "Mappings", source)
        self.condition_defs = _section(template, "Conditions", source)
        self.params: dict[str, Any] = {}
        for name, spec in _section(template, "Parameters", source).items():
            self.params[str(name)] = _param_value(str(name), spec, (parameters or {}).get(name))
        given = parameters or {}
        self.region: Any = given.get("AWS::Region") or Unknown("AWS::Region is not given")
        self.account: Any = given.get("AWS::AccountId") or Unknown("AWS::AccountId is not given")
        self.stack_name: Any = given.get("AWS::StackName") or Unknown("stack name is not given")
        self._conditions: dict[str, Any] = {}
        self._evaluating: list[str] = []
        self.steps = 0

    # -- conditions -------------------------------------------------------------------------
    def condition(self, name: str, place: str) -> Any:
        """Value of a named condition: True, False or Unknown; a cycle is an InputError."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_defs:
            raise InputError(self.source, place, f"condition {name!r} is not defined")
        if name in self._evaluating:
            cycle = [*self._evaluating[self._evaluating.index(name) :], name]
            raise InputError(
                self.source, f"Conditions.{name}", f"condition cycle: {' -> '.join(cycle)}"
            )
        self._evaluating.append(name)
        try:
            value = truth(self.resolve(self.condition_defs[name], f"Conditions.{name}"))
        finally:
            self._evaluating.pop()
        self._conditions[name] = value
        return value

    # -- values -----------------------------------------------------------------------------
    def resolve(self, value: Any, place: str, depth: int = 0) -> Any:
        self.steps += 1
        if depth > MAX_DEPTH:
            raise InputError(self.source, _short(place), f"nesting deeper than {MAX_DEPTH} levels")
        if self.steps > MAX_STEPS:
            raise InputError(self.source, place, "template too large to evaluate")
        if isinstance(value, dict):
            if len(value) == 1:
                key = next(iter(value))
                handler = FUNCTIONS.get(key)
                if handler is not None:
                    return handler(self, value[key], f"{place}.{key}", depth + 1)
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item, f"{place}.{key}", depth + 1)
                if resolved is not NO_VALUE:
                    out[str(key)] = resolved
            return out
        if isinstance(value, list):
            items = [self.resolve(item, f"{place}[{i}]", depth + 1) for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def ref(self, name: Any, place: str) -> Any:
        if not isinstance(name, str):
            raise InputError(self.source, place, "Ref takes a name")
        if name in self.params:
            return self.params[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Region":
            return self.region
        if name == "AWS::AccountId":
            return self.account
        if name in ("AWS::StackName", "AWS::StackId"):
            return self.stack_name
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.resources:
            return self.resource_ref(name)
        return Unknown(f"Ref {name} is not a parameter or resource of this template")

    def resource_ref(self, logical_id: str) -> Any:
        res = self.resources.get(logical_id)
        prop = REF_NAME.get(str(res.get("Type"))) if isinstance(res, dict) else None
        if prop and isinstance(res, dict):
            props = res.get("Properties")
            literal = props.get(prop) if isinstance(props, dict) else None
            if isinstance(literal, str):
                return literal
        return ResourceId(logical_id)

    def get_att(self, args: Any, place: str) -> Any:
        if isinstance(args, str):
            args = args.split(".", 1)
        if not isinstance(args, list) or len(args) != 2:
            raise InputError(self.source, place, "Fn::GetAtt takes [LogicalId, Attribute]")
        logical_id, attr = args[0], self.resolve(args[1], place)
        if not isinstance(logical_id, str) or logical_id not in self.resources:
            return Unknown(f"Fn::GetAtt {logical_id} is not a resource of this template")
        if isinstance(attr, str) and _is_identity(attr):
            return ResourceId(logical_id)
        return Unknown(f"{logical_id}.{attr} is known only after deployment")


def _short(place: str) -> str:
    return place if len(place) <= 120 else f"{place[:117]}..."


def _section(template: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = template.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(source, name, "expected a mapping")
    return value


def _param_value(name: str, spec: Any, given: str | None) -> Any:
    raw: Any = given
    if raw is None and isinstance(spec, dict):
        raw = spec.get("Default")
    if raw is None:
        return Unknown(f"parameter {name} has no default and no value was given")
    kind = str(spec.get("Type", "")) if isinstance(spec, dict) else ""
    if kind.startswith("AWS::SSM::Parameter::Value"):
        return Unknown(f"parameter {name} is read from SSM at deploy time")
    if (kind == "CommaDelimitedList" or kind.startswith("List<")) and isinstance(raw, str):
        return [part.strip() for part in raw.split(",")]
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw) if isinstance(raw, int | float) else raw


# Attributes named like ids that identify something else (the group's VPC, the DB's resource).
_FOREIGN_IDS = frozenset(("VpcId", "OwnerId", "DbiResourceId", "AvailabilityZoneId"))


def _is_identity(attr: str) -> bool:
    """Whether ``!GetAtt X.attr`` names X itself (its ARN or id), so X's logical id stands in."""
    if attr in _FOREIGN_IDS:
        return False
    return attr in ("Arn", "Id", "GroupId", "Name", "KeyId") or attr.endswith(("Arn", "Id"))
