"""The same estate as a snapshot, a CloudFormation YAML, a CloudFormation JSON and a Terraform
plan loads into equal inventories (ids, ARNs, origins and runtime-only fields aside)."""

from __future__ import annotations

import pytest
from loader_helpers import DATA, load, normalised

FORMS = ["estate.yaml", "estate.template.json", "estate.tfplan.json"]


@pytest.fixture(scope="module")
def reference() -> dict[str, dict[str, object]]:
    return normalised(load("estate.snapshot.json"))


@pytest.mark.parametrize("name", FORMS)
def test_same_records_as_snapshot(name: str, reference: dict[str, dict[str, object]]) -> None:
    got = normalised(load(name))
    assert sorted(got) == sorted(reference)
    for key, record in reference.items():
        assert got[key] == record, key


@pytest.mark.parametrize("name", ["estate.snapshot.json", *FORMS])
def test_references_resolve_inside_the_inventory(name: str) -> None:
    inv = load(name)
    (service,) = inv.services
    td = inv.task_definition(service.task_definition)
    assert td is not None and td.family == "payments-api"
    cluster = inv.cluster(service.cluster_arn)
    assert cluster is not None and cluster.cluster_name == "payments-prod"
    awsvpc = service.awsvpc
    assert awsvpc is not None
    (group,) = [inv.security_group(ref) for ref in awsvpc.security_groups]
    assert group is not None and group.group_name == "payments-app"
    ingress = [r for r in group.rules if r.direction == "ingress"]
    assert [(r.protocol, r.from_port, r.peer_kind) for r in ingress] == [("tcp", 8443, "sg")]
    alb_group = inv.security_group(ingress[0].peer)
    assert alb_group is not None and alb_group.group_name == "payments-alb"
    role = inv.find("iam_roles", td.task_role_arn)
    assert role is not None and role.name == "payments-task"
    assert not td.unknown and not service.unknown


@pytest.mark.parametrize("name", FORMS)
def test_iac_ids_are_logical_ids_or_addresses(name: str) -> None:
    inv = load(name)
    ids = {td.id for td in inv.task_definitions}
    if name.endswith("tfplan.json"):
        assert ids == {"aws_ecs_task_definition.api", "aws_ecs_task_definition.worker"}
    else:
        assert ids == {"ApiTask", "WorkerTask"}
    for res in inv.resources():
        assert res.origin is not None or res.TYPE == "AWS::KMS::Key"


def test_separate_rule_ids_name_the_iac_resource() -> None:
    cfn = load("estate.yaml")
    tf = load("estate.tfplan.json")
    snap = load("estate.snapshot.json")
    rule_id = {
        inv_name: next(
            r.rule_id
            for sg in inv.security_groups
            for r in sg.rules
            if r.direction == "ingress" and r.peer_kind == "sg"
        )
        for inv_name, inv in (("cfn", cfn), ("tf", tf), ("snap", snap))
    }
    assert rule_id == {
        "cfn": "AppFromAlb",
        "tf": "aws_vpc_security_group_ingress_rule.app_from_alb",
        "snap": "sgr-0aa11bb22cc33dd44",
    }


def test_cloudformation_lines_point_at_the_resource() -> None:
    for name, needle in (("estate.yaml", "ApiTask:"), ("estate.template.json", '"ApiTask": {')):
        td = load(name).task_definition("ApiTask")
        assert td is not None and td.origin is not None and td.origin.line is not None
        line = (DATA / name).read_text().splitlines()[td.origin.line - 1]
        assert line.strip() == needle


def test_single_task_definition_file_matches_the_snapshot(
    reference: dict[str, dict[str, object]],
) -> None:
    got = normalised(load("payments-api.taskdef.json"), context=load("estate.snapshot.json"))
    key = "<AWS::ECS::TaskDefinition:payments-api>"
    assert list(got) == [key]
    assert got[key] == reference[key]
