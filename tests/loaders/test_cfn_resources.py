"""CloudFormation resource types translated to API shapes, separate resources folded into the
resource they attach to, and secret values kept out of the inventory."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from loader_helpers import DATA, load

from ecsguard.collect.load import load_inputs
from ecsguard.model import Inventory


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load("platform.yaml")


def test_no_secret_value_enters_the_inventory(inv: Inventory) -> None:
    dumped = json.dumps([msgspec.to_builtins(r) for r in inv.resources()], default=str)
    for secret in (
        "hunter2-do-not-leak",
        "sk_live_do_not_leak",
        "SecretString",
        "MasterUserPassword",
    ):
        assert secret not in dumped
    (secret_meta,) = inv.secrets
    assert secret_meta.name == "payments/db" and secret_meta.kms_key_id == "Key"
    assert secret_meta.rotation_enabled is True
    (param,) = inv.ssm_parameters
    assert (param.name, param.type) == ("/payments/api-key", "String")
    assert [(t.key, t.value) for t in param.tags] == [("team", "payments")]


def test_security_group_rules(inv: Inventory) -> None:
    db = inv.security_group("Db")
    assert db is not None
    peers = sorted((r.direction, r.peer_kind, r.peer, r.from_port) for r in db.rules)
    assert peers == [
        ("ingress", "cidr6", "2001:db8::/64", 5432),
        ("ingress", "prefix_list", "Corp", 5432),
        ("ingress", "sg", "App", 5432),
    ]
    # the SSH rule's source is an import: the rule list is known to be incomplete
    assert db.is_unknown("IpPermissions")
    assert db.ip_permissions_egress == ()  # explicit empty egress removes the default rule
    app = inv.security_group("App")
    assert app is not None
    egress = sorted((r.rule_id, r.peer_kind, r.peer, r.protocol) for r in app.rules)
    # no SecurityGroupEgress property: the default allow-all stays; AppToDb adds one
    assert egress == [
        ("App/egress/0/cidr4:0.0.0.0/0", "cidr4", "0.0.0.0/0", "-1"),
        ("AppToDb", "sg", "Db", "tcp"),
    ]


def test_network_resources(inv: Inventory) -> None:
    (table,) = inv.route_tables
    assert [(r.destination_cidr_block, r.nat_gateway_id) for r in table.routes] == [
        ("0.0.0.0/0", "nat-0123456789abcdef0")
    ]
    assert [a.subnet_id for a in table.associations] == ["PrivateA"]
    (acl,) = inv.network_acls
    (entry,) = acl.entries
    assert (entry.rule_number, entry.protocol, entry.rule_action, entry.egress) == (
        100,
        "6",
        "allow",
        False,
    )
    assert entry.port_range is not None and (entry.port_range.from_, entry.port_range.to) == (
        443,
        443,
    )
    (peering,) = inv.vpc_peering_connections
    assert peering.accepter_vpc_info is not None
    assert peering.accepter_vpc_info.owner_id == "444455556666"
    (endpoint,) = inv.vpc_endpoints
    assert (
        endpoint.route_table_ids == ("PrivateRoutes",) and endpoint.vpc_endpoint_type == "Gateway"
    )
    (prefix,) = inv.managed_prefix_lists
    assert [e.cidr for e in prefix.entries] == ["192.0.2.0/24"]
    (instance,) = inv.instances
    assert [g.group_id for g in instance.security_groups] == ["App"]
    (subnet,) = inv.subnets
    assert subnet.vpc_id == "Vpc" and subnet.map_public_ip_on_launch is False


def test_storage_and_keys(inv: Inventory) -> None:
    (fs,) = inv.efs_file_systems
    assert fs.encrypted is True and fs.name == "shared"
    assert [(m.subnet_id, m.security_groups) for m in fs.mount_targets] == [("PrivateA", ("App",))]
    (ap,) = inv.efs_access_points
    assert ap.posix_user is not None and ap.posix_user.uid == 1000
    (repo,) = inv.ecr_repositories
    assert repo.image_tag_mutability == "IMMUTABLE"
    assert (
        repo.image_scanning_configuration is not None
        and repo.image_scanning_configuration.scan_on_push
    )
    assert isinstance(repo.repository_policy, str) and "BatchGetImage" in repo.repository_policy
    (key,) = inv.kms_keys
    assert key.aliases == ("alias/payments",)
    assert key.key_rotation_enabled is False and key.key_state == "Disabled"


def test_iam_and_discovery(inv: Inventory) -> None:
    (role,) = inv.iam_roles
    assert [p.policy_name for p in role.role_policy_list] == ["extra"]
    assert [p.policy_name for p in role.attached_policies] == ["payments-managed"]
    assert role.permissions_boundary == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary",
    }
    (namespace,) = inv.sd_namespaces
    assert (namespace.name, namespace.type) == ("payments.local", "DNS_PRIVATE")
    (service,) = inv.sd_services
    assert service.namespace_id == "Namespace"


def test_data_stores(inv: Inventory) -> None:
    (db,) = inv.rds_instances
    assert db.publicly_accessible is False and db.storage_encrypted is True
    assert [g.vpc_security_group_id for g in db.vpc_security_groups] == ["Db"]
    (queue,) = inv.sqs_queues
    assert queue.attributes == {"SqsManagedSseEnabled": "true"} and queue.tags == {
        "pci:chd": "transmit"
    }
    (bucket,) = inv.s3_buckets
    assert bucket.name == "payments-receipts"
    assert bucket.public_access_block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_ecs_capacity(inv: Inventory) -> None:
    (cluster,) = inv.clusters
    assert cluster.capacity_providers == ("FARGATE", "Provider")
    assert [
        (s.capacity_provider, s.weight, s.base) for s in cluster.default_capacity_provider_strategy
    ] == [("FARGATE", 1, 1)]
    (provider,) = inv.capacity_providers
    asg = provider.auto_scaling_group_provider
    assert asg is not None and asg.managed_termination_protection == "ENABLED"
    assert asg.managed_scaling is not None and asg.managed_scaling.target_capacity == 90


def test_template_json_without_format_version_in_a_directory(tmp_path: Path) -> None:
    doc = json.loads((DATA / "estate.template.json").read_text())
    del doc["AWSTemplateFormatVersion"]  # CDK output omits it
    path = tmp_path / "cdk.out" / "PaymentsStack.template.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    inv = load_inputs([str(path.parent)])
    assert inv.kinds == frozenset({"cloudformation"})
    assert {td.family for td in inv.task_definitions} == {"payments-api", "payments-worker"}


def test_service_connect_and_task_set(tmp_path: Path) -> None:
    text = """\
