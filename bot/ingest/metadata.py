"""Read the TOML metadata format, reporting each problem at the line where its key is written."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.ingest.page import MAX_COUNT, looks_cut, shorten, split_lines
from bot.links import http_url, parse_offset
from bot.model import PersonAliases, SourceQuote

_TOML_ERROR = re.compile(
    r"(?P<what>.*?)\s*\((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$"
)


def parse_meta(text: str, path: Path) -> dict[str, Any]:
    """Return the EpisodeSource fields a metadata file sets; raise DataError naming the line."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise syntax_error(err, text, path) from None
    except RecursionError:
        raise DataError(path, 1, "expected valid TOML, got values nested too deeply") from None
    return _MetaReader(path, split_lines(text)).fields(table)


def syntax_error(err: tomllib.TOMLDecodeError, text: str, path: Path) -> DataError:
    """Return the DataError for a TOML syntax error, at its line and column."""
    match = _TOML_ERROR.fullmatch(str(err))
    if match is None:
        return DataError(path, 1, f"expected valid TOML, got {err}")
    line = int(match["line"]) if match["line"] else len(split_lines(text))
    where = f" at column {match['column']}" if match["column"] else " at the end of the file"
    return DataError(path, line, f"expected valid TOML, got {match['what'].lower()}{where}")


def _string(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a non-empty string")
    return value.strip()


def _strings(value: object) -> tuple[str, ...]:
    # A lone string is accepted as a one-item list: `hosts = "Lex Fridman"` is an easy slip.
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("a list of strings")
    return tuple(dict.fromkeys(_string(item) for item in items))


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise ValueError(f"a whole number from 0 to {MAX_COUNT:,}")
    return value


def _url(value: object) -> str:
    url = http_url(_string(value))
    if url is None:
        raise ValueError("an http:// or https:// URL")
    return url


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(_string(value))
    except ValueError:
        raise ValueError("a date like 2026-01-31") from None


def _seconds(value: object) -> int:
    if isinstance(value, str):
        try:
            return parse_offset(value)
        except ValueError:
            raise ValueError(f'seconds up to {MAX_COUNT:,} or a time like "1:02:03"') from None
    try:
        return _count(value)
    except ValueError:
        raise ValueError(f'seconds up to {MAX_COUNT:,} or a time like "1:02:03"') from None


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


# TOML key -> (EpisodeSource field, converter). `people` and `quotes` are tables, read separately.
_KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "title": ("title", _string),
    "show": ("show", _string),
    "number": ("number", _count),
    "description": ("description", _string),
    "url": ("url", _url),
    "published": ("published", _date),
    "duration": ("duration_seconds", _seconds),
    "hosts": ("hosts", _strings),
    "guests": ("guests", _strings),
    "aliases": ("aliases", _strings),
    "takeaways": ("takeaways", _strings),
    "mentions": ("mentions", _strings),
    "related": ("related", _strings),
    "quotes_declared": ("quotes_declared", _count),
    "mentions_declared": ("mentions_declared", _count),
    "guid": ("guid", _string),
    "season": ("season", _count),
    "audio": ("audio_url", _url),
    "link": ("page_url", _url),
    "transcript": ("transcript", _string),
}
_QUOTE_KEYS: dict[str, Callable[[object], Any]] = {
    "text": _string,
    "speaker": _string,
    "time": _seconds,
    "truncated": _flag,
    "soundbite": _flag,
}
_CHAPTER_KEYS: dict[str, Callable[[object], Any]] = {"time": _seconds, "title": _string}
_TABLES = ("people", "quotes", "speakers", "chapters")


