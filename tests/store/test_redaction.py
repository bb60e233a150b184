"""The store's fast redaction gives exactly ``ecsguard.redact.scrub``'s result."""

from __future__ import annotations

import copy

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsguard.redact import scrub
from ecsguard.store.redaction import fast_scrub, scrub_owned, scrub_string
from ecsguard.store.testing import sample_snapshot, snapshot_inventory

SECRETISH = [
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "-----BEGIN RSA PRIVATE KEY-----",
    "ghp_" + "a1B2" * 10,
    "xoxb-1234567890-abcdef",
    "sk_live_" + "x1" * 10,
    "AIza" + "B" * 35,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz",
    "postgres://app:hunter2pw@db:5432/x",
    "Bearer abcdefghijklmnopqrstuvwx",
    "--password=s3cr3t mysql",
    "api_key: 123456",
    "K9x2mQ7vL4pZ8wR3tY6uB1nC5",
    "plain value",
    "\u00dcn\u00efc\u00f6d\u00e9 \u017fecret=x",  # long s: case-folds to s
    "arn:aws:secretsmanager:us-east-1:1:secret:db",
]
names = st.sampled_from(["name", "value", "DB_PASSWORD", "apiKey", "LOG_LEVEL", "token", "x"])
leaves = st.one_of(st.sampled_from(SECRETISH), st.text(max_size=40), st.integers(), st.none())
docs = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(names, inner, max_size=4),
        st.fixed_dictionaries(
            {"name": st.sampled_from([*SECRETISH, "DB_PASSWORD"]), "value": inner}
        ),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(docs)
def test_fast_scrub_equals_scrub(doc: object) -> None:
    fast = fast_scrub(doc)  # never raises, even where scrub does (a non-string "name")
    owned = scrub_owned(copy.deepcopy(doc))
    try:
        expected = scrub(doc)
    except TypeError:
        return
    assert fast == expected
    assert owned == expected


def test_a_pair_named_by_an_object_is_judged_by_its_text() -> None:
    # found by hypothesis: both paths must mask, whatever type the name has
    for doc in (
        {"value": "", "name": {"name": "Ünïcödé \u017fecret=x"}},
        {"name": {"n": "DB_PASSWORD"}, "value": "hunter2"},
        {"Name": ["api_key"], "value": "plain"},
    ):
        expected = scrub(doc)
        assert expected["value"] == "***"
        assert fast_scrub(doc) == expected
        assert scrub_owned(copy.deepcopy(doc)) == expected


def test_known_shapes() -> None:
    for value in SECRETISH:
        assert scrub_string(value) == scrub(value)
    inv = snapshot_inventory(sample_snapshot(env={"DB_PASSWORD": "x", "T": SECRETISH[3]}))
    for record in inv.resources():
        body = msgspec.to_builtins(record)
        assert fast_scrub(body) == scrub(body)
        assert scrub_owned(msgspec.to_builtins(record)) == scrub(body)


def test_shortcut_only_for_the_validated_redactor(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecsguard.store import redaction

    assert redaction.fingerprint() == redaction.VALIDATED, (
        "ecsguard.redact changed: check that store/redaction.py still mirrors it, run "
        "tests/store/test_redaction.py, then set VALIDATED to redaction.fingerprint()"
    )
    assert redaction.FAST
    odd = {"name": 1, "value": "AKIAIOSFODNN7EXAMPLE"}
    assert fast_scrub(odd) == {"name": 1, "value": "***"}
    monkeypatch.setattr(redaction, "FAST", False)  # as after an unvalidated redact change
    calls: list[object] = []

    def spy(obj: object) -> object:
        calls.append(obj)
        return "answered by redact.scrub"

    monkeypatch.setattr(redaction.redact, "scrub", spy)
    assert fast_scrub(odd) == "answered by redact.scrub"  # the redactor itself answered
    assert calls == [odd]
