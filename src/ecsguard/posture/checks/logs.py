"""CloudWatch Logs predicates (metadata in logs.yaml)."""

from __future__ import annotations

from ecsguard.model.services import LogGroup
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import Outcomes, fail, passed, undetermined, unknown_at
from ecsguard.posture.registry import Predicate


def log_group_retention(lg: LogGroup, ctx: Context) -> Outcomes:
    path = "retentionInDays"
    if lg.unknown and unknown_at(lg.unknown, path):
        return [undetermined(path)]
    days = lg.retention_in_days
    policy = ctx.policy
    if days is None:
        if policy.log_retention_never_expire_ok:
            return [passed(path, None, "never expires")]
        return [fail(path, None, "retention never expires; policy requires a limit")]
    if days < policy.log_retention_days:
        return [fail(path, days, f"retention {days} days is below {policy.log_retention_days}")]
    return [passed(path, days)]


def log_group_kms(lg: LogGroup, ctx: Context) -> Outcomes:
    if lg.unknown and unknown_at(lg.unknown, "kmsKeyId"):
        return [undetermined("kmsKeyId")]
    if lg.kms_key_id:
        return [passed("kmsKeyId", lg.kms_key_id)]
    return [fail("kmsKeyId", None, "log group is not encrypted with a KMS key")]


CHECKS: dict[str, Predicate] = {
    "log_group_retention": log_group_retention,
    "log_group_kms": log_group_kms,
}
