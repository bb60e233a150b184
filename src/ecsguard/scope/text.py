"""Making untrusted names safe for each output: terminals, DOT, Mermaid, HTML."""

from __future__ import annotations

import re

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def plain(text: object) -> str:
    """Strip terminal escape sequences and control characters (names come from the estate)."""
    return _CONTROL.sub("", str(text)).replace("\n", " ").replace("\t", " ")


def dot_string(text: object) -> str:
    """A double-quoted DOT string."""
    return '"' + plain(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def mermaid_label(text: object) -> str:
    """Mermaid entity codes for everything that could end a label or open markup."""
    out = plain(text)
    for ch, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"),
                     ("[", "#91;"), ("]", "#93;"), ("{", "#123;"), ("}", "#125;"), ("(", "#40;"),
                     (")", "#41;"), ("`", "#96;"), ("&", "#38;")):  # fmt: skip
        out = out.replace(ch, code) if ch != "#" else out.replace("#", "\x00")
    return out.replace("\x00", "#35;")
