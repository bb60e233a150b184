"""String hygiene shared by the renderers: terminal-safe text, spreadsheet-safe cells, limits.

Resource names come from the estate being audited, i.e. from whoever can tag or name a resource;
they are untrusted input to every output we produce.
"""

from __future__ import annotations

import re

# CSI / OSC / other ESC sequences first, then any remaining C0/C1 control character except \n\t.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Bidirectional overrides/isolates too: they reorder what a reader sees (Trojan Source).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(value: object) -> str:
    """Text with escape sequences and control characters removed (they could repaint a terminal)."""
    return _CONTROL.sub("", _ANSI.sub("", str(value)))


def one_line(value: object) -> str:
    return " ".join(terminal_safe(value).split())


def cell_safe(value: object) -> str:
    """A CSV cell that spreadsheets will not evaluate as a formula (CSV injection)."""
    text = terminal_safe(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: max(0, limit - 1)] + "…"
