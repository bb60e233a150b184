"""Framework data: loads, points only at real checks, maps every check, agrees with Security Hub."""

from __future__ import annotations

import pytest

from ecsguard.errors import InputError
from ecsguard.frameworks import (
    frameworks_for,
    get_framework,
    load_frameworks,
    mapping_problems,
    parse_framework,
)
from ecsguard.posture.registry import load_checks

SHIPPED = {
    "pci-dss-4.0",
    "hipaa-security-rule",
    "nist-800-53-r5",
    "aws-fsbp",
    "cis-aws-foundations-5.0",
}


def test_every_issue_framework_ships() -> None:
    assert set(load_frameworks()) >= SHIPPED


def test_framework_files_name_only_registered_checks_and_map_every_check() -> None:
    problems = mapping_problems(load_frameworks().values(), load_checks())
    assert problems == []


def test_mapping_problems_reports_unknown_and_unmapped_ids() -> None:
    framework = parse_framework(
        """
id: t
name: T
version: "1"
source: test
requirements:
  - {id: R1, title: t, section: s, ownership: customer, checks: {ecsguard: [no.such.check]}}
""",
        "t.yaml",
    )
    problems = mapping_problems([framework], ["real.check"])
    assert "t R1: unknown check id 'no.such.check'" in problems
    assert "check 'real.check' is mapped to no framework" in problems


def test_fsbp_controls_map_the_checks_that_cite_them() -> None:
    # A check whose metadata names Security Hub control X must evidence FSBP requirement X
    # whenever FSBP ships X; and FSBP must not cite a check for a control it does not name.
    fsbp = get_framework("aws-fsbp")
    for check_id, check in load_checks().items():
        for control in check.references.get("securityhub", []):
            requirement = fsbp.requirement(control)
            if requirement is not None:
                assert check_id in requirement.check_ids, (control, check_id)
    for requirement in fsbp.requirements:
        for check_id in requirement.check_ids:
            assert requirement.id in load_checks()[check_id].references.get("securityhub", [])


def test_securityhub_provenance_points_at_checks_with_a_securityhub_control() -> None:
    checks = load_checks()
    for framework in load_frameworks().values():
        for requirement in framework.requirements:
            for mapping in requirement.checks:
                if mapping.provenance == "securityhub":
                    assert checks[mapping.check].references.get("securityhub"), (
                        framework.id,
                        requirement.id,
                        mapping.check,
                    )


def test_frameworks_for_fills_finding_frameworks() -> None:
    mapped = frameworks_for("ecs.task_definition.no_privileged_containers")
    assert mapped["aws-fsbp"] == ["ECS.4"]
    assert "7.2.1" in mapped["pci-dss-4.0"]
    assert "AC-6" in mapped["nist-800-53-r5"]
    assert "164.312(a)(1)" in mapped["hipaa-security-rule"]
    assert frameworks_for("no.such.check") == {}


def test_requirements_no_configuration_proves_point_at_scope_or_manual() -> None:
    pci = get_framework("pci-dss-4.0")
    for requirement_id in ("12.5.2", "1.2.4", "1.2.3"):
        requirement = pci.requirement(requirement_id)
        assert requirement is not None
        assert requirement.scope and requirement.manual


def test_launch_type_overrides_model_fargate_versus_ec2() -> None:
    requirement = get_framework("pci-dss-4.0").requirement("2.2.3")
    assert requirement is not None
    assert requirement.ownership_for("fargate") == "aws"
    assert requirement.ownership_for("ec2") == "customer"
    assert requirement.ownership_for(None) == "shared"


def test_aliases_resolve_and_unknown_framework_is_an_input_error() -> None:
    assert get_framework("hipaa").id == "hipaa-security-rule"
    with pytest.raises(InputError, match="unknown framework 'sox'"):
        get_framework("sox")


BAD = """
id: bad
name: Bad
version: "1"
source: test
requirements:
  - id: A
    title: a
    section: s
    ownership: customer
    checks: {guesswork: [x.y]}
  - id: B
    title: b
    section: s
    ownership: customer
  - id: B
    title: b again
    section: s
    ownership: customer
    manual: true
"""


def test_bad_provenance_is_reported_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_framework(BAD, "bad.yaml")
    assert "line 11: unknown provenance 'guesswork'" in str(caught.value)


def test_every_semantic_problem_is_reported_at_once() -> None:
    text = BAD.replace("{guesswork: [x.y]}", "{ecsguard: [x.y, x.y]}")
    with pytest.raises(InputError) as caught:
        parse_framework(text, "bad.yaml")
    message = str(caught.value)
    assert "lists ['x.y'] twice" in message
    assert "line 12: B has no checks, no scope evidence and is not manual" in message
    assert "line 16: duplicate requirement id 'B'" in message


def test_bad_ownership_names_the_line() -> None:
    text = BAD.replace("ownership: customer\n    checks: {guesswork: [x.y]}", "ownership: amazon")
    with pytest.raises(InputError) as caught:
        parse_framework(text, "bad.yaml")
    assert caught.value.place == "line 10"
    assert "ownership" in caught.value.message


ID_FORMS = {
    "pci-dss-4.0": r"\d{1,2}(\.\d+){1,3}",
    "hipaa-security-rule": r"164\.3(08|12)\([a-e]\)(\(\d\))?(\((i|ii|iii|iv|v)\))?(\([A-D]\))?",
    "nist-800-53-r5": r"[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?",
    "aws-fsbp": r"(ECS|ECR|EFS|ELB|EC2|KMS|GuardDuty|CloudWatch)\.\d{1,2}",
    "cis-aws-foundations-5.0": r"\d(\.\d+){1,2}",
}


@pytest.mark.parametrize("framework_id", sorted(ID_FORMS))
def test_requirement_ids_have_their_framework_s_form(framework_id: str) -> None:
    import re

    form = re.compile(ID_FORMS[framework_id])
    framework = get_framework(framework_id)
    bad = [r.id for r in framework.requirements if not form.fullmatch(r.id)]
    assert bad == []
    sections = {r.section for r in framework.requirements}
    assert all(section.strip() for section in sections)
