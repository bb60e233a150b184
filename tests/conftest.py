"""Shared fixtures: one moto server per test session (per xdist worker), on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsguard.testing import TEST_CREDENTIALS, moto_server, reset_moto

ROOT = Path(__file__).resolve().parent.parent

# Never let a test reach real AWS: fake credentials and no profile, whatever the caller has.
for _key, _value in TEST_CREDENTIALS.items():
    os.environ[_key] = _value
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """URL of a moto server shared by the session; reset it yourself if you need a clean slate."""
    with moto_server() as url:
        yield str(url)


@pytest.fixture
def clean_moto(moto_url: str) -> str:
    """The session's moto server, wiped before the test."""
    reset_moto(moto_url)
    return moto_url
