"""The bundled sample estate (src/ecsguard/sample/data), scoped as an assessor would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scope_helpers import Scoped

from ecsguard.collect.load import load_inputs
from ecsguard.scope.declare import load_flows, load_overrides
from ecsguard.scope.drift import drift_events
from ecsguard.scope.engine import compute_scope

DATA = Path(__file__).resolve().parents[2] / "src" / "ecsguard" / "sample" / "data"


def _scope(name: str) -> dict[str, Any]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"sample snapshot {name} not built")
    return compute_scope(load_inputs([str(path)]), overrides=load_overrides(str(DATA / "scope.yaml")),
                         flows=load_flows(str(DATA / "dataflows.yaml")))  # fmt: skip


@pytest.fixture(scope="module")
def sample() -> Scoped:
    return Scoped(_scope("snapshot.json.gz"))


def test_card_data_systems_are_cde(sample: Scoped) -> None:
    for name in ("payment-api", "tokenizer", "card-batch"):
        assert sample.cat(name) == "cde", name
    assert sample.cat("cards-db", "data_store") == "cde"
    assert sample.cat("card-settlement-exports", "bucket") == "cde"
    assert sample.cat("public-alb", "load_balancer") == "cde"
    hosts = [
        c
        for c in sample.report["components"]
        if c["kind"] == "container_instance" and c["category"] == "cde"
    ]
    assert len(hosts) == 1 and hosts[0]["reasons"][0]["code"] == "runs-cde-task"


def test_contamination_through_shared_group_and_bridge(sample: Scoped) -> None:
    # metrics shares the self-referencing all-traffic group with the tokenizer
    assert sample.cat("metrics") == "cde" and "C4:unrestricted-connectivity" in sample.codes(
        "metrics"
    )
    # receipt-mailer (bridge, scaled to zero) may land on the card-batch host: it inherits the
    # host's grants (connected-to) and is a co-tenant, not (yet) a bridge neighbour
    assert sample.cat("receipt-mailer") == "connected-to"
    assert {"S2:cotenancy", "S3:shared-task-role"} <= set(sample.codes("receipt-mailer"))
    assert not any(code.startswith("C4") for code in sample.codes("receipt-mailer"))
    # the ECR interface endpoint in that group is connected-to, never CDE
    endpoint = next(
        c
        for c in sample.report["components"]
        if c["kind"] == "vpc_endpoint" and c["name"].endswith("ecr.dkr")
    )
    assert endpoint["category"] == "connected-to"


def test_forgotten_vpc_wide_rule_pulls_in_the_vpc(sample: Scoped) -> None:
    for name in ("web", "cart", "catalog", "search", "ci-runner", "log-shipper", "admin-bastion"):
        assert sample.cat(name) == "connected-to", name
    assert "S3:shared-task-role" in sample.codes("cart")  # cart also runs with payment-api's role
    reason = next(r for r in sample.comp("catalog")["reasons"] if r["code"] == "can-reach-cde")
    assert any("10.0.0.0/16" in e for e in reason["evidence"]) or reason["evidence"]


def test_supporting_systems_and_nothing_unlabelled_out_of_scope(sample: Scoped) -> None:
    assert sample.cat("internal.local", "namespace") == "security-impacting"
    assert "S5:cde-instance-role" in sample.codes("ecsInstanceRole", "role")
    assert sample.cat("payments", "cluster") == "security-impacting"
    assert sample.cat("storefront", "cluster") == "out-of-scope"
    for comp in sample.report["components"]:
        if "unclassified" in comp["flags"]:
            assert comp["category"] != "out-of-scope", comp["name"]


def test_retired_fraud_scoring_flow_is_reported(sample: Scoped) -> None:
    event = sample.events("DECLARATION_INCONSISTENT")[0]
    assert event["flow"] == "F12-fraud-score" and "not in the inventory" in event["text"]
    comp = sample.comp("fraud-scoring", "data_store")
    assert comp["category"] != "out-of-scope" and {"not-in-inventory", "incomplete"} <= set(
        comp["flags"]
    )


def test_generation_drift() -> None:
    gen0, gen1 = _scope("snapshot-gen0.json.gz"), _scope("snapshot-gen1.json.gz")
    types = {(e["type"]) for e in drift_events(gen0, gen1)}
    assert {"NEW_CDE_INGRESS_PATH", "SEGMENTATION_BROKEN", "SCOPE_EXPANDED"} <= types
    gen2, gen3 = _scope("snapshot-gen2.json.gz"), _scope("snapshot-gen3.json.gz")
    changed = [e for e in drift_events(gen2, gen3) if e["type"] == "CHD_DECLARATION_CHANGED"]
    assert [e["text"].split(":")[0] for e in changed] == ["service search"]
