"""Parameter-level diffs: keyed paths, rule sentences, redaction, volatile fields, IaC drift."""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
from builders import group, inventory, live_td, service, td_arn, template_td

from ecsguard.lifecycle.diff import DiffOptions, diff_records
from ecsguard.lifecycle.drift import iac_drift
from ecsguard.lifecycle.match import diff_document, diff_inventories
from ecsguard.lifecycle.render import render_text
from ecsguard.model import Unknown


def _rows(changes: list[Any]) -> list[tuple[str, str, Any, Any, bool]]:
    return [(c.change, c.path, c.old, c.new, c.security_relevant) for c in changes]


def test_container_parameters_are_keyed_by_name_and_secrets_masked() -> None:
    old = inventory(
        tds=[live_td("web", 3, environment=[{"name": "DB_PASSWORD", "value": "pw-one-1"}])]
    )
    sidecar = {"name": "envoy", "image": "envoy:1.30", "essential": False}
    new_td = live_td(
        "web",
        3,
        user="root",
        environment=[{"name": "DB_PASSWORD", "value": "pw-two-2"}],
        linuxParameters={"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}},
        command=["nginx", "-g", "daemon off;"],
    )
    new_td["containerDefinitions"].append(sidecar)
    new = inventory(tds=[new_td])
    rows = _rows(diff_records(old.task_definitions[0], new.task_definitions[0]))
    assert sorted(rows, key=str) == sorted(
        [
            (
                "modified",
                "containerDefinitions[web].environment[DB_PASSWORD].value",
                "***",
                "***",
                True,
            ),
            (
                "added",
                "containerDefinitions[web].linuxParameters",
                None,
                {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}},
                True,
            ),
            (
                "added",
                "containerDefinitions[web].command",
                None,
                ["nginx", "-g", "daemon off;"],
                False,
            ),
            ("modified", "containerDefinitions[web].user", "1000", "root", True),
            ("added", "containerDefinitions[envoy]", None, sidecar, True),
        ],
        key=str,
    )
    doc = orjson.dumps(diff_document("a", "b", diff_inventories(old, new))).decode()
    assert "pw-one-1" not in doc and "pw-two-2" not in doc


def test_set_like_lists_report_items() -> None:
    caps = {"capabilities": {"add": ["NET_ADMIN"]}}
    old = inventory(tds=[live_td("web", 1, linuxParameters=caps)])
    new = inventory(
        tds=[
            live_td(
                "web", 1, linuxParameters={"capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}}
            )
        ]
    )
    assert _rows(diff_records(old.task_definitions[0], new.task_definitions[0])) == [
        (
            "added",
            "containerDefinitions[web].linuxParameters.capabilities.add[SYS_PTRACE]",
            None,
            "SYS_PTRACE",
            True,
        )
    ]


def test_security_group_rules_as_sentences_and_text() -> None:
    old = inventory(groups=[group("sg-1", [("tcp", 443, 443, "10.0.0.0/16")])])
    new = inventory(
        groups=[
            group(
                "sg-1",
                [("tcp", 443, 443, "10.0.0.0/16"), ("tcp", 22, 22, "0.0.0.0/0")],
                egress=False,
            )
        ]
    )
    changes = diff_inventories(old, new)
    assert [(c.change, c.path) for c in changes] == [
        ("removed", "IpPermissionsEgress[all/* to 0.0.0.0/0]"),
        ("added", "IpPermissions[tcp/22 from 0.0.0.0/0]"),
    ] or [(c.change, c.path) for c in changes] == [
        ("added", "IpPermissions[tcp/22 from 0.0.0.0/0]"),
        ("removed", "IpPermissionsEgress[all/* to 0.0.0.0/0]"),
    ]
    text = render_text("old", "new", changes)
    assert "! securityGroup sg-1 ingress +tcp/22 from 0.0.0.0/0" in text
    assert "! securityGroup sg-1 egress -all/* to 0.0.0.0/0" in text


def test_security_relevant_changes_come_first_and_volatile_fields_are_ignored() -> None:
    svc_old = service("web", td_arn("web", 1))
    svc_new = {
        **service("web", td_arn("web", 1)),
        "runningCount": 7,
        "desiredCount": 9,
        "healthCheckGracePeriodSeconds": 30,
    }
    old = inventory(tds=[live_td("web", 1)], services=[svc_old])
    new = inventory(tds=[live_td("web", 1, image="nginx:1.27")], services=[svc_new])
    changes = diff_inventories(old, new)
    assert [(c.path, c.security_relevant) for c in changes] == [
        ("containerDefinitions[web].image", True),
        ("healthCheckGracePeriodSeconds", False),
    ]


def test_revisions_compare_without_identity_fields() -> None:
    inv = inventory(tds=[live_td("web", 3), live_td("web", 7, user="root")])
    a, b = inv.task_definition("web:3"), inv.task_definition("web:7")
    assert a is not None and b is not None
    rows = _rows(diff_records(a, b, DiffOptions(ignore_identity=True)))
    assert rows == [("modified", "containerDefinitions[web].user", "1000", "root", True)]


def test_json_document_contract() -> None:
    old = inventory(tds=[live_td("web", 1)])
    new = inventory(tds=[live_td("web", 1, user="root"), live_td("web", 2)])
    doc = diff_document("old.json", "new.json", diff_inventories(old, new))
    assert set(doc) == {"ecsguard_diff", "old", "new", "changes"} and doc["ecsguard_diff"] == 1
    for change in doc["changes"]:
        assert set(change) == {"resource", "change", "path", "old", "new", "security_relevant"}
        assert set(change["resource"]) == {"type", "id", "name"}
        assert change["change"] in ("added", "removed", "modified")
    assert doc["changes"][0]["resource"]["type"] == "AWS::ECS::TaskDefinition"


def test_iac_drift_reports_only_what_the_template_sets() -> None:
    templ = template_td("web", user="1000")
    live = live_td(
        "web",
        4,
        user="root",
        environment=[{"name": "LOG_LEVEL", "value": "info"}, {"name": "DEBUG", "value": "1"}],
    )
    inv = inventory(tds=[live_td("web", 3), live], templates={"WebTaskDef": templ})
    findings = iac_drift(inv)
    assert [(f.status, f.resource.id, f.evidence.path if f.evidence else "") for f in findings] == [
        ("fail", td_arn("web", 4), "containerDefinitions[web].environment[DEBUG]")
    ]
    assert "containerDefinitions[web].user" in findings[0].detail
    same = inventory(tds=[live_td("web", 4)], templates={"WebTaskDef": template_td("web")})
    assert [f.status for f in iac_drift(same)] == ["pass"]


def test_unknown_template_values_are_not_drift() -> None:
    templ = template_td("web", user=Unknown("!Ref UserParam"))
    inv = inventory(tds=[live_td("web", 1, user="root")], templates={"WebTaskDef": templ})
    assert [f.status for f in iac_drift(inv)] == ["pass"]


def test_template_against_snapshot_via_diff_inventories() -> None:
    templates = inventory(templates={"WebTaskDef": template_td("web", image="nginx:1.25")})
    live = inventory(tds=[live_td("web", 2, image="nginx:1.27")])
    changes = diff_inventories(templates, live)
    assert [(c.change, c.path, c.old, c.new) for c in changes] == [
        ("modified", "containerDefinitions[web].image", "nginx:1.25", "nginx:1.27")
    ]
    assert msgspec.to_builtins(changes[0].resource)["id"] == td_arn("web", 2)
