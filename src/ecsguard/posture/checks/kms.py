"""KMS key predicates (metadata in kms.yaml)."""

from __future__ import annotations

from ecsguard.model.services import KmsKey
from ecsguard.posture.context import Context
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


CHECKS: dict[str, Predicate] = {
    "key_rotation": key_rotation,
    "key_not_pending_deletion": key_not_pending_deletion,
}
