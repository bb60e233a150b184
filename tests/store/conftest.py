"""Every store test runs against SQLite and against a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecsguard.store import Store, open_store
from ecsguard.store.testing import pg_schema_url, pg_url
from ecsguard.testing import require_services


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "ecsguard.db")
        return
    base = pg_url()
    if base is None:
        if require_services():
            pytest.fail("ECSGUARD_TEST_PG_URL is not set")
        pytest.skip("ECSGUARD_TEST_PG_URL is not set (no PostgreSQL server)")
    with pg_schema_url(base) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = open_store(db_url)
    try:
        yield st
    finally:
        st.close()
