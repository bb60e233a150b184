"""Manual attestations: validated against the shipped frameworks, every problem with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ecsguard.errors import InputError
from ecsguard.frameworks import load_attestations, parse_attestations

GOOD = """
attestations:
  - framework: pci-dss-4.0
    requirement: "12.5.2"
    owner: Jane Doe, Head of Compliance
    date: 2026-10-01
    expires: 2027-10-01
    evidence: https://wiki.example.com/pci/scope-2026
    statement: Scope confirmed after the Q3 re-platforming.
  - framework: hipaa
    requirement: "164.312(a)(2)(ii)"
    owner: SRE lead
    date: "2025-01-15"
    expires: "2026-01-15"
    evidence: docs/dr-runbook.pdf
"""


def test_valid_file_loads_with_sources(tmp_path: Path) -> None:
    path = tmp_path / "attest.yaml"
    path.write_text(GOOD, encoding="utf-8")
    found = load_attestations(path)
    assert [(a.framework, a.requirement) for a in found] == [
        ("pci-dss-4.0", "12.5.2"),
        ("hipaa-security-rule", "164.312(a)(2)(ii)"),
    ]
    assert found[0].source == f"{path}:3"
    assert found[1].expires == dt.date(2026, 1, 15)


def test_expiry_decides_status() -> None:
    attestation = parse_attestations(GOOD, "a.yaml")[1]
    assert attestation.status(dt.date(2026, 1, 15)) == "valid"
    assert attestation.status(dt.date(2026, 1, 16)) == "expired"


def test_every_problem_is_reported_with_its_line() -> None:
    text = """attestations:
  - framework: pci-dss-4.0
    requirement: "99.9"
    owner: a
    date: 2026-01-01
    expires: 2025-01-01
    evidence: x
  - framework: sox
    requirement: "1"
    owner: b
    date: soon
    expires: 2027-01-01
    evidence: y
    colour: blue
  - framework: aws-fsbp
    requirement: ECS.4
    date: 2026-01-01
    expires: 2027-01-01
"""
    with pytest.raises(InputError) as caught:
        parse_attestations(text, "a.yaml")
    message = str(caught.value)
    assert "line 2: pci-dss-4.0 has no requirement '99.9'" in message
    assert "line 2: `expires` is before `date`" in message
    assert "line 8: unknown framework 'sox'" in message
    assert "line 8: `date` is not a date" in message
    assert "line 8: unknown key `colour`" in message
    assert "line 15: missing `owner`" in message
    assert "line 15: missing `evidence`" in message


@pytest.mark.parametrize("text", ["[]", "attestations: {}", "just text", ""])
def test_wrong_shape_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="attestations"):
        parse_attestations(text, "a.yaml")


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_attestations(tmp_path / "missing.yaml")


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_attestations("attestations:\n  - a: [1,\n", "a.yaml")
    assert caught.value.place is not None and caught.value.place.startswith("line ")
