"""Secret detection for checks: by variable name and by value, with a policy allow-list.

Wraps ``ecsguard.redact`` with the exclusions that keep real inputs quiet (references, paths,
booleans, placeholders) and a per-value cache, since fleets repeat the same values across
thousands of revisions.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

from ecsguard.redact import secret_kind, secret_name
from ecsguard.redact_filter import could_be_value_secret, could_match

# Values that are never the secret itself: references to a store, files, flags, placeholders.
_NOT_A_SECRET = re.compile(
    r"(?i)^(?:arn:aws[a-z-]*:|/|\./|\$\{|\$\(|\{\{|s3://|ssm:|secretsmanager:|"
    r"true$|false$|yes$|no$|on$|off$|enabled?$|disabled?$|none$|null$|required$|optional$|"
    r"changeme$|-?\d+(?:\.\d+)?$)"
)
_CMD_FLAG = re.compile(
    r"(?i)^--?[a-z0-9_.-]*(?:passw(?:or)?d|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|credentials?)(?:=(?P<value>.+))?$"
)
_CMD_ASSIGN = re.compile(
    r"(?i)\b[a-z0-9_]*(?:passw(?:or)?d|secret|token|api[_-]?key|access[_-]?key)[a-z0-9_]*"
    r"\s*=\s*(?P<value>[^\s\"';&|]+)"
)
_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def could_hold_secret(text: str) -> bool:
    """Cheap pre-test for free text: False means no redaction pattern applies to it."""
    return bool(_TOKEN.search(text)) or could_match(text)


_FILE_FLAG = re.compile(r"(?i)(?:file|path|dir|url|arn|name|id|length|ttl|expir)")


class SecretJudge:
    """Decides whether a (name, value) pair or a command line holds a secret."""

    def __init__(self, allow_values: tuple[str, ...] = (), allow_names: tuple[str, ...] = ()):
        self._allow_exact = frozenset(v for v in allow_values if not _is_pattern(v))
        self._allow_patterns = tuple(v for v in allow_values if _is_pattern(v))
        self._allow_names = allow_names
        self.value_kind = lru_cache(maxsize=65536)(self._value_kind)
        self.pair = lru_cache(maxsize=65536)(self._pair)  # type: ignore[method-assign]
        self.command = lru_cache(maxsize=16384)(self._command)  # type: ignore[method-assign]

    def _allowed(self, value: str) -> bool:
        if value in self._allow_exact:
            return True
        return any(fnmatchcase(value, p) for p in self._allow_patterns)

    def _value_kind(self, value: str) -> str | None:
        """Kind of secret the value looks like, or None (allow-list and references excluded)."""
        if not value or self._allowed(value) or _NOT_A_SECRET.match(value):
            return None
        if len(value) < 20 and not ("://" in value and "@" in value):
            return None  # too short for every value pattern but a password in a URL
        if not could_be_value_secret(value) and not _TOKEN.fullmatch(value.strip()):
            return None  # no value pattern and not a candidate for the entropy test
        return secret_kind(value)

    def pair(self, name: str | None, value: str | None) -> str | None:
        return self._pair(name, value)

    def _pair(self, name: str | None, value: str | None) -> str | None:
        """Why a name/value pair is a secret ('name' or a value kind), or None."""
        if not isinstance(value, str) or not value:
            return None
        if name and any(fnmatchcase(name, p) for p in self._allow_names):
            return None
        kind = self.value_kind(value)
        if kind:
            return kind
        if secret_name(name) and not self._allowed(value) and not _NOT_A_SECRET.match(value):
            return "secret-named variable"
        return None

    def command(self, args: tuple[str, ...]) -> tuple[int, str] | None:
        return self._command(args)

    def _command(self, args: tuple[str, ...]) -> tuple[int, str] | None:
        """(index of the argument, kind) of the first secret in a command line, or None."""
        for index, arg in enumerate(args):
            if not isinstance(arg, str):
                continue
            flag = _CMD_FLAG.match(arg)
            if flag and not _FILE_FLAG.search(arg.split("=", 1)[0].lstrip("-")):
                value = flag.group("value")
                if value is None and index + 1 < len(args):
                    value = args[index + 1]
                    if value.startswith("-"):
                        value = None
                if value and not self._allowed(value) and not _NOT_A_SECRET.match(value):
                    return index, "secret passed as a command-line flag"
            for match in _CMD_ASSIGN.finditer(arg):
                value = match.group("value")
                if not self._allowed(value) and not _NOT_A_SECRET.match(value):
                    return index, "secret assigned in a command line"
            for token in arg.split():
                kind = self.value_kind(token.strip("\"'"))
                if kind:
                    return index, kind
        return None


def _is_pattern(value: str) -> bool:
    return any(c in value for c in "*?[")
