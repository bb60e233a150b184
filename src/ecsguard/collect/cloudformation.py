"""Loader for CloudFormation templates (JSON or YAML, CDK ``*.template.json`` included).

Intrinsics are evaluated against the template (``cfn_intrinsics``), each supported resource is
translated to its API shape (``cfn_ecs``, ``cfn_network``, ``cfn_services``), resources that
only attach to another (rules, routes, mount targets, aliases, policies) are folded into it,
and every record keeps its logical id and line for ``location``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ecsguard.collect import cfn_attach as attach
from ecsguard.collect import cfn_ecs, cfn_network, cfn_services
from ecsguard.collect.cfn_coerce import coerce
from ecsguard.collect.cfn_functions import ResourceId
from ecsguard.collect.cfn_intrinsics import Context
from ecsguard.collect.cfn_yaml import parse_json, parse_yaml
from ecsguard.errors import InputError
from ecsguard.model import CollectionError, InputInfo, InventoryBuilder, Origin, Unknown
from ecsguard.model.inventory import SECTIONS

Translate = Callable[[str, dict[str, Any]], dict[str, Any]]
FOR_EACH = "Fn::ForEach::"


def _ecs(fn: Callable[[dict[str, Any]], dict[str, Any]], arn_key: str) -> Translate:
    return lambda lid, props: {arn_key: lid, **fn(props)}


# CloudFormation type -> (snapshot section, key, translation)
PRIMARY: dict[str, tuple[str, str, Translate]] = {
    "AWS::ECS::Cluster": ("ecs", "clusters", _ecs(cfn_ecs.cluster, "clusterArn")),
    "AWS::ECS::Service": ("ecs", "services", _ecs(cfn_ecs.service, "serviceArn")),
    "AWS::ECS::TaskDefinition": (
        "ecs",
        "taskDefinitions",
        _ecs(cfn_ecs.task_definition, "taskDefinitionArn"),
    ),
    "AWS::ECS::CapacityProvider": (
        "ecs",
        "capacityProviders",
        _ecs(cfn_ecs.capacity_provider, "capacityProviderArn"),
    ),
    "AWS::EC2::VPC": ("ec2", "vpcs", cfn_network.vpc),
    "AWS::EC2::Subnet": ("ec2", "subnets", cfn_network.subnet),
    "AWS::EC2::SecurityGroup": ("ec2", "securityGroups", cfn_network.security_group),
    "AWS::EC2::RouteTable": ("ec2", "routeTables", cfn_network.route_table),
    "AWS::EC2::NetworkAcl": ("ec2", "networkAcls", cfn_network.network_acl),
    "AWS::EC2::VPCPeeringConnection": ("ec2", "vpcPeeringConnections", cfn_network.peering),
    "AWS::EC2::VPCEndpoint": ("ec2", "vpcEndpoints", cfn_network.vpc_endpoint),
    "AWS::EC2::PrefixList": ("ec2", "managedPrefixLists", cfn_network.prefix_list),
    "AWS::EC2::Instance": ("ec2", "instances", cfn_network.instance),
    "AWS::EC2::LaunchTemplate": ("ec2", "launchTemplates", cfn_network.launch_template),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (
        "elbv2",
        "loadBalancers",
        cfn_services.load_balancer,
    ),
    "AWS::ElasticLoadBalancingV2::Listener": ("elbv2", "listeners", cfn_services.listener),
    "AWS::ElasticLoadBalancingV2::TargetGroup": (
        "elbv2",
        "targetGroups",
        cfn_services.target_group,
    ),
    "AWS::EFS::FileSystem": ("efs", "fileSystems", cfn_services.efs_file_system),
    "AWS::EFS::AccessPoint": ("efs", "accessPoints", cfn_services.efs_access_point),
    "AWS::ECR::Repository": ("ecr", "repositories", cfn_services.ecr_repository),
    "AWS::Logs::LogGroup": ("logs", "logGroups", cfn_services.log_group),
    "AWS::KMS::Key": ("kms", "keys", cfn_services.kms_key),
    "AWS::Events::Rule": ("events", "rules", cfn_services.event_rule),
    "AWS::GuardDuty::Detector": ("guardduty", "detectors", cfn_services.guardduty_detector),
    "AWS::IAM::Role": ("iam", "roles", cfn_services.iam_role),
    "AWS::ServiceDiscovery::Service": ("servicediscovery", "services", cfn_services.sd_service),
    "AWS::SecretsManager::Secret": ("secretsmanager", "secrets", cfn_services.secret),
    "AWS::SSM::Parameter": ("ssm", "parameters", cfn_services.ssm_parameter),
    "AWS::RDS::DBInstance": ("rds", "dbInstances", cfn_services.rds_instance),
    "AWS::SQS::Queue": ("sqs", "queues", cfn_services.sqs_queue),
    "AWS::S3::Bucket": ("s3", "buckets", cfn_services.s3_bucket),
}
for _kind in (
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::PublicDnsNamespace",
    "AWS::ServiceDiscovery::HttpNamespace",
):
    PRIMARY[_kind] = ("servicediscovery", "namespaces", cfn_services.sd_namespace(_kind))


def is_template(doc: Any) -> bool:
    """A parsed document that looks like a CloudFormation template."""
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    resources = doc.get("Resources")
    return (
        isinstance(resources, dict)
        and bool(resources)
        and all(
            isinstance(r, dict) and "Type" in r
            for key, r in resources.items()
            if not str(key).startswith(FOR_EACH)
        )
    )


def load(
    text: str,
    source: str,
    builder: InventoryBuilder,
    parameters: dict[str, str] | None = None,
) -> None:
    """Parse a template and add its supported resources to ``builder``."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        doc, lines = parse_json(text, source)
    else:
        doc, lines = parse_yaml(text, source)
    if not is_template(doc):
        raise InputError(
            source,
            None,
            "not a recognised input (expected an ecsguard snapshot, a task definition, "
            "a CloudFormation template or a Terraform plan JSON)",
        )
    with _guard(source, "Resources"):
        ctx = Context(doc, source, parameters)
        attach.check_cycles(ctx)
        items = _translate_all(ctx)
    region = ctx.region if isinstance(ctx.region, str) else ""
    builder.inputs.append(InputInfo(path=source, kind="cloudformation"))
    for lid, (kind, item) in items.primary.items():
        section, key, _ = PRIMARY[kind]
        _, cls = SECTIONS[(section, key)]
        builder.add(
            section,
            key,
            coerce(_plain(item), cls),
            source=source,
            place=f"Resources.{lid}",
            region=region,
            origin=Origin(kind="cloudformation", file=source, line=lines.get(lid), address=lid),
            given_id=lid,
        )
    for lid in items.skipped:
        builder.errors.append(
            CollectionError(
                region=region,
                service="cloudformation",
                operation="Fn::ForEach",
                resource=f"{source}:Resources.{lid}",
                message="resources generated by an AWS::LanguageExtensions loop were not read",
            )
        )
    for lid, record in items.rules:
        builder.add(
            "ec2", "securityGroupRules", _plain(record), source=source, place=f"Resources.{lid}"
        )


