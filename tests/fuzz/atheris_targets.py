"""Coverage-guided fuzz targets (atheris/libFuzzer) for every input parser.

Run one: ``python tests/fuzz/atheris_targets.py TARGET -runs=10000 -seed=1 CORPUS_DIR``.
Targets: snapshot, taskdef, cloudformation, terraform, ocsf, condition. A target fails (and
libFuzzer reports a crash) when anything other than our own input error escapes.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from ecsguard.collect.load import load_text
    from ecsguard.errors import InputError
    from ecsguard.model import InventoryBuilder
    from ecsguard.runtime import load_engine
    from ecsguard.runtime.language import LanguageError, parse_condition
    from ecsguard.sources.base import parse_json_event

import contextlib

import orjson

ENGINE = None


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def load(data: bytes, source: str) -> None:
    text = _text(data)
    if text is None or "\x00" in text:
        return  # read_text refuses these before any loader runs
    builder = InventoryBuilder()
    try:
        load_text(text, source, builder)
        builder.build()
    except InputError:
        pass


def ocsf(data: bytes) -> None:
    global ENGINE
    if ENGINE is None:
        ENGINE = load_engine()
    for line in data.split(b"\n"):
        event, _error = parse_json_event(line, orjson.loads)
        if event is not None:
            ENGINE.process(event)


def condition(data: bytes) -> None:
    text = _text(data)
    if text is None:
        return
    with contextlib.suppress(LanguageError):
        parse_condition(text)


TARGETS = {
    "snapshot": lambda d: load(d, "fuzz.json"),
    "taskdef": lambda d: load(d, "fuzz-td.json"),
    "cloudformation": lambda d: load(d, "fuzz.yaml"),
    "terraform": lambda d: load(d, "fuzz.tfplan.json"),
    "ocsf": ocsf,
    "condition": condition,
}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