@dataclass
class _MetaReader:
    """Check a parsed metadata table, reporting problems at the line where the key is written."""

    path: Path
    lines: list[str]
    _headers: dict[str, list[int]] = field(default_factory=dict)

    def fields(self, table: dict[str, Any]) -> dict[str, Any]:
        """Return the EpisodeSource fields set by `table`."""
        fields: dict[str, Any] = {}
        for key, value in table.items():
            if key == "people":
                fields["people"] = self._people(value)
            elif key == "quotes":
                fields["quotes"] = self._quotes(value)
            elif key == "speakers":
                fields["speakers"] = self._speakers(value)
            elif key == "chapters":
                fields["chapters"] = self._chapters(value)
            elif key in _KEYS:
                name, convert = _KEYS[key]
                fields[name] = self._convert(convert, value, key)
            else:
                raise self._unknown(key, self._line(key), (*_KEYS, *_TABLES))
        return fields

    def _people(self, value: object) -> tuple[PersonAliases, ...]:
        start = self._line("people")
        if not isinstance(value, dict):
            raise DataError(
                self.path, start, f"expected a [people] table of name = [aliases], got {_shown(value)}"
            )
        people = []
        table = self._header("people") or start
        for name, aliases in value.items():
            person = self._convert(_string, name, "people", table, find=name)
            people.append(PersonAliases(person, self._convert(_strings, aliases, name, table)))
        return tuple(people)

    def _speakers(self, value: object) -> tuple[tuple[str, str], ...]:
        start = self._line("speakers")
        if not isinstance(value, dict):
            raise DataError(
                self.path, start, f'expected a [speakers] table of "label" = "name", got {_shown(value)}'
            )
        table = self._header("speakers") or start
        return tuple(
            (
                self._convert(_string, label, "speakers", table, find=label),
                self._convert(_string, name, label, table),
            )
            for label, name in value.items()
        )

    def _chapters(self, value: object) -> tuple[tuple[int, str], ...]:
        if not isinstance(value, list):
            raise DataError(
                self.path, self._line("chapters"), f"expected [[chapters]] tables, got {_shown(value)}"
            )
        chapters = []
        for index, entry in enumerate(value):
            start = self._header("chapters", index) or self._line("chapters")
            if not isinstance(entry, dict):
                raise DataError(
                    self.path, start, f"expected a chapter table with time and title, got {_shown(entry)}"
                )
            parts: dict[str, Any] = {}
            for key, item in entry.items():
                if key not in _CHAPTER_KEYS:
                    raise self._unknown(key, self._line(key, start), tuple(_CHAPTER_KEYS))
                parts[key] = self._convert(_CHAPTER_KEYS[key], item, key, start)
            missing = [key for key in _CHAPTER_KEYS if key not in parts]
            if missing:
                raise DataError(self.path, start, f"expected the chapter's {', '.join(missing)}, got none")
            chapters.append((parts["time"], parts["title"]))
        times = [time for time, _ in chapters]
        if times != sorted(times):
            line = self._header("chapters", next(n for n in range(1, len(times)) if times[n] < times[n - 1]))
            raise DataError(self.path, line or 1, "expected chapters in time order, got one starting earlier")
        return tuple(chapters)

    def _quotes(self, value: object) -> tuple[SourceQuote, ...]:
        if not isinstance(value, list):
            raise DataError(
                self.path, self._line("quotes"), f"expected [[quotes]] tables, got {_shown(value)}"
            )
        quotes: dict[tuple[str, int], SourceQuote] = {}
        for index, entry in enumerate(value):
            quote = self._quote(entry, self._header("quotes", index) or self._line("quotes"))
            quotes.setdefault((quote.text, quote.seconds), quote)
        return tuple(quotes.values())

    def _quote(self, entry: object, start: int) -> SourceQuote:
        if not isinstance(entry, dict):
            raise DataError(
                self.path, start, f"expected a quote table with text, speaker and time, got {_shown(entry)}"
            )
        parts: dict[str, Any] = {}
        for key, value in entry.items():
            if key not in _QUOTE_KEYS:
                raise self._unknown(key, self._line(key, start), tuple(_QUOTE_KEYS))
            parts[key] = self._convert(_QUOTE_KEYS[key], value, key, start)
        missing = [key for key in ("text", "speaker", "time") if key not in parts]
        if missing:
            raise DataError(self.path, start, f"expected the quote's {', '.join(missing)}, got none")
        text = parts["text"]
        truncated = parts.get("truncated", looks_cut(text))
        line = self._line("text", start)
        return SourceQuote(
            text, parts["speaker"], parts["time"], truncated, line, parts.get("soundbite", False)
        )

    def _convert(
        self, convert: Callable[[object], Any], value: object, key: str, start: int = 0, find: str = ""
    ) -> Any:
        """Return `convert(value)`; on failure name the line that assigns `find` (default `key`)."""
        try:
            return convert(value)
        except ValueError as err:
            # The line is looked up only for the error: scanning for every key made files with
            # hundreds of quotes or people take seconds.
            line = self._line(find or key, start)
            raise DataError(self.path, line, f"expected {err} for `{key}`, got {_shown(value)}") from None

    def _unknown(self, key: str, line: int, known: Sequence[str]) -> DataError:
        return DataError(self.path, line, f"expected one of {', '.join(known)}, got {key!r}")

    def _line(self, key: str, start: int = 0) -> int:
        """Return the line that assigns `key`, searching after line `start` (a header, or 0 for the top)."""
        pattern = re.compile(r"\s*(?:" + "|".join(map(re.escape, _spellings(key))) + r")\s*[=.]")
        for number in range(max(start, 1), len(self.lines) + 1):
            line = self.lines[number - 1]
            if number > start and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
        return max(start, 1)

    def _header(self, name: str, index: int = 0) -> int | None:
        """Return the line of the `index`-th `[name]` or `[[name]]` header, if the file has one."""
        if name not in self._headers:  # one scan per name, not one per quote
            pattern = re.compile(r"\s*\[\[?\s*" + re.escape(name) + r"\s*\]\]?")
            self._headers[name] = [n for n, line in enumerate(self.lines, 1) if pattern.match(line)]
        headers = self._headers[name]
        return headers[index] if index < len(headers) else None


def _spellings(key: str) -> tuple[str, ...]:
    """Return how a TOML key may be written: bare, or in double or single quotes."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return (key, f'"{escaped}"', f"'{key}'")


def _shown(value: object) -> str:
    """Return a value as TOML-ish Python repr, cut to fit one readable line."""
    return shorten(repr(value))
