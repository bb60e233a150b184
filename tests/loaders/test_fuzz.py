"""Property tests: whatever shape a template or plan has, the loaders either load it or raise
InputError naming the file; they never raise anything else (which the CLI would show as a
traceback). ECSGUARD_FUZZ_EXAMPLES raises the example count."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecsguard.collect.cfn_attach import ATTACH as CFN_ATTACH
from ecsguard.collect.cloudformation import PRIMARY as CFN_PRIMARY
from ecsguard.collect.load import load_text
from ecsguard.collect.tf_attach import ATTACH as TF_ATTACH
from ecsguard.collect.tf_types import PRIMARY as TF_PRIMARY
from ecsguard.errors import InputError
from ecsguard.model import InventoryBuilder

EXAMPLES = int(os.environ.get("ECSGUARD_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CFN_KEYS = [
    "Ref",
    "Fn::Sub",
    "Fn::If",
    "Fn::GetAtt",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::FindInMap",
    "Fn::ImportValue",
    "Condition",
    "Fn::Equals",
    "Fn::Not",
    "Fn::Base64",
    "ContainerDefinitions",
    "Name",
    "Image",
    "Privileged",
    "User",
    "LinuxParameters",
    "Capabilities",
    "Add",
    "SecurityGroupIngress",
    "SecurityGroupEgress",
    "GroupId",
    "CidrIp",
    "IpProtocol",
    "FromPort",
    "ToPort",
    "Volumes",
    "EFSVolumeConfiguration",
    "Tags",
    "Key",
    "Value",
    "NetworkConfiguration",
    "AwsvpcConfiguration",
    "Subnets",
    "Roles",
    "Policies",
    "PolicyDocument",
    "Cluster",
    "RouteTableId",
    "NetworkAclId",
    "FileSystemId",
    "TargetKeyId",
    "LogConfiguration",
    "Options",
    "DockerLabels",
    "PortMappings",
    "Environment",
    "SecretId",
]
TF_KEYS = [
    "name",
    "family",
    "container_definitions",
    "volume",
    "efs_volume_configuration",
    "tags",
    "network_configuration",
    "subnets",
    "security_groups",
    "assign_public_ip",
    "ingress",
    "egress",
    "cidr_blocks",
    "from_port",
    "to_port",
    "protocol",
    "security_group_id",
    "type",
    "self",
    "role",
    "policy",
    "route",
    "entry",
    "default_action",
    "forward",
    "target_group",
    "service_connect_configuration",
    "service",
    "client_alias",
    "configuration",
    "execute_command_configuration",
    "log_configuration",
    "setting",
    "value",
    "inline_policy",
    "managed_policy_arns",
    "cluster_name",
    "file_system_id",
    "target_key_id",
    "route_table_id",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["A", "B", "AWS::Region", "AWS::NoValue", "C.Arn", "${A}", "Cond"]),
)


def _tree(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), inner, max_size=4),
        ),
        max_leaves=25,
    )


cfn_types = st.sampled_from(sorted({*CFN_PRIMARY, *CFN_ATTACH}))
tf_types = st.sampled_from(sorted({*TF_PRIMARY, *TF_ATTACH, "aws_ecs_task_definition"}))


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    resources = draw(
        st.dictionaries(
            st.sampled_from(["A", "B", "C", "D"]),
            st.fixed_dictionaries(
                {"Type": cfn_types, "Properties": _tree(CFN_KEYS)},
                optional={
                    "Condition": st.sampled_from(["Cond", "Other"]),
                    "DependsOn": st.sampled_from(["A", "B"]) | _tree(["A"]),
                },
            ),
            min_size=1,
            max_size=4,
        )
    )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": draw(
            st.dictionaries(st.sampled_from(["P", "Q"]), _tree(["Type", "Default"]), max_size=2)
        ),
        "Conditions": draw(
            st.dictionaries(st.sampled_from(["Cond", "Other"]), _tree(CFN_KEYS), max_size=2)
        ),
        "Mappings": draw(_tree(CFN_KEYS)),
        "Resources": resources,
    }


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    resources, changes, config = [], [], []
    for index in range(draw(st.integers(1, 4))):
        kind = draw(tf_types)
        address = f"{kind}.r{index}"
        row = {"address": address, "mode": "managed", "type": kind, "name": f"r{index}"}
        values = draw(st.dictionaries(st.sampled_from(TF_KEYS), _tree(TF_KEYS), max_size=6))
        resources.append({**row, "values": values})
        unknown = draw(
            st.dictionaries(st.sampled_from(TF_KEYS), _tree(TF_KEYS) | st.just(True), max_size=3)
        )
        changes.append({**row, "change": {"actions": ["create"], "after_unknown": unknown}})
        expressions = draw(
            st.dictionaries(
                st.sampled_from(TF_KEYS), _tree(["references", "constant_value"]), max_size=3
            )
        )
        config.append({**row, "expressions": expressions})
    return {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}},
    }


def _load(text: str) -> None:
    try:
        load_text(text, "fuzz.json", InventoryBuilder())
    except InputError as exc:
        assert exc.source == "fuzz.json"
        assert "\n" not in str(exc)


@FUZZ
@given(templates())
def test_any_template_loads_or_fails_cleanly(doc: dict[str, Any]) -> None:
    _load(json.dumps(doc))


@FUZZ
@given(plans())
def test_any_plan_loads_or_fails_cleanly(doc: dict[str, Any]) -> None:
    _load(json.dumps(doc))


@FUZZ
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    if text.strip():
        _load(text)
