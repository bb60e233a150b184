"""Inventory model: typing from API shapes, lookups, unknowns, SG normalisation, bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from ecsguard.collect.load import load_inputs
from ecsguard.errors import InputError
from ecsguard.model import InventoryBuilder, Unknown, tag_map, to_api

TD = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
    "family": "web",
    "revision": 3,
    "status": "ACTIVE",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"},
    "ephemeralStorage": {"sizeInGiB": 40},
    "containerDefinitions": [
        {
            "name": "app",
            "image": "nginx:1.25",
            "privileged": True,
            "user": "0:0",
            "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"], "drop": []}},
            "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"mode": "non-blocking"}},
            "dockerLabels": {"team": "web"},
        }
    ],
    "volumes": [
        {"name": "sock", "host": {"sourcePath": "/var/run/docker.sock"}},
        {
            "name": "efs",
            "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "DISABLED"},
        },
    ],
    "tags": [{"key": "pci:chd", "value": "process"}],
}

SG = {
    "GroupId": "sg-1",
    "GroupName": "web",
    "VpcId": "vpc-1",
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012"}],
        }
    ],
    "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
}
RULES = [
    {
        "SecurityGroupRuleId": "sgr-0abc",
        "GroupId": "sg-1",
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "CidrIpv4": "0.0.0.0/0",
    }
]


def snapshot(**ecs: Any) -> dict[str, Any]:
    return {
        "ecsguard_snapshot": 1,
        "collected_at": "2026-11-29T06:00:00Z",
        "account_id": "123456789012",
        "partition": "aws",
        "regions": {
            "us-east-1": {
                "ecs": {"taskDefinitions": [TD], **ecs},
                "ec2": {"securityGroups": [SG], "securityGroupRules": RULES},
            }
        },
        "errors": [
            {
                "region": "us-east-1",
                "service": "ecs",
                "operation": "DescribeServices",
                "resource": "arn:x",
                "message": "AccessDenied",
            }
        ],
    }


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(doc))
    return str(path)


def test_snapshot_types_every_field(tmp_path: Path) -> None:
    inv = load_inputs([write(tmp_path, "s.json", snapshot())])
    (td,) = inv.task_definitions
    assert td.name == "web:3"
    assert td.region == "us-east-1"
    assert td.is_windows
    container = td.container_definitions[0]
    assert container.privileged is True
    assert container.user == "0:0"
    assert container.linux_parameters is not None
    assert container.linux_parameters.capabilities is not None
    assert container.linux_parameters.capabilities.add == ("SYS_ADMIN",)
    assert container.log_configuration is not None
    assert container.log_configuration.options["mode"] == "non-blocking"
    assert (
        td.volumes[0].host is not None and td.volumes[0].host.source_path == "/var/run/docker.sock"
    )
    assert td.ephemeral_storage is not None and td.ephemeral_storage.size_in_gi_b == 40
    assert td.tag_dict == {"pci:chd": "process"}
    # Round trip gives the API spelling back, unchanged.
    back = to_api(td)
    assert back["containerDefinitions"][0]["linuxParameters"]["capabilities"]["add"] == [
        "SYS_ADMIN"
    ]
    assert back["ephemeralStorage"] == {"sizeInGiB": 40}
    assert inv.account_id == "123456789012"
    assert [e.operation for e in inv.errors] == ["DescribeServices"]
    assert inv.kinds == {"snapshot"}


def test_security_group_rules_normalised_with_real_ids(tmp_path: Path) -> None:
    inv = load_inputs([write(tmp_path, "s.json", snapshot())])
    sg = inv.security_group("sg-1")
    assert sg is not None
    by_peer = {(r.direction, r.peer_kind, r.peer): r for r in sg.rules}
    world = by_peer[("ingress", "cidr4", "0.0.0.0/0")]
    assert world.rule_id == "sgr-0abc"
    assert world.covers_port("tcp", 443) and not world.covers_port("tcp", 22)
    assert world.ports_label == "tcp/443"
    self_ref = by_peer[("ingress", "sg", "sg-1")]
    assert self_ref.rule_id.startswith("sg-1/ingress/")
    egress = by_peer[("egress", "cidr4", "0.0.0.0/0")]
    assert egress.all_ports and egress.covers_port("udp", 53)


def test_lookup_by_arn_family_revision_and_latest(tmp_path: Path) -> None:
    older = {**TD, "revision": 2, "taskDefinitionArn": TD["taskDefinitionArn"].replace(":3", ":2")}
    inactive = {
        **TD,
        "revision": 4,
        "status": "INACTIVE",
        "taskDefinitionArn": TD["taskDefinitionArn"].replace(":3", ":4"),
    }
    doc = snapshot()
    doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"] = [older, TD, inactive]
    inv = load_inputs([write(tmp_path, "s.json", doc)])
    td = inv.task_definition(TD["taskDefinitionArn"])
    assert td is not None and td.revision == 3
    found = inv.task_definition("web:2")
    assert found is not None and found.revision == 2
    latest = inv.task_definition("web")
    assert latest is not None and latest.revision == 3
    assert [t.revision for t in inv.latest_task_definitions()] == [3]


def test_unknown_values_are_recorded_not_dropped() -> None:
    builder = InventoryBuilder()
    item = {
        "family": "f",
        "containerDefinitions": [{"name": "a", "user": Unknown("!ImportValue AppUser")}],
        "taskRoleArn": Unknown("Ref Role"),
    }
    td = builder.add("ecs", "taskDefinitions", item, source="t.yaml", place="Resources.TD")
    assert td is not None
    assert td.is_unknown("containerDefinitions[0].user")
    assert td.is_unknown("containerDefinitions[0]")  # a parent of an unknown value
    assert td.is_unknown("taskRoleArn")
    assert not td.is_unknown("containerDefinitions[0].privileged")
    assert not td.is_unknown("containerDefinitions[1].user")


def test_wrong_type_names_file_and_path(tmp_path: Path) -> None:
    doc = snapshot()
    bad = {**TD, "containerDefinitions": [{"name": "a", "privileged": "yes"}]}
    doc["regions"]["us-east-1"]["ecs"]["taskDefinitions"] = [TD, bad]
    path = write(tmp_path, "bad.json", doc)
    with pytest.raises(InputError) as exc:
        load_inputs([path])
    assert str(exc.value).startswith(f"{path}:regions.us-east-1.ecs.taskDefinitions[1]")
    assert "containerDefinitions[0].privileged" in str(exc.value)


def test_task_definition_describe_output_and_register_input(tmp_path: Path) -> None:
    described = {"taskDefinition": {k: v for k, v in TD.items() if k != "tags"}, "tags": TD["tags"]}
    register = {
        k: TD[k] for k in ("family", "containerDefinitions", "networkMode", "cpu", "memory")
    }
    inv = load_inputs([write(tmp_path, "d.json", described), write(tmp_path, "r.json", register)])
    assert inv.kinds == {"taskdef"}
    described_td, registered_td = inv.task_definitions
    assert described_td.tag_dict == {"pci:chd": "process"}
    assert described_td.id == TD["taskDefinitionArn"]
    assert registered_td.revision is None and registered_td.id.endswith("r.json#web")
    assert registered_td.origin is not None and registered_td.origin.kind == "taskdef"


def test_gzip_and_directory_inputs(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.json.gz").write_bytes(gzip.compress(orjson.dumps(snapshot())))
    (tmp_path / "in" / "notes.txt").write_text("ignored")
    inv = load_inputs([str(tmp_path / "in")])
    assert len(inv.task_definitions) == 1


def test_tag_map_accepts_every_spelling() -> None:
    assert tag_map([{"key": "a", "value": "1"}]) == {"a": "1"}
    assert tag_map([{"Key": "a", "Value": "1"}]) == {"a": "1"}
    assert tag_map({"a": 1}) == {"a": "1"}
    assert tag_map(None) == {}


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("truncated.json", b'{"ecsguard_snapshot": 1, "regions": {', "line 1"),
    ("garbage.bin", bytes(range(256)) * 8, "binary data"),
    ("latin1.json", b'{"a": "\xff\xfe"}', "invalid UTF-8"),
    ("empty.json", b"   \n", "empty input"),
    ("other.json", b'{"hello": "world"}', "not a recognised input"),
    ("version.json", b'{"ecsguard_snapshot": 99}', "unsupported snapshot version"),
    (
        "wrongshape.json",
        b'{"ecsguard_snapshot": 1, "regions": {"us-east-1": {"ecs": {"taskDefinitions": {}}}}}',
        "expected a list",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "inventory", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and expected in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "inventory", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "nope.json" in proc.stderr and "cannot read" in proc.stderr


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as handle:
        handle.write(b'{"ecsguard_snapshot": 1, "pad": "')
        handle.write(b"x" * (3 * 1024 * 1024))
        handle.write(b'"}')
    proc = subprocess.run(
        [sys.executable, "-m", "ecsguard", "inventory", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "ECSGUARD_MAX_INPUT_MB": "2"},
    )
    assert proc.returncode == 2
    assert "input limit" in proc.stderr


def test_to_api_drops_private_keys(tmp_path: Path) -> None:
    inv = load_inputs([write(tmp_path, "s.json", snapshot())])
    sg = inv.security_groups[0]
    data = to_api(sg)
    assert "__rules" not in data and "__region" not in data
    assert data["IpPermissions"][0]["FromPort"] == 443
    assert "__rules" in to_api(sg, private=True)


def test_live_spellings_and_mount_targets_fold_into_the_model(tmp_path: Path) -> None:
    doc = snapshot()
    region = doc["regions"]["us-east-1"]
    region["ecr"] = {
        "repositories": [
            {
                "repositoryArn": "arn:aws:ecr:us-east-1:123456789012:repository/app",
                "repositoryName": "app",
                "lifecyclePolicyText": '{"rules": []}',
                "policyText": '{"Statement": []}',
            }
        ]
    }
    region["s3"] = {
        "buckets": [{"Name": "audit", "PublicAccessBlockConfiguration": {"BlockPublicAcls": True}}]
    }
    region["efs"] = {
        "fileSystems": [{"FileSystemId": "fs-1", "Encrypted": True}],
        "mountTargets": [
            {"MountTargetId": "fsmt-1", "FileSystemId": "fs-1", "SecurityGroups": ["sg-1"]},
            {"MountTargetId": "fsmt-2", "FileSystemId": "fs-other", "SecurityGroups": ["sg-2"]},
        ],
    }
    region["ecs"]["containerInstances"] = [
        {
            "containerInstanceArn": "arn:aws:ecs:us-east-1:123456789012:container-instance/payments/abc"
        }
    ]
    inv = load_inputs([write(tmp_path, "s.json", doc)])
    repo = inv.ecr_repositories[0]
    assert (
        repo.lifecycle_policy == '{"rules": []}' and repo.repository_policy == '{"Statement": []}'
    )
    assert inv.s3_buckets[0].public_access_block == {"BlockPublicAcls": True}
    (fs,) = inv.efs_file_systems
    assert [m.security_groups for m in fs.mount_targets] == [("sg-1",)]
    assert inv.container_instances[0].cluster_name == "payments"


def test_deep_nesting_is_refused_without_recursion(tmp_path: Path) -> None:
    deep: Any = []
    for _ in range(300):
        deep = [deep]
    path = tmp_path / "deep.json"
    doc = {"family": "x", "containerDefinitions": [{"command": deep}]}
    path.write_text(json.dumps(doc))  # orjson refuses to write this depth; the stdlib does
    with pytest.raises(
        InputError, match=r"containerDefinitions\[0\]\.command\[0\].*nesting deeper than"
    ):
        load_inputs([str(path)])


def test_cloudformation_parameters_reach_the_loader(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  U: {Type: String, Default: '1000'}\nResources:\n"
        "  TD:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        "      ContainerDefinitions: [{Name: a, Image: x, User: !Ref U}]\n"
    )
    (td,) = load_inputs([str(template)], {"U": "root"}).task_definitions
    assert td.container_definitions[0].user == "root"


def test_references_by_secondary_ids(tmp_path: Path) -> None:
    doc = snapshot()
    doc["regions"]["us-east-1"]["efs"] = {
        "fileSystems": [
            {
                "FileSystemId": "fs-1",
                "FileSystemArn": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1",
                "Name": "payments-files",
            }
        ]
    }
    doc["regions"]["us-east-1"]["logs"] = {
        "logGroups": [
            {"logGroupName": "/ecs/web", "arn": "arn:aws:logs:us-east-1:1:log-group:/ecs/web:*"}
        ]
    }
    inv = load_inputs([write(tmp_path, "s.json", doc)])
    fs = inv.efs_file_systems[0]
    for ref in ("fs-1", "payments-files", fs.file_system_arn):
        assert inv.find("efs_file_systems", ref) is fs
    assert inv.find("log_groups", "/ecs/web") is inv.log_groups[0]
