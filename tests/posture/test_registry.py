"""The catalogue: metadata and predicates agree, ids are stable names, and every live Security
Hub ECS control has exactly one check (ECS.1 only as the opt-in legacy check)."""

from __future__ import annotations

import re
from collections import Counter

from ecsguard.posture.collections import COLLECTIONS
from ecsguard.posture.registry import ALL_KINDS, load_checks
from ecsguard.posture.result import SEVERITIES

LIVE_SH_ECS = {f"ECS.{n}" for n in (2, 3, 4, 5, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)}


def test_metadata_is_complete_and_valid() -> None:
    checks = load_checks()
    assert len(checks) >= 70
    for cid, check in checks.items():
        assert re.fullmatch(r"[a-z0-9]+(\.[a-z0-9_]+){2}", cid), cid
        assert check.severity in SEVERITIES, cid
        assert check.collection in COLLECTIONS, cid
        assert set(check.kinds) <= set(ALL_KINDS), cid
        assert check.title and check.rationale and check.remediation.text, cid
        assert (
            check.remediation.cli
            and check.remediation.cloudformation
            and check.remediation.terraform
        ), cid
        assert set(check.references) >= {"securityhub", "checkov", "prowler", "aws_config"}, cid
        assert callable(check.predicate), cid


def test_every_live_security_hub_ecs_control_has_one_check() -> None:
    refs = Counter(
        ref
        for check in load_checks().values()
        if not check.legacy
        for ref in check.references["securityhub"]
        if ref.startswith("ECS.")
    )
    assert set(refs) == LIVE_SH_ECS
    assert all(n == 1 for n in refs.values()), refs
    legacy = [c for c in load_checks().values() if c.legacy]
    assert [c.references["securityhub"] for c in legacy] == [["ECS.1"]]


def test_prowler_ecs_checks_all_referenced() -> None:
    prowler = {ref for c in load_checks().values() for ref in c.references["prowler"]}
    for name in (
        "ecs_cluster_container_insights_enabled",
        "ecs_service_fargate_latest_platform_version",
        "ecs_service_no_assign_public_ip",
        "ecs_task_set_no_assign_public_ip",
        "ecs_task_definitions_containers_readonly_access",
        "ecs_task_definitions_host_namespace_not_shared",
        "ecs_task_definitions_host_networking_mode_users",
        "ecs_task_definitions_logging_block_mode",
        "ecs_task_definitions_logging_enabled",
        "ecs_task_definitions_no_environment_secrets",
        "ecs_task_definitions_no_privileged_containers",
    ):
        assert name in prowler, name


def test_checkov_ecs_checks_all_referenced() -> None:
    checkov = {ref for c in load_checks().values() for ref in c.references["checkov"]}
    for n in (65, 97, 223, 224, 249, 332, 333, 334, 335, 336):
        assert f"CKV_AWS_{n}" in checkov
