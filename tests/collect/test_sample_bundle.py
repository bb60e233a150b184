"""The bundled sample snapshots, flows and scope file: what the demo and other engineers rely on."""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import datetime
from ipaddress import ip_address, ip_network
from typing import Any

import orjson
import pytest
import yaml
from collect_testlib import by, check_generation, services_of, tag_map

from ecsguard import sample
from ecsguard.collect.aws import SECTION_KEYS
from ecsguard.collect.load import load_inputs
from ecsguard.sample.estate_base import FAKE_SECRET


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return [sample.load_snapshot(n) for n in range(sample.GENERATION_COUNT)]


def _region(doc: dict[str, Any]) -> dict[str, Any]:
    region: dict[str, Any] = doc["regions"]["us-east-1"]
    return region


def test_every_generation_is_a_complete_snapshot(docs: list[dict[str, Any]]) -> None:
    times = [datetime.fromisoformat(d["collected_at"].replace("Z", "+00:00")) for d in docs]
    assert all((b - a).days == 7 for a, b in itertools.pairwise(times))
    for number, doc in enumerate(docs):
        assert doc["ecsguard_snapshot"] == 1 and doc["errors"] == []
        assert doc["account_id"] == "123456789012"
        assert set(SECTION_KEYS) <= set(_region(doc))
        check_generation(_region(doc), number)
    assert sample.snapshot_path().read_bytes() == sample.snapshot_path(3).read_bytes()


def test_the_inventory_loader_reads_every_generation() -> None:
    for path in sample.snapshot_paths():
        inventory = load_inputs([str(path)])
        assert inventory.errors == ()
        assert len(inventory.clusters) == 3
        assert len(inventory.services) >= 12


def test_estate_mixes_launch_types_and_network_modes(docs: list[dict[str, Any]]) -> None:
    region = _region(docs[0])
    modes = {t["taskDefinitionArn"]: t["networkMode"] for t in region["ecs"]["taskDefinitions"]}
    kinds = {(s["launchType"], modes[s["taskDefinition"]]) for s in region["ecs"]["services"]}
    assert kinds == {("FARGATE", "awsvpc"), ("EC2", "awsvpc"), ("EC2", "bridge")}
    clusters = {s["clusterArn"].rsplit("/", 1)[-1] for s in region["ecs"]["services"]}
    assert clusters == {"payments", "storefront", "platform"}
    assert len(region["ecs"]["services"]) >= 12
    assert region["ecs"]["tasks"] and region["ecs"]["containerInstances"]
    for key in ("loadBalancers", "listeners", "targetGroups"):
        assert region["elbv2"][key]
    for service, key in (
        ("efs", "fileSystems"),
        ("ecr", "repositories"),
        ("logs", "logGroups"),
        ("kms", "keys"),
        ("iam", "roles"),
        ("servicediscovery", "namespaces"),
    ):
        assert region[service][key], service


def test_declarations_are_tagged_per_design(docs: list[dict[str, Any]]) -> None:
    region = _region(docs[0])
    services = services_of(region)
    assert "process" in tag_map(services["payment-api"]["tags"])["pci:chd"]
    assert tag_map(services["admin-bastion"]["tags"])["pci:forwards"] == "true"
    assert tag_map(services["search"].get("tags")) == {}  # deliberately unclassified
    cards = by(region["rds"]["dbInstances"], "DBInstanceIdentifier")["cards-db"]
    assert tag_map(cards["TagList"]) == {"pci:chd": "store", "data-classification": "chd"}
    queues = {q["QueueUrl"].rsplit("/", 1)[-1]: q for q in region["sqs"]["queues"]}
    assert queues["payment-events"]["Tags"]["data-classification"] == "tokens"
    buckets = by(region["s3"]["buckets"], "Name")
    assert "data-classification" in tag_map(buckets["audit-logs"]["Tags"])