def _plain(value: Any) -> Any:
    """Resolved references as plain strings (records hold nothing but API-shaped data)."""
    if isinstance(value, ResourceId):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _translate_all(ctx: Context) -> attach.Translated:
    out = attach.Translated()
    attachments: list[tuple[str, str, dict[str, Any]]] = []
    for lid, res in ctx.resources.items():
        place = f"Resources.{lid}"
        if str(lid).startswith(FOR_EACH):
            out.skipped.append(str(lid))  # loops are expanded by CloudFormation only
            continue
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise InputError(ctx.source, place, "a resource needs a Type")
        if not _included(ctx, res, place):
            continue
        kind = res["Type"]
        if kind not in PRIMARY and kind not in attach.ATTACH:
            continue
        props = ctx.resolve(res.get("Properties") or {}, f"{place}.Properties")
        if isinstance(props, Unknown) or not isinstance(props, dict):
            raise InputError(ctx.source, f"{place}.Properties", "expected a mapping")
        if kind in PRIMARY:
            with _guard(ctx.source, place):
                out.primary[str(lid)] = (kind, PRIMARY[kind][2](str(lid), props))
        else:
            attachments.append((str(lid), kind, props))
    for lid, kind, props in attachments:
        with _guard(ctx.source, f"Resources.{lid}"):
            attach.ATTACH[kind](out, ctx, lid, props)
    return out


@contextmanager
def _guard(source: str, place: str) -> Iterator[None]:
    """A property of an unexpected shape is bad input, reported as such, not a traceback."""
    try:
        yield
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise InputError(
            source, place, f"unexpected property shape ({type(exc).__name__}: {exc})"
        ) from None


def _included(ctx: Context, res: dict[str, Any], place: str) -> bool:
    """False only when the resource's Condition is known to be false."""
    name = res.get("Condition")
    if name is None:
        return True
    if not isinstance(name, str):
        raise InputError(ctx.source, f"{place}.Condition", "expected a condition name")
    return ctx.condition(name, f"{place}.Condition") is not False
