"""Finding and hiding secret values. Every output, store and sink passes data through here.

Detection is by variable name (``DB_PASSWORD``) and by value shape (AWS keys, private keys,
well-known token prefixes, passwords in URLs, long high-entropy strings). Redaction keeps the
variable name and replaces the value with ``***``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

MASK = "***"

_SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|credential|auth|session[_-]?key|signing[_-]?key|encryption[_-]?key|"
    r"conn(ection)?[_-]?str|dsn|webhook)"
)
_NOT_SECRET_NAME = re.compile(
    r"(?i)(_arn$|_file$|_path$|_url_?path|_region$|_ttl$|_timeout|_expir|_length$|_enabled$|"
    r"_id$|_name$|_user(name)?$|_host$|_port$|_issuer$|token_url|auth_url|_endpoint$)"
)

VALUE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "aws-access-key-id",
        re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    ),
    (
        "aws-secret-access-key",
        re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    ),
    ("private-key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    (
        "github-token",
        re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"),
    ),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    (
        "password-in-url",
        re.compile(r"\b[a-z][a-z0-9+.-]{0,31}://[^\s:/@]{1,256}:([^\s@/]{3,256})@"),
    ),
    ("bearer-token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*")),
]
# mysql -pSECRET: the password glued to -p, the MySQL/MariaDB clients' own form.
_MYSQL_PASSWORD = re.compile(
    r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)\b[^|;&\n]{0,300}?\s-p(?P<pw>[^\s'\"]+)"
)
# A secret word that ends a flag or variable name: DB_PASSWORD, --api-key, "token", clientSecret.
_WORD = (
    r"(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|auth[_-]?token)"
)
# ``NAME=value``, ``NAME: value``, ``"name": "value"``, ``--flag=value``, ``--flag value``. The
# secret word must end the name, and a bare colon needs a space after it, so that ``tokenizer:1``
# and ``arn:aws:secretsmanager:...`` are left alone. A flag starts only where a word does
# (the look-behind): otherwise every dash of ``-a-a-a…`` restarts a scan (quadratic time).
_ASSIGNMENT = re.compile(
    r"(?i)(?:(?<![a-z0-9_-])--?[a-z0-9_-]*" + _WORD + r"(?:=|\s+)"
    r"|\b[a-z0-9_]*" + _WORD + r"(?:\s*=\s*|:\s+|[\"']\s*:\s*[\"']?))"
    r"(?P<value>\"[^\"]+\"|'[^']+'|[^\s\"',;]+)"
)

# Every pattern that can change a string in ``redact_text``/``scrub`` (the store's fast
# redaction path searches for all of them at once before taking the full path).
TEXT_PATTERNS: tuple[re.Pattern[str], ...] = (
    *(pattern for _, pattern in VALUE_PATTERNS),
    _ASSIGNMENT,
    _MYSQL_PASSWORD,
)


def secret_name(name: object) -> bool:
    """True when a variable name says it holds a secret (``DB_PASSWORD``, ``apiKey``).

    A name of the wrong type (an object or list where hostile input put one) is judged by its
    text, so ``{"name": {"n": "DB_PASSWORD"}, "value": ...}`` still masks the value."""
    if not name:
        return False
    if not isinstance(name, str):
        name = str(name)
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_-]+")
# A plain word: a segment of an identifier path such as ``ecsguard/123456789012/us-east-1/<sha>``.
_WORD_SEGMENT = re.compile(r"[a-z][a-z-]{2,}")


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def high_entropy(value: str, min_length: int = 24, threshold: float = 4.2) -> bool:
    token = value.strip()
    if len(token) < min_length or not _TOKEN_CHARS.fullmatch(token):
        return False
    if not (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)):
        return False
    segments = token.split("/")
    if len(segments) >= 3 and any(_WORD_SEGMENT.fullmatch(seg) for seg in segments):
        return False  # an identifier path; random base64 seldom has two slashes and a word
    return entropy(token) >= threshold


def secret_kind(value: str | None, allow: Iterable[str] = ()) -> str | None:
    """Name the kind of secret ``value`` looks like, or None. ``allow`` lists known non-secrets."""
    if not value or not isinstance(value, str):
        return None
    if value in set(allow):
        return None
    for kind, pattern in VALUE_PATTERNS:
        if kind == "aws-secret-access-key":
            match = pattern.search(value)
            if match and high_entropy(match.group(0), 40, 4.0):
                return kind
            continue
        if pattern.search(value):
            return kind
    if high_entropy(value):
        return "high-entropy-string"
    return None


def redact_text(text: str) -> str:
    """Mask secret-looking substrings in free text (command lines, log options, messages)."""
    if not text:
        return text
    out = _ASSIGNMENT.sub(lambda m: m.group(0)[: m.start("value") - m.start(0)] + MASK, text)
    out = _MYSQL_PASSWORD.sub(lambda m: m.group(0)[: m.start("pw") - m.start(0)] + MASK, out)
    for kind, pattern in VALUE_PATTERNS:
        if kind == "password-in-url":
            out = pattern.sub(lambda m: m.group(0).replace(m.group(1), MASK), out)
        elif kind != "aws-secret-access-key":
            out = pattern.sub(MASK, out)
    return out


def redact_pair(name: str | None, value: Any) -> Any:
    """Value of a name/value pair as it may be shown: masked if the name or value says secret."""
    if not isinstance(value, str):
        return value
    if secret_name(name) or secret_kind(value):
        return MASK
    return redact_text(value)


def scrub(obj: Any) -> Any:
    """Deep copy of a JSON-like value with secrets masked.

    ``{"name": N, "value": V}`` pairs (ECS environment, labels) are judged by name and value;
    dict entries by key and value; other strings by value shape.
    """
    if isinstance(obj, dict):
        keys = set(obj)
        if "value" in keys and ("name" in keys or "Name" in keys) and len(keys) <= 3:
            name = obj.get("name", obj.get("Name"))
            return {k: (redact_pair(name, v) if k == "value" else scrub(v)) for k, v in obj.items()}
        return {
            k: (redact_pair(str(k), v) if isinstance(v, str) else scrub(v)) for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [scrub(v) for v in obj]
    if isinstance(obj, str):
        return MASK if secret_kind(obj) else redact_text(obj)
    return obj