def test_estate_carries_the_bad_settings_checks_look_for(docs: list[dict[str, Any]]) -> None:
    region = _region(docs[0])
    main = {t["family"]: t["containerDefinitions"][0] for t in region["ecs"]["taskDefinitions"]}
    assert main["ci-runner"]["privileged"] is True
    assert main["admin-bastion"]["user"] == "0" and "logConfiguration" not in main["admin-bastion"]
    assert any(
        m["containerPath"] == "/var/run/docker.sock" for m in main["ci-runner"]["mountPoints"]
    )
    env = {e["name"]: e["value"] for e in main["receipt-mailer"]["environment"]}
    assert env["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
    volumes = {t["family"]: t["volumes"] for t in region["ecs"]["taskDefinitions"]}
    transit = [
        v["efsVolumeConfiguration"]["transitEncryption"]
        for v in volumes["log-shipper"]
        if "efsVolumeConfiguration" in v
    ]
    assert transit == ["DISABLED"]
    shared_role = {
        t["taskRoleArn"]
        for t in region["ecs"]["taskDefinitions"]
        if t["family"] in ("payment-api", "cart")
    }
    assert len(shared_role) == 1  # one task role for a CDE and a non-CDE service
    repos = by(region["ecr"]["repositories"], "repositoryName")
    web = repos["storefront/web"]
    assert (
        web["imageTagMutability"] == "MUTABLE"
        and not web["imageScanningConfiguration"]["scanOnPush"]
    )
    rotation = {k["Aliases"][0]: k.get("KeyRotationEnabled") for k in region["kms"]["keys"]}
    assert rotation["alias/payments"] is True and rotation["alias/platform-logs"] is False
    groups = by(region["logs"]["logGroups"], "logGroupName")
    assert "retentionInDays" not in groups["/ecs/payments/card-batch"]
    assert "kmsKeyId" in groups["/ecs/payments/payment-api"]
    bastion = services_of(region)["admin-bastion"]["networkConfiguration"]["awsvpcConfiguration"]
    assert bastion["assignPublicIp"] == "ENABLED"
    self_ref = next(
        g for g in region["ec2"]["securityGroups"] if g["GroupName"] == "shared-services"
    )
    pairs = [p["GroupId"] for perm in self_ref["IpPermissions"] for p in perm["UserIdGroupPairs"]]
    assert pairs == [self_ref["GroupId"]]


def test_no_secret_value_is_bundled() -> None:
    for path in sample.snapshot_paths():
        text = json.dumps(sample.load_snapshot(int(path.name[12])))
        assert FAKE_SECRET not in text and "SecretString" not in text


def _names(doc: dict[str, Any]) -> set[str]:
    region = _region(doc)
    return (
        set(services_of(region))
        | {lb["LoadBalancerName"] for lb in region["elbv2"]["loadBalancers"]}
        | {d["DBInstanceIdentifier"] for d in region["rds"]["dbInstances"]}
        | {q["QueueUrl"].rsplit("/", 1)[-1] for q in region["sqs"]["queues"]}
        | {b["Name"] for b in region["s3"]["buckets"]}
    )


def test_dataflows_and_scope_name_real_components(docs: list[dict[str, Any]]) -> None:
    names = _names(docs[0])
    flows = yaml.safe_load(sample.data_path("dataflows.yaml").read_text())["flows"]
    assert len({f["id"] for f in flows}) == len(flows)
    for flow in flows:
        for end in (flow["from"], flow["to"]):
            assert end.startswith("external:") or end in names, end
        assert flow["elements"]
    card_flows = [f for f in flows if {"PAN", "CVV"} & set(f["elements"])]
    assert {"payment-api", "tokenizer", "card-batch", "cards-db"} <= {
        end for f in card_flows for end in (f["from"], f["to"])
    }
    scope = yaml.safe_load(sample.data_path("scope.yaml").read_text())["workloads"]
    for name, entry in scope.items():
        assert name in names
        assert set(entry["chd"]) <= {"store", "process", "transmit", "none"}
        assert entry["justification"]


def test_snapshot_path_rejects_unknown_generation() -> None:
    with pytest.raises(ValueError, match=r"0\.\.3"):
        sample.snapshot_path(4)


def test_every_eni_address_is_inside_its_subnet(docs: list[dict[str, Any]]) -> None:
    """moto's random task ENI addresses are repaired by the builder (sample.moto_fixups)."""
    for doc in docs:
        region = _region(doc)
        subnets = {s["SubnetId"]: ip_network(s["CidrBlock"]) for s in region["ec2"]["subnets"]}
        enis = {e["PrivateIpAddress"]: e for e in region["ec2"]["networkInterfaces"]}
        assert len(enis) == len(region["ec2"]["networkInterfaces"])  # no address twice
        for address, eni in enis.items():
            assert ip_address(address) in subnets[eni["SubnetId"]]
        for task in region["ecs"]["tasks"]:
            for attachment in task.get("attachments", []):
                details = {d["name"]: d["value"] for d in attachment["details"]}
                eni = enis[details["privateIPv4Address"]]
                assert eni["NetworkInterfaceId"] == details["networkInterfaceId"]
                assert details["privateDnsName"] == eni["PrivateDnsName"]


def test_all_revisions_bundle_keeps_old_and_inactive_revisions() -> None:
    doc = orjson.loads(
        gzip.decompress(sample.data_path("snapshot-all-revisions.json.gz").read_bytes())
    )
    assert doc["revision_policy"] == "all" and doc["errors"] == []
    revisions = {
        (t["family"], t["revision"]): t["status"] for t in _region(doc)["ecs"]["taskDefinitions"]
    }
    assert revisions[("payment-api", 1)] == "ACTIVE"  # the one with DB_PASSWORD in plain env
    assert revisions[("legacy-importer", 2)] == "INACTIVE"
    assert revisions[("fraud-scoring", 1)] == "INACTIVE"  # deregistered in generation 2
    assert doc["collected_at"] == sample.load_snapshot(3)["collected_at"]
