"""Bad input through the CLI: exit code 2, one line naming the file and the place, no traceback,
and nothing hangs or exhausts memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from loader_helpers import DATA, run_cli

TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}


def _task_template(container: dict[str, object]) -> dict[str, object]:
    props = {
        "Family": "web",
        "ContainerDefinitions": [{"Name": "web", "Image": "nginx", **container}],
    }
    return {
        **TEMPLATE,
        "Resources": {"Web": {"Type": "AWS::ECS::TaskDefinition", "Properties": props}},
    }


def _plan(values: dict[str, object]) -> dict[str, object]:
    resource = {
        "address": "aws_ecs_task_definition.web",
        "mode": "managed",
        "type": "aws_ecs_task_definition",
        "name": "web",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "schema_version": 1,
        "values": values,
        "sensitive_values": {},
    }
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource]}}}


def _fails_cleanly(path: Path, *place_parts: str) -> str:
    result = run_cli("inventory", str(path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"ecsguard: error: {path}:"), line
    for part in place_parts:
        assert part in line, line
    return line


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def test_truncated_template_json(tmp_path: Path) -> None:
    text = (DATA / "estate.template.json").read_text()
    path = _write(tmp_path, "cut.json", text[: len(text) // 2])
    line = _fails_cleanly(path, "line ", "column ")
    assert "invalid JSON" in line


def test_truncated_plan_json(tmp_path: Path) -> None:
    text = (DATA / "estate.tfplan.json").read_text()
    _fails_cleanly(_write(tmp_path, "plan.json", text[:5000]), "line ", "invalid JSON")


def test_truncated_yaml(tmp_path: Path) -> None:
    text = (DATA / "estate.yaml").read_text()
    cut = (
        text[: text.index("ContainerDefinitions:")]
        + "ContainerDefinitions:\n        - Name: [api\n"
    )
    _fails_cleanly(_write(tmp_path, "cut.yaml", cut), "line ", "invalid YAML")


def test_yaml_with_unknown_tag(tmp_path: Path) -> None:
    text = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Bogus q\n"
    )
    line = _fails_cleanly(_write(tmp_path, "tag.yaml", text), "line 5 column 18")
    assert "!Bogus" in line


def test_yaml_python_tag_is_refused(tmp_path: Path) -> None:
    text = "Resources:\n  Q:\n    Type: !!python/object/apply:os.system [echo pwned]\n"
    line = _fails_cleanly(_write(tmp_path, "evil.yaml", text), "line 3")
    assert "python/object" in line


def test_template_with_a_ref_cycle(tmp_path: Path) -> None:
    doc = {
        **TEMPLATE,
        "Resources": {
            "A": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": {"Ref": "B"}},
            },
            "B": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": {"Fn::GetAtt": "C.GroupId"}},
            },
            "C": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": {"Fn::Sub": "${A}"}},
            },
        },
    }
    line = _fails_cleanly(_write(tmp_path, "cycle.json", json.dumps(doc)), "Resources.A")
    assert "A -> B -> C -> A" in line


def test_template_with_a_condition_cycle(tmp_path: Path) -> None:
    text = (
        "Conditions:\n  X: !Condition Y\n  Y: !Not [!Condition X]\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: X\n"
    )
    line = _fails_cleanly(_write(tmp_path, "cond.yaml", text), "Conditions.")
    assert "X -> Y -> X" in line


@pytest.mark.parametrize("form", ["cloudformation", "terraform", "taskdef"])
def test_wrong_type_privileged_yes(tmp_path: Path, form: str) -> None:
    if form == "cloudformation":
        doc: dict[str, object] = _task_template({"Privileged": "yes"})
        place = "Resources.Web.containerDefinitions[0].privileged"
    elif form == "terraform":
        defs = json.dumps([{"name": "web", "image": "nginx", "privileged": "yes"}])
        doc = _plan({"family": "web", "container_definitions": defs})
        place = "aws_ecs_task_definition.web.containerDefinitions[0].privileged"
    else:
        doc = {"family": "web", "containerDefinitions": [{"name": "web", "privileged": "yes"}]}
        place = "containerDefinitions[0].privileged"
    line = _fails_cleanly(_write(tmp_path, f"{form}.json", json.dumps(doc)), place)
    assert "bool" in line


def test_terraform_container_definitions_not_json(tmp_path: Path) -> None:
    doc = _plan({"family": "web", "container_definitions": '[{"name": "web",'})
    _fails_cleanly(_write(tmp_path, "plan.json", json.dumps(doc)), "container_definitions")


@pytest.mark.parametrize("kind", ["text", "template", "json"])
def test_hundred_megabyte_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"big.{kind}"
    size = 100 * 1024 * 1024
    with path.open("w") as handle:
        if kind == "text":
            handle.write("Resources:\n" + "#" * size)
        elif kind == "template":
            handle.write('{"AWSTemplateFormatVersion": "2010-09-09", "Description": "')
            handle.write("x" * size)
            handle.write('", "Resources": {}}')
        else:
            handle.write('{"Description": "' + "x" * size + '"}')
    _fails_cleanly(path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_binary_garbage(tmp_path: Path, seed: int) -> None:
    data = os.urandom(4096) if seed == 1 else bytes((i * 7919 + seed) % 256 for i in range(4096))
    _fails_cleanly(_write(tmp_path, "garbage.bin", data))


def test_binary_garbage_without_nul_bytes(tmp_path: Path) -> None:
    data = bytes(b for b in os.urandom(8192) if b not in (0,))
    _fails_cleanly(_write(tmp_path, "garbage.yaml", data))


def test_printable_noise_is_not_a_template(tmp_path: Path) -> None:
    line = _fails_cleanly(_write(tmp_path, "noise.yaml", "hello: world\nfoo: [1, 2]\n"))
    assert "not a recognised input" in line


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    rows.append("Resources: {X: {Type: AWS::SQS::Queue, Properties: {QueueName: *i}}}")
    line = _fails_cleanly(_write(tmp_path, "bomb.yaml", "\n".join(rows) + "\n"), "line ")
    assert "alias" in line


def test_recursive_yaml_alias(tmp_path: Path) -> None:
    text = "Resources:\n  X: &x\n    Type: AWS::SQS::Queue\n    Properties: {Loop: *x}\n"
    _fails_cleanly(_write(tmp_path, "loop.yaml", text))


def test_deep_yaml_nesting(tmp_path: Path) -> None:
    text = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      Q: "
        + "[" * 5000
        + "]" * 5000
        + "\n"
    )
    line = _fails_cleanly(_write(tmp_path, "deep.yaml", text), "line 5")
    assert "nesting" in line


def test_deep_json_template_nesting(tmp_path: Path) -> None:
    deep = "[" * 900 + "]" * 900
    text = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"Q": ' + deep + "}}}}"
    line = _fails_cleanly(_write(tmp_path, "deep.json", text), "Resources.Q.Properties.Q")
    assert "nesting" in line


def test_deep_plan_nesting(tmp_path: Path) -> None:
    deep: list[object] = []
    for _ in range(500):
        deep = [deep]
    doc = _plan({"family": "web", "volume": deep})
    line = _fails_cleanly(_write(tmp_path, "deep.json", json.dumps(doc)), "values")
    assert "nesting" in line


def test_deep_container_definitions_in_a_plan(tmp_path: Path) -> None:
    # container_definitions is a JSON string inside the plan; the typed model refuses nesting
    # where a string belongs at the first level, whatever the depth below
    deep: list[object] = []
    for _ in range(900):
        deep = [deep]
    containers = json.dumps([{"name": "app", "image": "nginx", "command": deep}])
    doc = _plan({"family": "web", "container_definitions": containers})
    line = _fails_cleanly(
        _write(tmp_path, "deep.json", json.dumps(doc)), "containerDefinitions[0].command[0]"
    )
    assert "Expected `str`" in line


def test_unsupported_plan_format_version(tmp_path: Path) -> None:
    doc = {**_plan({"family": "web"}), "format_version": "2.0"}
    _fails_cleanly(_write(tmp_path, "plan.json", json.dumps(doc)), "format_version")


def test_resources_not_a_mapping(tmp_path: Path) -> None:
    text = "AWSTemplateFormatVersion: 2010-09-09\nResources: [1, 2]\n"
    _fails_cleanly(_write(tmp_path, "list.yaml", text), "Resources")


def test_resource_without_type(tmp_path: Path) -> None:
    text = "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Q:\n    Properties: {}\n"
    _fails_cleanly(_write(tmp_path, "notype.yaml", text), "Resources.Q")
