"""Drift (PCI_SCOPING §2.7): a dozen mutations of the payment estate and the events each must
raise, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from scope_estate import ACCT, ALL_OUT, Estate, perm
from scope_payment import VPC, payment_estate

from ecsguard.scope.drift import drift_events
from ecsguard.scope.engine import compute_scope

R = "us-east-1"


def _sgs(e: Estate) -> dict[str, dict[str, Any]]:
    return {g["GroupId"]: g for g in e.doc["regions"][R]["ec2"]["securityGroups"]}


def _svc(e: Estate, name: str) -> dict[str, Any]:
    return next(s for s in e.doc["regions"][R]["ecs"]["services"] if s["serviceName"] == name)


def _td(e: Estate, family: str) -> dict[str, Any]:
    return next(t for t in e.doc["regions"][R]["ecs"]["taskDefinitions"] if t["family"] == family)


def world_on_tokenizer(e: Estate) -> None:
    _sgs(e)["sg-tokenizer"]["IpPermissions"].append(perm("tcp", 8080, cidrs=["0.0.0.0/0"]))


def vpc_cidr_on_tokenizer(e: Estate) -> None:
    _sgs(e)["sg-tokenizer"]["IpPermissions"].append(perm("tcp", 8080, cidrs=["10.0.0.0/16"]))


def checkout_rule_removed(e: Estate) -> None:
    _sgs(e)["sg-payapi"]["IpPermissions"] = [perm("tcp", 8443, sgs=["sg-alb"])]


def catalog_declared_chd(e: Estate) -> None:
    _svc(e, "catalog")["tags"] = [{"key": "pci:chd", "value": "process"}]


def new_service_in_cde(e: Estate) -> None:
    td = e.task_def("fraud-check", role="tokenizer-task")
    e.service(
        "fraud-check",
        "payments",
        td,
        subnets=["subnet-cde"],
        sgs=["sg-payapi"],
        tags={"pci:chd": "none"},
    )


def new_log_group(e: Estate) -> None:
    e.log_group("/ecs/payments-v2")
    _td(e, "payment-api")["containerDefinitions"][0]["logConfiguration"]["options"][
        "awslogs-group"
    ] = "/ecs/payments-v2"


def cde_egress_to_reports(e: Estate) -> None:
    _sgs(e)["sg-payapi"]["IpPermissionsEgress"].append(perm("tcp", 9000, sgs=["sg-reports"]))
    _sgs(e)["sg-reports"]["IpPermissions"].append(perm("tcp", 9000, sgs=["sg-payapi"]))


def reports_takes_payment_role(e: Estate) -> None:
    _td(e, "reports")["taskRoleArn"] = f"arn:aws:iam::{ACCT}:role/payment-task"


def ingress_without_egress(e: Estate) -> None:
    _sgs(e)["sg-reports"]["IpPermissionsEgress"] = []
    _sgs(e)["sg-tokenizer"]["IpPermissions"].append(perm("tcp", 8080, sgs=["sg-reports"]))


def peering_to_corp(e: Estate) -> None:
    e.vpc("vpc-corp", "172.16.0.0/16")
    e.subnet("subnet-corp", "vpc-corp", "172.16.1.0/24")
    e.sg("sg-corp", "vpc-corp", [], [ALL_OUT])
    e.cluster("corp")
    e.service(
        "corp-app",
        "corp",
        e.task_def("corp-app"),
        subnets=["subnet-corp"],
        sgs=["sg-corp"],
        tags={"pci:chd": "none"},
    )
    ec2 = e.doc["regions"][R]["ec2"]
    ec2["vpcPeeringConnections"] = [{"VpcPeeringConnectionId": "pcx-9", "Status": {"Code": "active"},
                                     "AccepterVpcInfo": {"VpcId": VPC}, "RequesterVpcInfo": {"VpcId": "vpc-corp"}}]  # fmt: skip
    _sgs(e)["sg-tokenizer"]["IpPermissions"].append(perm("tcp", 8080, cidrs=["172.16.0.0/16"]))


def tokenizer_removed(e: Estate) -> None:
    e.doc["regions"][R]["ecs"]["services"] = [
        s for s in e.doc["regions"][R]["ecs"]["services"] if s["serviceName"] != "tokenizer"
    ]


def shared_secret(e: Estate) -> None:
    secret = _td(e, "payment-api")["containerDefinitions"][0]["secrets"][0]["valueFrom"]
    _td(e, "catalog")["containerDefinitions"][0]["secrets"] = [{"name": "DB", "valueFrom": secret}]


def tag_typo_on_checkout(e: Estate) -> None:
    _svc(e, "reports")["tags"] = [{"key": "pci:chd", "value": "nope"}]


CASES: list[tuple[Callable[[Estate], None], set[tuple[str, str]]]] = [
    (world_on_tokenizer, {("SEGMENTATION_BROKEN", "tokenizer")}),
    (vpc_cidr_on_tokenizer, {("SEGMENTATION_BROKEN", "tokenizer"), ("SCOPE_EXPANDED", "catalog"), ("SCOPE_EXPANDED", "reports"), ("SEGMENTATION_BROKEN", "catalog"),
                             ("SEGMENTATION_BROKEN", "reports"), ("NEW_CDE_INGRESS_PATH", "tokenizer"),
                             ("SCOPE_EXPANDED", "task_definition:catalog:1"), ("SCOPE_EXPANDED", "task_definition:reports:1")}),
    (checkout_rule_removed, {("SCOPE_REDUCED", "checkout"), ("SCOPE_REDUCED", "task_definition:checkout:1"), ("SCOPE_REDUCED", "security_group:sg-checkout")}),
    (catalog_declared_chd, {("CHD_DECLARATION_CHANGED", "catalog"), ("SCOPE_EXPANDED", "catalog"), ("SEGMENTATION_BROKEN", "catalog"),
                            ("SCOPE_EXPANDED", "task_definition:catalog:1"), ("SCOPE_EXPANDED", "security_group:sg-catalog"), ("SCOPE_EXPANDED", "cluster:storefront"),
                            ("SCOPE_EXPANDED", "role:storefront-task"), ("SCOPE_EXPANDED", "log_group:/ecs/storefront"),
                            ("SCOPE_EXPANDED", "repository:catalog"),
                            # reports and checkout share the storefront task role with catalog
                            ("SCOPE_EXPANDED", "reports"), ("SCOPE_EXPANDED", "task_definition:reports:1"),
                            ("SEGMENTATION_BROKEN", "reports")}),
    # fraud-check joins the CDE's group: the ALB may now send to it, it may reach the tokenizer and the database
    (new_service_in_cde, {("NEW_WORKLOAD_IN_SCOPE", "fraud-check"),
                          ("NEW_CDE_EGRESS_PATH", "load_balancer:pay-alb"), ("NEW_CDE_INGRESS_PATH", "data_store:cards-db"),
                          ("NEW_CDE_INGRESS_PATH", "tokenizer")}),
    (new_log_group, {("SUPPORTING_INFRA_CHANGED", "payment-api"), ("SCOPE_EXPANDED", "log_group:/ecs/payments-v2")}),
    (cde_egress_to_reports, {("NEW_CDE_EGRESS_PATH", "payment-api"), ("SCOPE_EXPANDED", "reports"), ("SEGMENTATION_BROKEN", "reports"),
                             ("SCOPE_EXPANDED", "task_definition:reports:1")}),
    (reports_takes_payment_role, {("SCOPE_EXPANDED", "reports"), ("SEGMENTATION_BROKEN", "reports"), ("SCOPE_EXPANDED", "task_definition:reports:1")}),
    (ingress_without_egress, set()),
    (peering_to_corp, {("NEW_WORKLOAD_IN_SCOPE", "corp-app"), ("NEW_CDE_INGRESS_PATH", "tokenizer")}),
    (tokenizer_removed, {("SCOPE_REDUCED", "tokenizer"), ("SCOPE_REDUCED", "security_group:sg-tokenizer"), ("SCOPE_REDUCED", "role:tokenizer-task"),
                         ("SCOPE_REDUCED", "repository:tokenizer"),
                         # the unused task definition is now an unlabelled workload of its own
                         ("SCOPE_REDUCED", "task_definition:tokenizer:1")}),
    (shared_secret, {("SCOPE_EXPANDED", "catalog"), ("SEGMENTATION_BROKEN", "catalog"), ("SCOPE_EXPANDED", "task_definition:catalog:1")}),
    (tag_typo_on_checkout, {("CHD_DECLARATION_CHANGED", "reports"), ("SCOPE_EXPANDED", "reports"), ("SCOPE_EXPANDED", "task_definition:reports:1")}),
]  # fmt: skip


def _label(comp: dict[str, Any]) -> str:
    """Services by name; every other kind as kind:name (names repeat across kinds)."""
    return comp["name"] if comp["kind"] == "service" else f"{comp['kind']}:{comp['name']}"


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return compute_scope(payment_estate().inventory())


@pytest.mark.parametrize("mutate,expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_mutation_raises_exactly_the_expected_events(
    baseline: dict[str, Any], mutate: Callable[[Estate], None], expected: set[tuple[str, str]]
) -> None:
    e = payment_estate()
    mutate(e)
    current = compute_scope(e.inventory())
    events = drift_events(baseline, current)
    names = {c["id"]: _label(c) for c in [*baseline["components"], *current["components"]]}
    got = {(ev["type"], names.get(ev["component"], ev["component"])) for ev in events}
    assert got == expected, (sorted(expected - got), sorted(got - expected))


def test_no_change_no_events(baseline: dict[str, Any]) -> None:
    assert drift_events(baseline, compute_scope(payment_estate().inventory())) == []


def test_new_ingress_path_event_cites_the_rule(baseline: dict[str, Any]) -> None:
    e = payment_estate()
    vpc_cidr_on_tokenizer(e)
    events = drift_events(baseline, compute_scope(e.inventory()))
    path = [ev for ev in events if ev["type"] == "NEW_CDE_INGRESS_PATH"]
    assert path and all(any("sg-tokenizer/ingress" in x for x in ev["evidence"]) for ev in path)
    assert {ev["path"][0].rsplit("/", 1)[-1] for ev in path} == {"catalog", "checkout", "reports"}


def test_component_entering_the_cde_brings_no_new_path_events(baseline: dict[str, Any]) -> None:
    e = payment_estate()
    _svc(e, "checkout")["tags"] = [{"key": "pci:chd", "value": "process"}]
    events = drift_events(baseline, compute_scope(e.inventory()))
    assert not [ev for ev in events if ev["type"].startswith("NEW_CDE")]
    assert any(
        ev["type"] == "SCOPE_EXPANDED" and ev["component"].endswith("/checkout") for ev in events
    )


def test_new_revision_of_a_cde_service_is_not_a_new_workload(baseline: dict[str, Any]) -> None:
    e = payment_estate()
    new = e.task_def("payment-api", revision=2, role="payment-task", exec_role="exec", log_group="/ecs/payments",
                     secrets=_td(e, "payment-api")["containerDefinitions"][0]["secrets"][0]["valueFrom"].split())  # fmt: skip
    e.doc["regions"][R]["ecs"]["taskDefinitions"] = [
        t
        for t in e.doc["regions"][R]["ecs"]["taskDefinitions"]
        if t is not _td(e, "payment-api") or t is new
    ]
    svc = _svc(e, "payment-api")
    svc["taskDefinition"] = new["taskDefinitionArn"]
    svc["deployments"] = [
        {"id": "d2", "status": "PRIMARY", "taskDefinition": new["taskDefinitionArn"]}
    ]
    assert drift_events(baseline, compute_scope(e.inventory())) == []
