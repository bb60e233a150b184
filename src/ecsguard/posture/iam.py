"""Reading IAM policy documents for privilege: administrator, PassRole, wildcard data access."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from ecsguard.model.services import IamRole

ADMIN_MANAGED = {"AdministratorAccess", "IAMFullAccess", "PowerUserAccess"}
DATA_SERVICES = {
    "s3",
    "dynamodb",
    "secretsmanager",
    "kms",
    "ssm",
    "rds",
    "rds-data",
    "sqs",
    "sns",
    "kinesis",
    "elasticfilesystem",
}


def parse_document(doc: Any) -> dict[str, Any] | None:
    """A policy document from the API (dict, JSON text or URL-encoded JSON), or None."""
    if isinstance(doc, dict):
        return doc
    if not isinstance(doc, str) or not doc:
        return None
    for text in (doc, urllib.parse.unquote(doc)):
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# Condition keys that tie a statement to known accounts, organisations, principals or networks
# (lower case; Prowler's "restrictive condition" set, plus KMS's own kms:CallerAccount).
RESTRICTING_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:userid",
        "kms:calleraccount",
    }
)
# Operators that restrict a key to the given values (negations, Null and IfExists do not).
_RESTRICTING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)


def _restricts(condition: Any, keys: frozenset[str]) -> bool:
    """Whether a Condition block limits the statement through one of ``keys``."""
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        op = str(operator).lower()
        if op.startswith("forallvalues:") or not isinstance(block, dict):
            continue  # ForAllValues is true when the key is absent
        if op.removeprefix("foranyvalue:") not in _RESTRICTING_OPERATORS:
            continue
        for key, value in block.items():
            values = [str(v) for v in _as_list(value)]
            if str(key).lower() in keys and values and all(v and v != "*" for v in values):
                return True
    return False


def _grants(stmt: dict[str, Any], service: str) -> bool:
    """Whether an Allow statement's actions reach ``service`` (``kms``)."""
    if "NotAction" in stmt:
        excluded = [str(a).lower() for a in _as_list(stmt.get("NotAction"))]
        return not any(a in ("*", f"{service}:*") for a in excluded)
    actions = [str(a).lower() for a in _as_list(stmt.get("Action"))]
    return not actions or any(a in ("*", "*:*") or a.startswith(f"{service}:") for a in actions)


def public_statements(
    doc: Any, *, service: str = "", restricting: frozenset[str] | None = None
) -> list[str]:
    """Sids (or indexes) of a resource policy's Allow statements that grant Principal ``*``
    (``"*"``, ``{"AWS": "*"}`` or ``*`` in a list) with nothing restricting them.

    ``restricting`` names the condition keys that tie a statement to known principals (see
    ``RESTRICTING_KEYS``); ``None`` counts any condition as restricting (ECR, EFS). ``service``
    keeps only statements whose actions reach that service (``kms``)."""
    parsed = parse_document(doc)
    if parsed is None:
        return []
    out = []
    stmts = parsed.get("Statement", [])
    for index, stmt in enumerate(stmts if isinstance(stmts, list) else [stmts]):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        condition = stmt.get("Condition")
        if restricting is None and condition:
            continue
        if restricting is not None and _restricts(condition, restricting):
            continue
        if service and not _grants(stmt, service):
            continue
        principal = stmt.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        values = aws if isinstance(aws, list) else [aws]
        if "*" in values:
            out.append(str(stmt.get("Sid") or index))
    return out


def statement_risks(doc: dict[str, Any]) -> list[str]:
    """Reasons a policy document is over-privileged (empty when it is not)."""
    risks: list[str] = []
    for stmt in _as_list(doc.get("Statement")):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        resources = [str(r) for r in _as_list(stmt.get("Resource"))]
        any_resource = "*" in resources
        if "NotAction" in stmt and any_resource:
            risks.append("Allow with NotAction on Resource *")
            continue
        for action in (str(a).lower() for a in _as_list(stmt.get("Action"))):
            if action in ("*", "*:*"):
                risks.append("Action * (administrator)")
            elif action in ("iam:passrole", "iam:*", "iam:pass*") and any_resource:
                risks.append(f"{action} on Resource * (privilege escalation)")
            elif any_resource and action.endswith(":*") and action[:-2] in DATA_SERVICES:
                risks.append(f"{action} on Resource * (wildcard data access)")
    return list(dict.fromkeys(risks))


def role_risks(role: IamRole) -> tuple[list[str], list[str]]:
    """(risks, policies whose documents are missing) for every policy of a role."""
    risks: list[str] = []
    missing: list[str] = []
    for attached in role.attached_policies:
        name = attached.policy_name or (attached.policy_arn or "").rsplit("/", 1)[-1]
        arn = attached.policy_arn or ""
        if name in ADMIN_MANAGED and (not arn or ":aws:policy/" in arn):
            risks.append(f"AWS managed policy {name}")
            continue
        doc = parse_document(attached.policy_document)
        if doc is None:
            missing.append(name)
            continue
        risks += [f"{name}: {r}" for r in statement_risks(doc)]
    for inline in role.role_policy_list:
        doc = parse_document(inline.policy_document)
        if doc is None:
            missing.append(inline.policy_name or "inline policy")
            continue
        risks += [f"{inline.policy_name}: {r}" for r in statement_risks(doc)]
    return risks, missing


def role_outcomes(ctx: Any, path: str, arn: str, label: str) -> list[Any]:
    """The verdict on the role at ``arn``: error when it or its policies are not in the input,
    fail with the risks it grants, else pass (shared by task and service roles)."""
    from ecsguard.posture.outcome import error, fail, passed

    role = ctx.find("iam_roles", arn)
    if role is None:
        return [error(path, f"{label} {arn} is not in the input")]
    risks, missing = role_risks(role)
    if risks:
        return [fail(path, arn, f"{label} {role.role_name or role.id}: {'; '.join(risks)}")]
    if missing:
        return [error(path, f"policy documents not in the input: {', '.join(missing)}")]
    return [passed(path, arn)]
