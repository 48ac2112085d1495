"""Errors that carry a message meant for a person; none of them know about Discord."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class UserError(Exception):
    """Raise when the user asked for something we can explain, not a bug."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(UserError):
    """Raise when a typed episode, speaker or quote matches nothing well enough."""

    def __init__(self, what: str, query: str, suggestions: Sequence[str] = ()) -> None:
        self.what = what
        self.query = query
        self.suggestions = tuple(suggestions)[:3]
        super().__init__(f"No {what} matches {query!r}." if query else f"No {what} found.")


class ConfigError(Exception):
    """Raise when a setting is missing or malformed; the message is one line for the operator."""


class DataError(Exception):
    """Raise when a data file cannot be read; names the file, the line and what was expected.

    `line` is a 1-based line number, or a JSON path (`segments[12].startTime`) for JSON files, whose
    line numbers say little (many are written on one line).
    """

    def __init__(self, path: Path | str, line: int | str, expected: str) -> None:
        self.path = Path(path)
        self.line = line
        self.expected = expected
        super().__init__(f"{self.path}:{line}: {expected}")
