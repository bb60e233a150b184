"""The evidence pack: statuses per requirement, ownership, attestations, gaps, scope evidence."""

from __future__ import annotations

import datetime as dt

from ecsguard.frameworks import get_framework, parse_attestations
from ecsguard.posture.result import ScanResult
from ecsguard.report.evidence import STATUSES, build_evidence_pack

TODAY = dt.date(2026, 12, 1)
ATTEST = """
attestations:
  - {framework: pci-dss-4.0, requirement: "12.5.2", owner: Jane, date: 2026-10-01, expires: 2027-10-01, evidence: https://x/scope}
  - {framework: pci-dss-4.0, requirement: "1.2.4", owner: Jane, date: 2025-01-01, expires: 2026-01-01, evidence: https://x/dfd}
  - {framework: hipaa, requirement: "164.312(c)(2)", owner: Ann, date: 2026-01-01, expires: 2027-01-01, evidence: https://x/h}
"""
SCOPE = {
    "ecsguard_scope": 1,
    "components": [
        {"id": "a", "kind": "service", "category": "cde"},
        {"id": "b", "kind": "service", "category": "connected-to"},
        {"id": "c", "kind": "service", "category": "cde"},
    ],
    "edges": [{"from": "b", "to": "a", "type": "can_reach"}],
    "events": [{"type": "SCOPE_EXPANDED", "component": "b", "text": "..."}],
    "unknowns": [],
}


def _pack(result: ScanResult, framework: str = "pci-dss-4.0", scope: bool = False):  # type: ignore[no-untyped-def]
    return build_evidence_pack(
        result,
        get_framework(framework),
        attestations=parse_attestations(ATTEST, "a.yaml"),
        scope_report=SCOPE if scope else None,
        today=TODAY,
    )


def _req(pack, requirement_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in pack.requirements if r.id == requirement_id)


def test_failing_check_fails_the_requirement_and_names_resources(
    snapshot_result: ScanResult,
) -> None:
    pack = _pack(snapshot_result)
    req = _req(pack, "7.2.1")
    assert req.status == "fail"
    privileged = next(
        c for c in req.checks if c.check_id == "ecs.task_definition.no_privileged_containers"
    )
    assert (privileged.passed, privileged.failed, privileged.provenance) == (1, 1, "ecsguard")
    assert privileged.resources[0].status == "fail"  # failures listed first
    assert "ecs.task_definition.no_privileged_containers: 1 resource(s) fail" in req.gaps
    assert any("no results in the input" in gap for gap in req.gaps)


def test_passing_evidence_passes(snapshot_result: ScanResult) -> None:
    req = _req(_pack(snapshot_result), "10.2.1")
    assert req.status == "pass"
    assert req.checks[0].passed == 1


def test_suppressed_failure_is_accepted_but_listed_as_a_gap(snapshot_result: ScanResult) -> None:
    req = _req(_pack(snapshot_result), "1.4.4")
    assert req.status == "pass"
    assert "ecs.service.no_public_ip: 1 failure(s) suppressed as accepted" in req.gaps
    assert req.checks[0].resources[0].suppressed == "legacy VPC, ticket SEC-12"


def test_evaluation_errors_are_not_passes(snapshot_result: ScanResult) -> None:
    req = _req(_pack(snapshot_result), "3.7.4")
    assert req.status == "error"


def test_manual_requirements_need_a_valid_attestation(snapshot_result: ScanResult) -> None:
    pack = _pack(snapshot_result, scope=True)
    confirmed = _req(pack, "12.5.2")
    assert confirmed.attestations[0].status == "valid"
    assert confirmed.scope_evidence["by_category"] == {"cde": 2, "connected-to": 1}
    assert confirmed.scope_evidence["events"] == {"SCOPE_EXPANDED": 1}
    # Attested, but the computed scope changed since: the assessor has to look.
    assert confirmed.status == "scope-review"
    assert confirmed.gaps == ["scope report: 1 SCOPE_EXPANDED event(s)"]
    expired = _req(pack, "1.2.4")
    assert expired.status == "attestation-expired"
    assert "attestation expired on 2026-01-01" in expired.gaps
    missing = _req(pack, "12.8.5")
    assert missing.status == "needs-attestation"
    assert "no manual attestation (owner, date, evidence link, expiry)" in missing.gaps


def test_attested_scope_without_scope_problems_passes(snapshot_result: ScanResult) -> None:
    quiet = {**SCOPE, "events": []}
    pack = build_evidence_pack(
        snapshot_result,
        get_framework("pci-dss-4.0"),
        attestations=parse_attestations(ATTEST, "a.yaml"),
        scope_report=quiet,
        today=TODAY,
    )
    assert _req(pack, "12.5.2").status == "pass"


def test_scope_only_requirements_wait_for_a_scope_report(snapshot_result: ScanResult) -> None:
    without = _req(_pack(snapshot_result), "12.5.1")
    assert without.status == "not-evaluated"
    assert any("no scope report attached" in gap for gap in without.gaps)
    with_scope = _req(_pack(snapshot_result, scope=True), "12.5.1")
    assert with_scope.status == "scope-review"


def test_summary_counts_every_requirement(snapshot_result: ScanResult) -> None:
    pack = _pack(snapshot_result, framework="hipaa")
    assert pack.framework["id"] == "hipaa-security-rule"
    assert list(pack.summary["by_status"]) == list(STATUSES)
    assert sum(pack.summary["by_status"].values()) == len(pack.requirements) == 20
    assert sum(pack.summary["by_ownership"].values()) == 20
    assert _req(pack, "164.312(c)(2)").status == "pass"  # attested via the `hipaa` alias
    doc = pack.to_dict()
    assert doc["ecsguard_evidence"] == 1
    assert doc["requirements"][0]["ownership"] in ("aws", "customer", "shared")


def test_ownership_overrides_reach_the_pack(snapshot_result: ScanResult) -> None:
    req = _req(_pack(snapshot_result), "6.3.3")
    assert req.ownership == "shared"
    assert req.launch_types == {"fargate": "shared", "ec2": "customer"}


def test_launch_type_resolves_ownership(snapshot_result: ScanResult) -> None:
    framework = get_framework("pci-dss-4.0")
    fargate = build_evidence_pack(snapshot_result, framework, launch_type="fargate", today=TODAY)
    isolation = _req(fargate, "2.2.3")
    assert (isolation.ownership, isolation.status) == ("aws", "inherited")
    assert fargate.framework["launch_type"] == "fargate"
    ec2 = build_evidence_pack(snapshot_result, framework, launch_type="ec2", today=TODAY)
    assert _req(ec2, "2.2.3").ownership == "customer"
    assert _req(ec2, "2.2.3").status != "inherited"


def test_scan_notes_explain_checks_that_did_not_run(snapshot_result: ScanResult) -> None:
    snapshot_result.notes = ["elbv2.load_balancer.waf: not applicable for cloudformation"]
    pack = build_evidence_pack(snapshot_result, get_framework("pci-dss-4.0"), today=TODAY)
    assert _req(pack, "6.4.2").gaps == [
        "elbv2.load_balancer.waf: not applicable for cloudformation (not evaluated)"
    ]
