"""Just enough IAM policy evaluation for scoping: can a role do action A on resource R?

Over-approximates on purpose (Deny statements and conditions are not subtracted): a wrongly
granted permission puts a component in scope, never out of it. Attached managed policies whose
document the input lacks make the role's reach unknown, except a few well-known AWS ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

from ecsguard.model.services import IamRole

KNOWN_MANAGED: dict[str, list[dict[str, Any]]] = {
    "AdministratorAccess": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    "PowerUserAccess": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}],
    "AmazonECSTaskExecutionRolePolicy": [
        {
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                       "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}  # fmt: skip

SECRET_READ = ("secretsmanager:GetSecretValue",)
SSM_READ = ("ssm:GetParameter", "ssm:GetParameters")
KMS_USE = ("kms:Decrypt",)
ECR_WRITE = ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:CompleteLayerUpload")
S3_RW = ("s3:GetObject", "s3:PutObject")
SQS_RW = ("sqs:SendMessage", "sqs:ReceiveMessage")
LOGS_WRITE = ("logs:PutLogEvents",)
ADMIN = (
    "ecs:UpdateService", "ecs:RegisterTaskDefinition", "ecs:ExecuteCommand",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
)  # fmt: skip


@dataclass(frozen=True)
class Statement:
    policy: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]


@dataclass(frozen=True)
class RolePolicies:
    statements: tuple[Statement, ...]
    unknown: tuple[str, ...]

    def allows(self, actions: tuple[str, ...], resource: str) -> str | None:
        """The policy name that allows any of ``actions`` on ``resource``; None when none does."""
        for st in self.statements:
            if not any(_action_ok(st, a) for a in actions):
                continue
            if _resource_ok(st, resource):
                return st.policy
        return None


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _action_ok(st: Statement, action: str) -> bool:
    low = action.lower()
    if st.actions:
        return any(fnmatchcase(low, p.lower()) for p in st.actions)
    return bool(st.not_actions) and not any(fnmatchcase(low, p.lower()) for p in st.not_actions)


def _resource_ok(st: Statement, resource: str) -> bool:
    if st.resources:
        return any(
            fnmatchcase(resource, p) or fnmatchcase(resource + "/x", p) for p in st.resources
        )
    return bool(st.not_resources) and not any(fnmatchcase(resource, p) for p in st.not_resources)


def _doc(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        text = value if value.lstrip().startswith("{") else unquote(value)
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _statements(doc: dict[str, Any], name: str) -> list[Statement]:
    raw = doc.get("Statement", [])
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    out: list[Statement] = []
    for st in items:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        out.append(
            Statement(name, _as_list(st.get("Action")), _as_list(st.get("NotAction")),
                      _as_list(st.get("Resource")), _as_list(st.get("NotResource")))
        )  # fmt: skip
    return out


def role_policies(role: IamRole) -> RolePolicies:
    statements: list[Statement] = []
    unknown: list[str] = []
    for inline in role.role_policy_list:
        doc = _doc(inline.policy_document)
        if doc is None:
            unknown.append(f"inline policy {inline.policy_name} has no readable document")
            continue
        statements += _statements(doc, inline.policy_name or "inline")
    for att in role.attached_policies:
        name = att.policy_name or (att.policy_arn or "").rsplit("/", 1)[-1]
        doc = _doc(att.policy_document)
        if doc is None and name in KNOWN_MANAGED:
            doc = {"Statement": KNOWN_MANAGED[name]}
        if doc is None:
            unknown.append(f"attached policy {name} has no document in the input")
            continue
        statements += _statements(doc, name)
    if role.unknown:
        unknown.append("role values not determined by the input")
    return RolePolicies(tuple(statements), tuple(unknown))
