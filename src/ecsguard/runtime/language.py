"""Falco's condition language: tokenizer and parser into a small AST (no evaluation here).

Grammar: ``or`` / ``and`` / ``not`` over checks ``FIELD OP VALUE``, ``FIELD in (a, b)``,
``FIELD exists`` and macro names; transformers ``tolower() toupper() basename() len() b64()``
wrap a field; ``val(field)`` compares two fields. Errors carry the offset of the bad token so
the loader can name file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "BINARY_OPS",
    "LIST_OPS",
    "And",
    "Check",
    "Const",
    "FieldRef",
    "LanguageError",
    "MacroRef",
    "Node",
    "Not",
    "Or",
    "parse_condition",
]

BINARY_OPS = frozenset(
    {
        "=",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "contains",
        "icontains",
        "bcontains",
        "startswith",
        "istartswith",
        "bstartswith",
        "endswith",
        "iendswith",
        "glob",
        "iglob",
        "regex",
    }
)
LIST_OPS = frozenset({"in", "intersects", "pmatch"})
UNARY_OPS = frozenset({"exists"})
TRANSFORMERS = frozenset({"tolower", "toupper", "basename", "len", "b64"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|<=|>=|=|<|>)
      | (?P<punct>[(),])
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<word>[^\s(),=!<>"']+(?:\[[^\]]*\])?)
    )""",
    re.VERBOSE,
)


class LanguageError(Exception):
    """A syntax error at ``offset`` (0-based character index in the condition)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    field: FieldRef
    op: str
    value: str | tuple[str, ...] | FieldRef | None
    offset: int = 0


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class MacroRef:
    name: str
    offset: int


Node = And | Or | Not | Const | Check | MacroRef


@dataclass(slots=True)
class _Tok:
    kind: str
    text: str
    offset: int


def _unquote(text: str) -> str:
    body = text[1:-1]
    # Only quotes and backslashes are escapes; ``\s`` and friends reach regexes untouched.
    return re.sub(r"\\([\"'\\])", r"\1", body) if "\\" in body else body


def tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise LanguageError(f"unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup or "word"
        start = match.start(kind)
        raw = match.group(kind)
        tokens.append(_Tok(kind, _unquote(raw) if kind == "str" else raw, start))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> _Tok:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def expect(self, text: str) -> _Tok:
        tok = self.take()
        if tok.text != text or tok.kind == "str":
            raise LanguageError(
                f"expected {text!r}, found {tok.text or 'end of condition'!r}", tok.offset
            )
        return tok

    def is_word(self, text: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "word" and tok.text == text

    def parse(self) -> Node:
        node = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise LanguageError(f"unexpected {tok.text!r}", tok.offset)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.is_word("not"):
            self.take()
            return Not(self.not_expr())
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            node = self.or_expr()
            self.expect(")")
            return node
        if tok.kind != "word" or tok.text in ("and", "or"):
            raise LanguageError(
                f"expected a field, macro or '(', found {tok.text or 'end of condition'!r}",
                tok.offset,
            )
        if tok.text in TRANSFORMERS and self.peek(1).text == "(":
            return self.check(self.field())
        nxt = self.peek(1)
        if nxt.kind == "op" or (
            nxt.kind == "word" and nxt.text in BINARY_OPS | LIST_OPS | UNARY_OPS
        ):
            return self.check(self.field())
        self.take()
        if "." in tok.text:
            raise LanguageError(f"field {tok.text!r} needs an operator", nxt.offset)
        return MacroRef(tok.text, tok.offset)

    def field(self) -> FieldRef:
        tok = self.take()
        if tok.kind == "word" and tok.text in TRANSFORMERS and self.peek().text == "(":
            self.expect("(")
            inner = self.field()
            self.expect(")")
            return FieldRef(inner.name, (*inner.transforms, tok.text))
        if tok.kind != "word":
            raise LanguageError(f"expected a field name, found {tok.text!r}", tok.offset)
        return FieldRef(tok.text)

    def check(self, field: FieldRef) -> Node:
        op_tok = self.take()
        op = op_tok.text
        if op_tok.kind == "str" or op not in BINARY_OPS | LIST_OPS | UNARY_OPS:
            raise LanguageError(f"unknown operator {op!r}", op_tok.offset)
        if op in UNARY_OPS:
            return Check(field, op, None, op_tok.offset)
        if op in LIST_OPS:
            return Check(field, op, self.value_list(), op_tok.offset)
        return Check(field, "=" if op == "==" else op, self.value(), op_tok.offset)

    def value(self) -> str | FieldRef:
        tok = self.take()
        if tok.kind == "word" and tok.text == "val" and self.peek().text == "(":
            self.expect("(")
            ref = self.field()
            self.expect(")")
            return ref
        if tok.kind in ("word", "str") or (tok.kind == "op" and tok.text in ("<", ">")):
            return tok.text  # ``evt.dir = <`` compares with a bare angle bracket
        raise LanguageError(
            f"expected a value, found {tok.text or 'end of condition'!r}", tok.offset
        )

    def value_list(self) -> tuple[str, ...]:
        tok = self.peek()
        if tok.kind != "punct" or tok.text != "(":
            # Falco accepts a bare list name after ``in``
            if tok.kind == "word":
                self.take()
                return (tok.text,)
            raise LanguageError(f"expected '(' to open a list, found {tok.text!r}", tok.offset)
        self.take()
        items: list[str] = []
        while True:
            tok = self.take()
            if tok.kind == "punct" and tok.text == ")" and not items:
                return ()
            if tok.kind not in ("word", "str"):
                raise LanguageError(
                    f"expected a list item, found {tok.text or 'end of condition'!r}", tok.offset
                )
            items.append(tok.text)
            sep = self.take()
            if sep.text == ")" and sep.kind == "punct":
                return tuple(items)
            if sep.text != "," or sep.kind != "punct":
                raise LanguageError(
                    f"expected ',' or ')' in list, found {sep.text or 'end of condition'!r}",
                    sep.offset,
                )


def parse_condition(text: str) -> Node:
    """Parse a Falco condition; raises LanguageError with the offending offset."""
    if not text or not text.strip():
        raise LanguageError("empty condition", 0)
    return _Parser(text).parse()
