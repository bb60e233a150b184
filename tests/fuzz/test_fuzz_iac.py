"""Fuzz: CloudFormation (JSON and YAML) and Terraform plan loaders raise only InputError."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import FUZZ, JSON, KEYS

from ecsguard.collect.load import load_text
from ecsguard.errors import InputError
from ecsguard.model import InventoryBuilder

cfn = pytest.importorskip("ecsguard.collect.cloudformation")
tf = pytest.importorskip("ecsguard.collect.terraform")

CFN_TYPES = [
    "AWS::ECS::TaskDefinition",
    "AWS::ECS::Service",
    "AWS::ECS::Cluster",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::EFS::FileSystem",
    "AWS::ECR::Repository",
    "AWS::Logs::LogGroup",
    "AWS::KMS::Key",
    "AWS::IAM::Role",
    "AWS::S3::Bucket",
    "AWS::Custom::Thing",
]
TF_TYPES = [
    "aws_ecs_task_definition",
    "aws_ecs_service",
    "aws_ecs_cluster",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_lb",
    "aws_efs_file_system",
    "aws_ecr_repository",
    "aws_cloudwatch_log_group",
    "aws_kms_key",
    "aws_iam_role",
    "null_resource",
]
NAMES = st.sampled_from(["A", "B", "TaskDef", "Svc", "SG", "Param", "Cond"])
INTRINSIC = st.deferred(
    lambda: st.one_of(
        st.builds(lambda n: {"Ref": n}, NAMES),
        st.builds(lambda s: {"Fn::Sub": s}, st.text(alphabet="${}AB.:-Region", max_size=20)),
        st.builds(lambda a, b: {"Fn::GetAtt": [a, b]}, NAMES, st.text(max_size=8)),
        st.builds(lambda a: {"Fn::If": a}, st.lists(st.one_of(NAMES, VALUE), max_size=4)),
        st.builds(
            lambda a: {"Fn::Join": a},
            st.lists(st.one_of(st.text(max_size=3), st.lists(VALUE, max_size=3)), max_size=3),
        ),
        st.builds(lambda a: {"Fn::Select": a}, st.lists(VALUE, max_size=3)),
        st.builds(lambda a: {"Fn::FindInMap": a}, st.lists(VALUE, max_size=4)),
        st.builds(lambda a: {"Fn::ImportValue": a}, VALUE),
        st.builds(lambda a: {"Fn::Equals": a}, st.lists(VALUE, max_size=3)),
    )
)
VALUE = st.one_of(JSON, INTRINSIC)


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    resources = {
        draw(NAMES): {
            "Type": draw(st.sampled_from(CFN_TYPES)),
            "Properties": draw(st.one_of(st.dictionaries(KEYS, VALUE, max_size=6), VALUE)),
            **({"Condition": draw(NAMES)} if draw(st.booleans()) else {}),
        }
        for _ in range(draw(st.integers(1, 4)))
    }
    doc: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if draw(st.booleans()):
        doc["Parameters"] = draw(
            st.dictionaries(
                NAMES,
                st.one_of(
                    st.fixed_dictionaries({"Type": st.just("String"), "Default": VALUE}), JSON
                ),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        doc["Conditions"] = draw(st.dictionaries(NAMES, VALUE, max_size=2))
    if draw(st.booleans()):
        doc["Mappings"] = draw(st.dictionaries(NAMES, JSON, max_size=2))
    return doc


def _try(text: str, source: str) -> None:
    builder = InventoryBuilder()
    try:
        load_text(text, source, builder)
        builder.build()
    except InputError as exc:
        assert str(exc).startswith(source)


@FUZZ
@given(templates(), st.sampled_from(["json", "yaml"]), st.integers(0, 10_000), st.booleans())
def test_cloudformation(doc: dict[str, Any], form: str, cut: int, truncate: bool) -> None:
    try:
        text = orjson.dumps(doc).decode() if form == "json" else yaml.safe_dump(doc)
    except (TypeError, orjson.JSONEncodeError, yaml.YAMLError):
        return
    if truncate:
        text = text[: cut % (len(text) + 1)]
    _try(text, f"fuzz.{form}")


YAML_TOKENS = st.sampled_from(
    [
        "Resources:\n",
        "  A:\n",
        "    Type: AWS::ECS::TaskDefinition\n",
        "    Properties:\n",
        "      ContainerDefinitions:\n",
        "        - Name: !Ref P\n",
        "          Privileged: !If [C, true, false]\n",
        "          User: !Sub '${AWS::Region}'\n",
        "          Image: !GetAtt A.Arn\n",
        "!Unknown x\n",
        "&a [*a]\n",
        "*a\n",
        "- - - -\n",
        "{",
        "}",
        "[",
        "]",
        ": ",
        "'",
        '"',
        "\t",
        "Parameters:\n  P:\n    Type: String\n",
        "Conditions:\n  C: !Equals [!Ref P, x]\n",
        "          Cpu: 256\n",
        "!Ref\n",
        "!Sub [a, {b: c}]\n",
    ]
)


@FUZZ
@given(st.lists(YAML_TOKENS, max_size=25))
def test_cloudformation_yaml_token_soup(tokens: list[str]) -> None:
    _try("AWSTemplateFormatVersion: '2010-09-09'\n" + "".join(tokens), "soup.yaml")


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    resources = []
    changes = []
    for i in range(draw(st.integers(1, 4))):
        rtype = draw(st.sampled_from(TF_TYPES))
        values = draw(st.one_of(st.dictionaries(KEYS, JSON, max_size=6), JSON))
        if rtype == "aws_ecs_task_definition" and isinstance(values, dict) and draw(st.booleans()):
            inner = draw(st.lists(st.dictionaries(KEYS, JSON, max_size=6), max_size=2))
            try:
                encoded = orjson.dumps(inner).decode()
            except TypeError:  # integers beyond 64 bits have no JSON form here
                encoded = "[]"
            values["container_definitions"] = draw(
                st.one_of(st.just(encoded), st.text(max_size=30))
            )
        address = f"{rtype}.r{i}"
        resources.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": f"r{i}",
                "values": values,
            }
        )
        changes.append(
            {
                "address": address,
                "type": rtype,
                "change": {"actions": ["create"], "after": values, "after_unknown": draw(JSON)},
            }
        )
    return {
        "format_version": "1.2",
        "planned_values": draw(st.one_of(st.just({"root_module": {"resources": resources}}), JSON)),
        "resource_changes": draw(st.one_of(st.just(changes), JSON)),
    }


@FUZZ
@given(plans())
def test_terraform(doc: dict[str, Any]) -> None:
    try:
        text = orjson.dumps(doc).decode()
    except (TypeError, orjson.JSONEncodeError):
        return
    _try(text, "fuzz.tfplan.json")
