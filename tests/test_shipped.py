"""The compiled form of the shipped YAML data: current, and never trusted when stale."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
import yaml

from ecsguard import shipped


def test_compiled_json_matches_the_yaml_it_came_from() -> None:
    # bytes, not dicts: the order of the checks is the catalogue's order
    assert shipped.COMPILED.read_bytes() == shipped.render(), "stale: run `make compiled`"
    on_disk = orjson.loads(shipped.COMPILED.read_bytes())
    assert any(key.startswith("posture/checks/") for key in on_disk)
    assert any(key.startswith("frameworks/data/") for key in on_disk)


def test_load_data_uses_the_compiled_form_when_the_bytes_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = shipped.PACKAGE / "posture" / "checks" / "kms.yaml"
    marker = {"from": "compiled"}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    fake = orjson.dumps({"posture/checks/kms.yaml": {"sha256": digest, "data": marker}})
    monkeypatch.setattr(shipped, "_compiled_text", lambda: fake)
    assert shipped.load_data(path) == marker


def test_a_stale_entry_falls_back_to_the_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shipped.PACKAGE / "posture" / "checks" / "kms.yaml"
    fake = orjson.dumps({"posture/checks/kms.yaml": {"sha256": "0" * 64, "data": {"x": 1}}})
    monkeypatch.setattr(shipped, "_compiled_text", lambda: fake)
    assert shipped.load_data(path) == yaml.safe_load(path.read_text())


def test_a_file_outside_the_package_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: [1, 2]\n")
    assert shipped.load_data(path) == {"a": [1, 2]}


def test_a_broken_compiled_file_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shipped.PACKAGE / "posture" / "checks" / "kms.yaml"
    monkeypatch.setattr(shipped, "_compiled_text", lambda: b"{not json")
    assert shipped.load_data(path) == yaml.safe_load(path.read_text())