Resources:
  Svc:
    Type: AWS::ECS::Service
    Properties:
      Cluster: arn:aws:ecs:us-east-1:111122223333:cluster/c
      TaskDefinition: web:3
      ServiceConnectConfiguration:
        Enabled: true
        Namespace: payments.local
        Services:
          - PortName: https
            ClientAliases: [{Port: 443, DnsName: api}]
            Tls: {IssuerCertificateAuthority: {AwsPcaAuthorityArn: arn:aws:acm-pca:::ca/x}, KmsKey: k}
        LogConfiguration: {LogDriver: awslogs, Options: {awslogs-group: /sc}}
  Set:
    Type: AWS::ECS::TaskSet
    Properties:
      Cluster: c
      Service: !Ref Svc
      TaskDefinition: web:4
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsVpcConfiguration: {AssignPublicIp: ENABLED, Subnets: [subnet-1], SecurityGroups: [sg-1]}
"""
    path = tmp_path / "sc.yaml"
    path.write_text(text)
    (svc,) = load_inputs([str(path)]).services
    sc = svc.effective_service_connect
    assert sc is not None and sc.enabled and sc.namespace == "payments.local"
    (entry,) = sc.services
    assert entry.port_name == "https" and entry.client_aliases[0].dns_name == "api"
    assert entry.tls is not None and entry.tls.issuer_certificate_authority is not None
    assert sc.log_configuration is not None and sc.log_configuration.options == {
        "awslogs-group": "/sc"
    }
    assert svc.cluster_arn.endswith("cluster/c") and svc.task_definition == "web:3"
    assert [(t.task_definition, t.launch_type) for t in svc.task_sets] == [("web:4", "FARGATE")]
    network = svc.task_sets[0].network_configuration
    assert network is not None and network.awsvpc_configuration is not None
    assert network.awsvpc_configuration.assign_public_ip == "ENABLED"


def test_cdk_synthesised_template() -> None:
    inv = load_inputs([str(DATA / "cdk.out")])
    (td,) = inv.task_definitions
    # the image URI is cut out of the repository ARN, which exists only after deployment
    assert td.is_unknown("containerDefinitions[0].image")
    assert td.is_unknown("containerDefinitions[0].logConfiguration.options.awslogs-region")
    options = td.container_definitions[0].log_configuration
    assert options is not None
    group = inv.find("log_groups", options.options["awslogs-group"])
    assert group is not None and group.id == "TaskDefapiLogGroup3E5B4D1C"
    assert td.container_definitions[0].readonly_root_filesystem is True
    execution = inv.find("iam_roles", td.execution_role_arn)
    assert execution is not None
    assert [p.policy_name for p in execution.role_policy_list] == [
        "TaskDefExecutionRoleDefaultPolicyA8E5E6C1"
    ]
    (svc,) = inv.services
    assert inv.task_definition(svc.task_definition) is td
    awsvpc = svc.awsvpc
    assert awsvpc is not None
    group_sg = inv.security_group(awsvpc.security_groups[0])
    assert group_sg is not None
    assert sorted((r.direction, r.peer) for r in group_sg.rules) == [
        ("egress", "0.0.0.0/0"),
        ("ingress", "sg-0b1c2d3e4f5a60001"),
    ]
    (repo,) = inv.ecr_repositories
    assert repo.repository_name == "" and repo.image_scanning_configuration is not None


def test_language_extension_loops_are_reported_not_dropped(tmp_path: Path) -> None:
    text = """\
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Queues:
    - Name
    - [a, b]
    - Queue${Name}:
        Type: AWS::SQS::Queue
        Properties: {QueueName: !Ref Name}
  Plain:
    Type: AWS::SQS::Queue
    Properties: {QueueName: plain}
"""
    path = tmp_path / "loops.yaml"
    path.write_text(text)
    inv = load_inputs([str(path)])
    assert [q.name for q in inv.sqs_queues] == ["plain"]
    (error,) = inv.errors
    assert error.operation == "Fn::ForEach" and error.resource.endswith(
        "Resources.Fn::ForEach::Queues"
    )


def test_rule_with_undetermined_port_is_unknown_not_all_ports(tmp_path: Path) -> None:
    text = """\
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: !ImportValue app-port, ToPort: !ImportValue app-port, CidrIp: 10.0.0.0/8}
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}
"""
    path = tmp_path / "sg.yaml"
    path.write_text(text)
    group = load_inputs([str(path)]).security_group("Sg")
    assert group is not None
    assert [(r.from_port, r.to_port) for r in group.rules if r.direction == "ingress"] == [
        (443, 443)
    ]
    assert group.is_unknown("IpPermissions")
