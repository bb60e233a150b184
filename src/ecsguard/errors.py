"""Error types every edge raises so the CLI can print one line and exit with the contract's code."""

from __future__ import annotations


class EcsguardError(Exception):
    """Base class: an error the CLI reports as one line, never as a traceback."""

    exit_code = 2


class InputError(EcsguardError):
    """Unreadable or invalid input. Names the input and the place inside it."""

    def __init__(self, source: str, place: str | None, message: str) -> None:
        self.source = source
        self.place = place
        self.message = message
        where = f"{source}:{place}" if place else source
        super().__init__(f"{where}: {message}")


class UsageError(EcsguardError):
    """Bad command-line usage (exit code 2)."""
