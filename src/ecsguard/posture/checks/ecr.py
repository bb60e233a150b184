"""ECR repository and VPC-endpoint predicates (metadata in ecr.yaml)."""

from __future__ import annotations

from ecsguard.model.ec2 import Vpc
from ecsguard.model.services import EcrRepository
from ecsguard.posture.context import Context
from ecsguard.posture.iam import public_statements
from ecsguard.posture.outcome import Outcomes, fail, passed, undetermined, unknown_at
from ecsguard.posture.registry import Predicate


def _unknown(repo: EcrRepository, path: str) -> bool:
    return bool(repo.unknown) and unknown_at(repo.unknown, path)


def scan_on_push(repo: EcrRepository, ctx: Context) -> Outcomes:
    path = "imageScanningConfiguration.scanOnPush"
    if _unknown(repo, path):
        return [undetermined(path)]
    conf = repo.image_scanning_configuration
    value = conf.scan_on_push if conf else None
    if value:
        return [passed(path, True)]
    return [fail(path, value, "images are not scanned on push")]


def tag_immutability(repo: EcrRepository, ctx: Context) -> Outcomes:
    path = "imageTagMutability"
    if _unknown(repo, path):
        return [undetermined(path)]
    value = repo.image_tag_mutability
    if value in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        return [passed(path, value)]
    return [fail(path, value, f"tags are {value or 'MUTABLE (default)'}")]


def lifecycle_policy(repo: EcrRepository, ctx: Context) -> Outcomes:
    if _unknown(repo, "lifecyclePolicy"):
        return [undetermined("lifecyclePolicy")]
    if repo.lifecycle_policy:
        return [passed("lifecyclePolicy", True)]
    return [fail("lifecyclePolicy", None, "no lifecycle policy")]


def repository_kms_cmk(repo: EcrRepository, ctx: Context) -> Outcomes:
    path = "encryptionConfiguration.encryptionType"
    if _unknown(repo, "encryptionConfiguration"):
        return [undetermined("encryptionConfiguration")]
    enc = repo.encryption_configuration
    kind = enc.encryption_type if enc else None
    key = enc.kms_key if enc else None
    if kind in ("KMS", "KMS_DSSE") and key and not key.endswith("alias/aws/ecr"):
        return [passed(path, kind)]
    what = kind or "AES256 (default)"
    return [fail(path, kind, f"encrypted with {what}{' and the AWS managed key' if kind else ''}")]


def repository_not_public(repo: EcrRepository, ctx: Context) -> Outcomes:
    if _unknown(repo, "repositoryPolicy"):
        return [undetermined("repositoryPolicy")]
    bad = public_statements(repo.repository_policy)
    if bad:
        return [
            fail(
                "repositoryPolicy", bad, f"policy grants Principal * (statements {', '.join(bad)})"
            )
        ]
    return [passed("repositoryPolicy", None)]


def vpc_ecr_endpoints(vpc: Vpc, ctx: Context) -> Outcomes:
    found = set()
    for ep in ctx.inventory.vpc_endpoints:
        if ep.vpc_id == vpc.vpc_id and ep.service_name and ep.state not in ("deleted", "failed"):
            tail = ep.service_name.rsplit(".", 2)
            found.add(".".join(tail[-2:]))
    missing = [name for name in ("ecr.api", "ecr.dkr") if name not in found]
    if missing:
        return [fail("VpcEndpoints", missing, f"no interface endpoint for {', '.join(missing)}")]
    return [passed("VpcEndpoints", ["ecr.api", "ecr.dkr"])]


CHECKS: dict[str, Predicate] = {
    "scan_on_push": scan_on_push,
    "tag_immutability": tag_immutability,
    "lifecycle_policy": lifecycle_policy,
    "repository_kms_cmk": repository_kms_cmk,
    "repository_not_public": repository_not_public,
    "vpc_ecr_endpoints": vpc_ecr_endpoints,
}
