"""Renderers for posture results: one function, ``render``, dispatching on the format name.

``json`` is ``ScanResult.to_dict()`` (DESIGN §3.3); every other format carries the same results.
The registry below is the list of formats; a renderer module is imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from ecsguard.errors import UsageError
from ecsguard.posture.result import ScanResult

__all__ = ["FORMATS", "render"]


class Renderer(Protocol):
    def __call__(
        self, result: ScanResult, *, frameworks: Sequence[str] | None, **options: Any
    ) -> str: ...


FORMATS: dict[str, tuple[str, str]] = {
    "json": ("ecsguard.report", "render_json"),
    "table": ("ecsguard.report.table", "render_table"),
    "sarif": ("ecsguard.report.sarif", "render_sarif"),
    "asff": ("ecsguard.report.asff", "render_asff"),
    "ocsf": ("ecsguard.report.ocsf", "render_ocsf"),
    "csv": ("ecsguard.report.csvfmt", "render_csv"),
    "html": ("ecsguard.report.html", "render_html"),
}


def render(
    result: ScanResult, fmt: str, *, frameworks: Sequence[str] | None = None, **options: Any
) -> str:
    """Render ``result`` as ``fmt``. ``frameworks`` limits framework summaries to those ids.

    Options understood by some formats: ``color`` (table), ``account_id``/``region``/``now``
    (asff, ocsf), ``base_dir`` (sarif: make file paths relative to it).
    """
    target = FORMATS.get(fmt)
    if target is None:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if frameworks:
        from ecsguard.frameworks import get_framework

        # Accept aliases (`pci`, `hipaa`) as `--framework` does; findings key by canonical id.
        frameworks = list(dict.fromkeys(get_framework(fw).id for fw in frameworks))
    renderer: Renderer = getattr(importlib.import_module(target[0]), target[1])
    return renderer(result, frameworks=frameworks, **options)


def render_json(result: ScanResult, *, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    return orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
