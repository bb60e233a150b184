"""Where the database is: --db, ECSGUARD_DB, or the default file under XDG_DATA_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsguard.store import default_path, open_store, resolve_url


def test_default_path_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ECSGUARD_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "ecsguard" / "ecsguard.db"
    with open_store() as store:
        assert store.runs() == []
    assert (tmp_path / "ecsguard" / "ecsguard.db").is_file()


def test_home_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".local" / "share" / "ecsguard" / "ecsguard.db"


def test_env_and_explicit_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECSGUARD_DB", str(tmp_path / "env.db"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert resolve_url("sqlite:///a.db") == "sqlite:///a.db"


def test_unopenable_databases_are_one_line_errors_without_passwords(tmp_path: Path) -> None:
    from ecsguard.store import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open database sqlite:///"):
        open_store(str(blocker / "sub" / "x.db"))
    with pytest.raises(StoreError) as info:
        open_store("postgresql://user:hunter2pw@127.0.0.1:1/db")
    assert "hunter2pw" not in str(info.value) and "user:***@" in str(info.value)
