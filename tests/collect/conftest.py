"""Fixtures for collector tests: the sample estate built in the session's moto server."""

from __future__ import annotations

import pytest

from ecsguard.sample.estate import Estate, build_estate
from ecsguard.testing import reset_moto


@pytest.fixture(scope="module")
def estate(moto_url: str) -> Estate:
    """The sample estate (generation 0), built once per test module on a wiped server."""
    reset_moto(moto_url)
    return build_estate(moto_url)
