"""Fail closed: faults injected into each collector call (botocore ``before-send`` hooks on the
real clients, through ``ECSGUARD_FAULTS``) against a real moto server. ``collect`` must exit
partial and name the call; ``scan`` of the partial snapshot must never show a pass that the
complete snapshot did not show, never drop a result silently, and must report ``error`` for
the checks that needed the missing data; ``scope`` must never take a component out of scope.

Sampled operations (one or more per service whose data a check or the scope reads), each with
a different fault kind, so every kind is exercised on every wire protocol family. Each partial
collection runs once per module and is shared by the four properties below."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from hlib import PARTIAL, Result, build_canary_estate, collect, invoke, no_traceback

from ecsguard.testing import reset_moto

Key = tuple[str, str]  # (check_id, resource id)

# fault spec -> checks every result of which must be `error` in the partial scan
CASES: dict[str, tuple[str, ...]] = {
    "ecs:DescribeTaskDefinition=AccessDenied": (
        "ecs.task_definition.no_privileged_containers",
        "ecs.task_definition.tagged",
    ),
    "ecs:ListTaskDefinitionFamilies=Throttling": (),  # services still name their revisions
    "ecs:DescribeServices=Throttling": ("ecs.service.no_public_ip", "ecs.service.tagged"),
    "ecs:ListServices=Timeout": ("ecs.service.no_public_ip",),
    "ecs:DescribeClusters=InternalError": ("ecs.cluster.container_insights", "ecs.cluster.tagged"),
    "ecs:ListClusters=Truncated": ("ecs.cluster.tagged", "ecs.service.no_public_ip"),
    "ecs:ListAccountSettings=Unavailable": ("ecs.account.secure_settings",),
    "ec2:DescribeSecurityGroups=Timeout": ("ecs.service.no_open_ingress",),
    "ec2:DescribeSecurityGroupRules=Truncated": (),  # IpPermissions still hold the rules
    "ec2:DescribeSubnets=AccessDenied": (),
    "logs:DescribeLogGroups=Unavailable": ("logs.log_group.retention", "logs.log_group.kms"),
    "kms:ListKeys=Throttling": ("kms.key.rotation",),
    "kms:GetKeyRotationStatus=AccessDenied": ("kms.key.rotation",),
    "iam:GetAccountAuthorizationDetails=InternalError": (
        "ecs.task_definition.task_role_least_privilege",
    ),
    "secretsmanager:ListSecrets=Timeout": ("ecs.task_definition.secret_references_protected",),
    # the other reference (an unrotated secret) fails, and a fail outranks the unknown one
    "ssm:DescribeParameters=Truncated": (),
    "ecr:DescribeRepositories=AccessDenied": (
        "ecr.repository.scan_on_push",
        "ecr.repository.tag_immutability",
    ),
}

# Bugs these cases found, keyed by (property, fault): a strict xfail until fixed. None open.
BUGS: dict[tuple[str, str], str] = {}


def _params(prop: str) -> list[Any]:
    out = []
    for spec in CASES:
        reason = BUGS.get((prop, spec))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(spec, id=spec, marks=marks))
    return out


@dataclass
class Run:
    result: Result
    snapshot: dict[str, Any]
    findings: dict[Key, str]
    scope: dict[str, str]


def _scan(snapshot: Path) -> dict[Key, str]:
    out = snapshot.with_suffix(".scan.json")
    result = invoke("scan", str(snapshot), "--format", "json", "-o", str(out))
    no_traceback(result)
    assert result.code in (0, 1), result.text
    doc = orjson.loads(out.read_bytes())
    return {(r["check_id"], r["resource"]["id"]): r["status"] for r in doc["results"]}


def _scope(snapshot: Path) -> dict[str, str]:
    """Component id -> PCI category from ``scope --format json``."""
    out = snapshot.with_suffix(".scope.json")
    result = invoke("scope", str(snapshot), "--format", "json", "-o", str(out))
    no_traceback(result)
    assert result.code in (0, 1), result.text
    doc = orjson.loads(out.read_bytes())
    return {c["id"]: c["category"] for c in doc["components"]}


def _run(url: str, tmp: Path, spec: str = "") -> Run:
    snap = tmp / "snapshot.json"
    result = collect(url, snap, spec, "--max-attempts", "2")
    no_traceback(result)
    return Run(result, orjson.loads(snap.read_bytes()), _scan(snap), _scope(snap))


@pytest.fixture(scope="module")
def baseline(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The estate, collected once without faults: the verdicts a partial run is held to."""
    reset_moto(moto_url)
    build_canary_estate(moto_url)
    run = _run(moto_url, tmp_path_factory.mktemp("baseline"))
    assert run.result.code == 0, run.result.text
    assert {"pass", "fail"} <= set(run.findings.values())
    assert {"cde", "security-impacting"} <= set(run.scope.values())
    yield run
    reset_moto(moto_url)  # leave the worker's shared server as clean as we found it


@pytest.fixture(scope="module")
def partial(
    moto_url: str, baseline: Run, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Run]:
    cache: dict[str, Run] = {}

    def get(spec: str) -> Run:
        if spec not in cache:
            cache[spec] = _run(moto_url, tmp_path_factory.mktemp("partial"), spec)
        return cache[spec]

    return get


@pytest.mark.parametrize("spec", _params("partial"))
def test_collect_says_partial_and_names_the_call(partial: Callable[[str], Run], spec: str) -> None:
    run = partial(spec)
    target = spec.split("=", 1)[0]
    service, operation = target.split(":", 1)
    stderr = run.result.stderr.decode()
    assert run.result.code == PARTIAL, run.result.text
    assert "partial:" in stderr and target in stderr, stderr
    assert any(
        e["service"] == service and e["operation"] == operation for e in run.snapshot["errors"]
    ), run.snapshot["errors"]


@pytest.mark.parametrize("spec", _params("verdicts"))
def test_missing_data_never_improves_a_verdict(
    partial: Callable[[str], Run], baseline: Run, spec: str
) -> None:
    found = partial(spec).findings
    new_passes = sorted(
        k for k, v in found.items() if v == "pass" and baseline.findings.get(k) != "pass"
    )
    assert not new_passes, f"passes the complete snapshot did not give: {new_passes}"
    errors_by_check: dict[str, int] = defaultdict(int)
    for (check, _), status in found.items():
        errors_by_check[check] += status == "error"
    dropped = sorted(k for k in baseline.findings if k not in found and not errors_by_check[k[0]])
    assert not dropped, f"results dropped without an error result of their check: {dropped}"


@pytest.mark.parametrize("spec", _params("needed"))
def test_checks_that_needed_the_data_say_error(partial: Callable[[str], Run], spec: str) -> None:
    found = partial(spec).findings
    for check in CASES[spec]:
        statuses = [v for (c, _), v in found.items() if c == check]
        assert statuses and set(statuses) == {"error"}, f"{check}: {statuses}"


@pytest.mark.parametrize("spec", _params("scope"))
def test_missing_data_never_takes_a_component_out_of_scope(
    partial: Callable[[str], Run], baseline: Run, spec: str
) -> None:
    scope = partial(spec).scope
    freed = sorted(
        c for c, cat in scope.items() if cat == "out-of-scope" and baseline.scope.get(c) != cat
    )
    assert not freed, f"out of scope only in the partial run: {freed}"
