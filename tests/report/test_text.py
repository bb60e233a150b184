"""String hygiene for untrusted names: terminal escapes, control and bidi characters, formulas."""

from __future__ import annotations

import pytest

from ecsguard.report.text import cell_safe, clip, one_line, terminal_safe


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("web\x1b[31m-red\x1b[0m", "web-red"),  # CSI colour
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("t\x1b]0;new title\x07x", "tx"),  # OSC window title (BEL-terminated)
        ("t\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "tlink"),  # OSC 8 hyperlink
        ("bell\x07 and nul\x00", "bell and nul"),
        ("admin\u202egnp.exe", "admingnp.exe"),  # right-to-left override
        ("c1\x9bcontrol", "c1control"),
        ("keeps\nnewlines\tand tabs", "keeps\nnewlines\tand tabs"),
        ("ünïcödé ✓", "ünïcödé ✓"),
    ],
)
def test_terminal_safe(raw: str, clean: str) -> None:
    assert terminal_safe(raw) == clean


def test_one_line_folds_whitespace() -> None:
    assert one_line("a\n  b\t\x1b[1mc") == "a b c"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cell_safe_neutralises_formulas(start: str) -> None:
    assert cell_safe(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert cell_safe("plain") == "plain"


def test_clip() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 4) == "abc"
