"""KMS key predicates (metadata in kms.yaml)."""

from __future__ import annotations

from typing import Any

from ecsguard.model.services import KmsKey
from ecsguard.posture.context import Context
from ecsguard.posture.iam import RESTRICTING_KEYS, parse_document, public_statements
from ecsguard.posture.outcome import Outcomes, error, fail, passed, undetermined, unknown_at
from ecsguard.posture.registry import Predicate


def _customer_managed(key: KmsKey) -> bool:
    return key.key_manager in (None, "CUSTOMER")


def key_rotation(key: KmsKey, ctx: Context) -> Outcomes:
    if not _customer_managed(key) or key.key_state not in (None, "Enabled"):
        return None
    material = key.key_origin  # the API's Origin: AWS_KMS, EXTERNAL, AWS_CLOUDHSM, ...
    if key.key_spec not in (None, "SYMMETRIC_DEFAULT") or material not in (None, "AWS_KMS"):
        return None  # rotation only exists for symmetric keys with KMS key material
    if key.unknown and unknown_at(key.unknown, "KeyRotationEnabled"):
        return [undetermined("KeyRotationEnabled")]
    snapshot = key.origin is None or getattr(key.origin, "kind", "snapshot") == "snapshot"
    if key.key_rotation_enabled is None and snapshot:
        # the collector adds KeyRotationEnabled from GetKeyRotationStatus; absent = not read
        return [error("KeyRotationEnabled", "rotation status was not collected for this key")]
    if key.key_rotation_enabled:
        return [passed("KeyRotationEnabled", True)]
    return [fail("KeyRotationEnabled", key.key_rotation_enabled, "automatic rotation is off")]


def key_not_pending_deletion(key: KmsKey, ctx: Context) -> Outcomes:
    if not _customer_managed(key):
        return None
    if key.key_state == "PendingDeletion":
        return [fail("KeyState", key.key_state, "key is scheduled for deletion")]
    return [passed("KeyState", key.key_state)]


def _unknown_allows(key: KmsKey, doc: dict[str, Any]) -> list[str] | None:
    """Labels of statements the input left partly undetermined that may allow something;
    ``None`` when the statement list itself is undetermined."""
    paths = [u for u in key.unknown if u == "Policy" or u.startswith(("Policy.", "Policy["))]
    if not paths:
        return []
    if any(u in ("Policy", "Policy.Statement") for u in paths):
        return None
    stmts = doc.get("Statement", [])
    listed = stmts if isinstance(stmts, list) else [stmts]
    out = []
    for index, stmt in enumerate(listed):
        where = f"Policy.Statement[{index}]" if isinstance(stmts, list) else "Policy.Statement"
        if not any(u == where or u.startswith((where + ".", where + "[")) for u in paths):
            continue
        if isinstance(stmt, dict) and stmt.get("Effect", "Allow") == "Allow":
            out.append(str(stmt.get("Sid") or index))
    return out


def key_policy_not_public(key: KmsKey, ctx: Context) -> Outcomes:
    if not _customer_managed(key):
        return None  # AWS-managed key policies are AWS's and never public
    if key.policy is None:
        if key.unknown and unknown_at(key.unknown, "Policy"):
            return [undetermined("Policy")]
        snapshot = key.origin is None or getattr(key.origin, "kind", "snapshot") == "snapshot"
        if snapshot:
            # the collector adds Policy from GetKeyPolicy; absent = not read
            return [error("Policy", "the key policy was not collected for this key")]
        # a template or plan without a policy gets KMS's default policy (the account root)
        return [passed("Policy", None, "default key policy")]
    doc = parse_document(key.policy)
    if doc is None:
        return [error("Policy", "the key policy is not a JSON policy document")]
    bad = public_statements(doc, service="kms", restricting=RESTRICTING_KEYS)
    if bad:
        return [
            fail(
                "Policy",
                bad,
                f"key policy allows Principal * without an account or organisation condition "
                f"(statements {', '.join(bad)})",
            )
        ]
    unsure = _unknown_allows(key, doc)
    if unsure is None:
        return [undetermined("Policy.Statement")]
    if unsure:
        return [
            error(
                "Policy", f"key policy statements not determined by the input: {', '.join(unsure)}"
            )
        ]
    return [passed("Policy", None)]


CHECKS: dict[str, Predicate] = {
    "key_rotation": key_rotation,
    "key_not_pending_deletion": key_not_pending_deletion,
    "key_policy_not_public": key_policy_not_public,
}
