"""The combined pre-search never says "no" where one of redact's text patterns matches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsguard import redact
from ecsguard.posture.secrets import could_hold_secret
from ecsguard.redact_filter import combined, could_be_value_secret, could_match, same_in_re2
from ecsguard.store.redaction import scrub_string

TOKEN = "abcdefghijKLMNOPQRST0123"
TRICKY = [
    f"auth: bearer\x0b{TOKEN}",  # \v is \s to Python, not to RE2
    f"Bearer\x1c{TOKEN}",
    f"bearer\t{TOKEN}",
    "postgres://app:hunter2@db:5432/x",
    "--password=hunter2",
    "mysql -uroot -phunter2 db",
    f"token: {TOKEN}",
    "AKIAABCDEFGHIJKLMNOP",
    "\u017fecret=abc",  # long s folds to s in Python only
]


def _python_says(text: str) -> bool:
    return any(pattern.search(text) for pattern in redact.TEXT_PATTERNS)


def test_the_combined_search_is_built() -> None:
    assert combined() is not None  # google-re2 is a dependency


@pytest.mark.parametrize("text", TRICKY)
def test_no_miss_on_tricky_text(text: str) -> None:
    if _python_says(text):
        assert could_match(text)
    assert scrub_string(text) == redact.scrub(text)


def test_vertical_tab_does_not_hide_a_bearer_token_from_the_store() -> None:
    text = f"auth: bearer\x0b{TOKEN}"
    assert not same_in_re2(text)
    assert redact.scrub(text) == redact.MASK
    assert scrub_string(text) == redact.MASK


alphabet = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" \t\n\x0b\x0c\r\x1c\x1f=:/@-_.+'\"")
    + [
        "bearer ",
        "Bearer\x0b",
        "password=",
        "--secret ",
        "AKIA",
        "://",
        "mysql -p",
        "\u017f",
        "\u00e9",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(alphabet, max_size=40).map("".join))
def test_never_no_where_a_pattern_matches(text: str) -> None:
    if _python_says(text):
        assert could_match(text)
        assert could_hold_secret(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(alphabet, max_size=60).map("".join))
def test_value_filter_never_no_where_a_value_pattern_matches(text: str) -> None:
    if any(pattern.search(text) for _, pattern in redact.VALUE_PATTERNS):
        assert could_be_value_secret(text)


@pytest.mark.parametrize("text", TRICKY)
def test_value_filter_on_tricky_text(text: str) -> None:
    if any(pattern.search(text) for _, pattern in redact.VALUE_PATTERNS):
        assert could_be_value_secret(text)
