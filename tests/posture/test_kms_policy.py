"""KMS key policies judged for public access (Security Hub KMS.5, Checkov CKV_AWS_33, Prowler
kms_key_not_publicly_accessible): which statements make a key public, which conditions
restrict them, and what the check says when the policy is missing or undetermined."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecsguard.model import InputInfo, InventoryBuilder, Origin, Unknown
from ecsguard.posture.checks.kms import key_policy_not_public
from ecsguard.posture.context import Context
from ecsguard.posture.iam import RESTRICTING_KEYS, public_statements

ACCOUNT = "111122223333"
ROOT = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def _doc(**stmt: Any) -> dict[str, Any]:
    base = {"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt"}
    base.update(stmt)
    return {"Version": "2012-10-17", "Statement": [ROOT, {k: v for k, v in base.items() if v}]}


@pytest.mark.parametrize(
    ("doc", "public"),
    [
        (_doc(), True),
        (_doc(Principal="*"), True),
        (_doc(Principal={"AWS": ["arn:aws:iam::444455556666:root", "*"]}), True),
        (_doc(Action="*"), True),
        (_doc(Action=None, NotAction=["kms:ScheduleKeyDeletion"]), True),
        (_doc(Action="s3:GetObject"), False),  # not a KMS action
        (_doc(Action=None, NotAction="kms:*"), False),
        (_doc(Effect="Deny"), False),
        (_doc(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), False),
        (_doc(Principal={"Service": "logs.amazonaws.com"}), False),
        (_doc(Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}}), False),
        (_doc(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), False),
        (_doc(Condition={"StringLike": {"aws:PrincipalAccount": [ACCOUNT]}}), False),
        (_doc(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}), False),
        (_doc(Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}}), False),
        (
            _doc(Condition={"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-a/r-b/"}}),
            False,
        ),
        # conditions that do not tie the statement to known principals
        (_doc(Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}), True),
        (_doc(Condition={"StringLike": {"kms:CallerAccount": "*"}}), True),
        (_doc(Condition={"StringNotEquals": {"aws:PrincipalAccount": "444455556666"}}), True),
        (_doc(Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), True),
        (_doc(Condition={"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a"}}), True),
        (_doc(Condition={"Bool": {"aws:SecureTransport": "true"}}), True),
    ],
)
def test_statements_that_make_a_key_public(doc: dict[str, Any], public: bool) -> None:
    found = public_statements(doc, service="kms", restricting=RESTRICTING_KEYS)
    assert found == (["S"] if public else [])
    # the JSON text GetKeyPolicy returns reads the same
    assert public_statements(json.dumps(doc), service="kms", restricting=RESTRICTING_KEYS) == found


def test_ecr_and_efs_reading_is_unchanged() -> None:
    """Without ``restricting`` any condition restricts, without ``service`` any action counts."""
    assert public_statements(_doc(Condition={"Bool": {"aws:SecureTransport": "true"}})) == []
    assert public_statements(_doc(Action="ecr:BatchGetImage")) == ["S"]


def _key(kind: str, **item: Any) -> Any:
    builder = InventoryBuilder()
    builder.inputs.append(InputInfo(path="x", kind=kind))
    base = {"KeyId": "k", "Arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", "KeyManager": "CUSTOMER"}
    record = builder.add(
        "kms", "keys", {**base, **item}, source="x", place="k", origin=Origin(kind=kind, file="x")
    )
    return record, Context(builder.build())


def _status(kind: str, **item: Any) -> str | None:
    key, ctx = _key(kind, **item)
    outcomes = key_policy_not_public(key, ctx)
    if outcomes is None:
        return None
    statuses = {o[0] for o in outcomes}
    return "fail" if "fail" in statuses else "error" if "error" in statuses else "pass"


def test_verdicts_by_input_kind() -> None:
    public = json.dumps(_doc())
    assert _status("snapshot", Policy=public) == "fail"
    assert _status("snapshot", Policy=json.dumps(_doc(Effect="Deny"))) == "pass"
    # the collector always adds Policy to a customer key: absent means it could not be read
    assert _status("snapshot") == "error"
    assert _status("snapshot", Policy="not json") == "error"
    assert _status("snapshot", KeyManager="AWS") is None
    # a template or plan without a key policy gets KMS's default policy
    assert _status("cloudformation") == "pass"
    assert _status("terraform") == "pass"
    assert _status("terraform", Policy=Unknown("after apply")) == "error"


def test_a_partly_unknown_policy_is_an_error_unless_a_known_statement_is_public() -> None:
    unknown_principal = {**ROOT, "Principal": {"AWS": Unknown("ImportValue")}}
    doc = {"Statement": [unknown_principal]}
    assert _status("cloudformation", Policy=doc) == "error"
    doc = {"Statement": [unknown_principal, _doc()["Statement"][1]]}
    assert _status("cloudformation", Policy=doc) == "fail"
    doc = {"Statement": [{**ROOT, "Effect": "Deny", "Principal": {"AWS": Unknown("x")}}]}
    assert _status("cloudformation", Policy=doc) == "pass"
    assert _status("cloudformation", Policy={"Statement": Unknown("x")}) == "error"
