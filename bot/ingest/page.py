"""Parse a scraped episode page into an EpisodeSource; see the README's data section for the format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import DataError
from bot.links import parse_offset
from bot.model import EpisodeSource, SourceQuote
from bot.text import truncate

MAX_TITLE = 500
# Counts and numbers in the data stop here: SQLite stores integers below 2**63, and no show has a
# billion episodes, quotes or seconds.
MAX_COUNT = 999_999_999
OPENING_QUOTES = '"“„«'
CLOSING_QUOTES = '"”“»'
ELLIPSES = ("...", "…")
ATTRIBUTION_HINT = "an attribution line `Speaker · ▶ m:ss`"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SECTIONS = {
    "key takeaways": "takeaways",
    "takeaways": "takeaways",
    "recommendations": "quotes",
    "quotes": "quotes",
    "mentioned": "mentions",
    "mentions": "mentions",
    "more from these creators": "related",
    "related episodes": "related",
    "related": "related",
}
# Possessive quantifiers (*+) never give back what they matched: every pattern here runs in time
# linear in the line, however long its runs of spaces.
_HEADING = re.compile(
    r"(?P<name>" + "|".join(_SECTIONS) + r")\s*+(?:\(\s*+(?P<count>[0-9][0-9,]*+)\s*+\))?\s*+:?",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(?:[-*–]\s+|•\s*)+")
_NUMBER = re.compile(r"(?P<show>.*?)\s*#\s*(?P<number>[0-9]{1,9})")
# A separator (· or ▶) marks an attribution even when its timestamp is malformed, so that is reported.
# A well-formed time is read by the same match (h, m, s: as bot.links.parse_offset reads it); any
# other time is left to parse_offset, which says what is wrong with it.
_ATTRIBUTION = re.compile(
    r"(?P<speaker>[^·▶]*+)(?:·\s*+(?:▶\s*+)?|▶\s*+)"
    r"(?P<time>(?:(?P<h>[0-9]{1,3}):)?(?P<m>[0-9]{1,3}):(?P<s>[0-9]{2})|\S*+)"
)


def split_title_line(line: str) -> tuple[str, str | None, int | None]:
    """Split `TITLE | SHOW #N` on its last ` | ` into (title, show, number).

    Without a trailing `#N` the whole line is the title: after ` | ` pages put a show name as often
    as a tag line ("FULL EXCLUSIVE FOOTAGE"), and a show must not be invented from a tag line.
    """
    line = " ".join(line.split())
    head, sep, tail = f" {line}".rpartition(" | ")  # the leading space lets "| Show #3" split too
    match = _NUMBER.fullmatch(tail) if sep else None
    if match is None:
        return line, None, None
    return head.strip(), match["show"].strip() or None, int(match["number"])


def looks_cut(quote: str) -> bool:
    """Tell whether a quote was shortened by the page: it starts or ends with an ellipsis."""
    return quote.startswith(ELLIPSES) or quote.endswith(ELLIPSES)


def shorten(text: str) -> str:
    """Return `text` cut to 60 characters for an error message."""
    return truncate(text, 60, "...")


def split_lines(text: str) -> list[str]:
    """Return the lines of `text` as editors number them, without a leading BOM."""
    text = text.removeprefix("\ufeff")
    return text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)


def parse_page(text: str, path: Path) -> EpisodeSource:
    """Parse an episode page; raise DataError naming the line when its structure is broken."""
    return _PageParser(Path(path), _clean_lines(text)).parse()


@dataclass
class _PageParser:
    path: Path
    lines: list[str]
    section: str = "description"
    description: list[str] = field(default_factory=list)
    items: dict[str, dict[str, None]] = field(  # ordered sets: repeats dropped in constant time
        default_factory=lambda: {"takeaways": {}, "mentions": {}, "related": {}}
    )
    declared: dict[str, int] = field(default_factory=dict)
    quotes: dict[str, SourceQuote] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def parse(self) -> EpisodeSource:
        """Read every line and build the episode."""
        self._reject_binary()
        start, (title, show, number) = self._title()
        lines = self.lines
        last = len(lines)  # the last line that is not empty: a quote left open there is dropped
        while last and not lines[last - 1]:
            last -= 1
        self._body(start, last)
        return EpisodeSource(
            key=self.path.stem,
            title=title,
            show=show,
            number=number,
            description="\n".join(self.description),
            takeaways=tuple(self.items["takeaways"]),
            quotes=tuple(self.quotes.values()),
            quotes_declared=self.declared.get("quotes"),
            mentions=tuple(self.items["mentions"]),
            mentions_declared=self.declared.get("mentions"),
            related=tuple(self.items["related"]),
            warnings=tuple(self.warnings),
        )

    def _body(self, start: int, last: int) -> None:
        """Read the lines after the title (0-based `start`); `last` is the last line with text."""
        # A loop with its state in locals, and the quotes in a loop of their own: a page is mostly
        # quotes, two lines each, and a call per line and per quote was most of a load's parsing.
        lines, heading, bullet = self.lines, _HEADING.fullmatch, _BULLET.sub
        description, items = self.description, None
        n, end = start, len(lines)
        while n < end:
            line = lines[n]
            n += 1
            found = heading(line)
            if found:
                self.section = self._heading(n, found)
                items = self.items.get(self.section)
                if self.section == "quotes":
                    n = self._quotes(n, last)
            elif not line:
                continue
            elif items is None:
                description.append(line)
            else:
                item = bullet("", line).strip()
                if item:
                    items.setdefault(item)

    def _quotes(self, n: int, last: int) -> int:
        """Read quotes from line index `n` up to the next heading; return that heading's index."""
        lines, heading, attribution = self.lines, _HEADING.fullmatch, _ATTRIBUTION.fullmatch
        pending_line, pending, closed = 0, None, True  # the quote read but not yet attributed
        end = len(lines)
        while n < end:
            line = lines[n]
            if not line:
                n += 1
                continue
            if heading(line):
                if pending is not None:
                    raise self.fail(n + 1, f"{ATTRIBUTION_HINT} for the quote on line {pending_line}", line)
                return n
            n += 1
            match = attribution(line) if line[0] not in OPENING_QUOTES else None
            if match is not None:
                said = self._said(n, match)  # a broken attribution is reported first
                if pending is None:
                    raise self.fail(n, "a quoted line before its attribution", line)
                self._attribute(pending_line, pending, said)
                pending = None
            elif pending is None:
                pending_line, pending = n, [line]
                # A line that is only an opening mark is a whole (empty) quote, reported later.
                closed = line[0] not in OPENING_QUOTES or len(line) == 1 or line[-1] in CLOSING_QUOTES
            elif not closed:
                pending.append(line)
                closed = line[-1] in CLOSING_QUOTES
            elif n == last:
                self._drop_pending(pending_line, f"the last line {line!r} is not {ATTRIBUTION_HINT}")
                pending = None
            else:
                raise self.fail(n, f"{ATTRIBUTION_HINT} for the quote on line {pending_line}", line)
        if pending is not None:
            self._drop_pending(pending_line, "the page ends before its attribution line (truncated page?)")
        return n

    def _said(self, number: int, match: re.Match[str]) -> tuple[str, int]:
        """Return (speaker, seconds) of an attribution line, its time read from the match when well formed."""
        speaker, hours, minutes, seconds = match.group("speaker", "h", "m", "s")
        if not speaker or minutes is None or int(seconds) > 59 or (hours and int(minutes) > 59):
            return self._attribution(number, match)  # says what is wrong, or reads it as parse_offset does
        at = int(minutes) * 60 + int(seconds)
        return " ".join(speaker.split()), int(hours) * 3600 + at if hours else at

    def fail(self, line: int, expected: str, got: str) -> DataError:
        """Return the error for `line`, showing what was there instead."""
        return DataError(self.path, line, f"expected {expected}, got {shorten(got)!r}")

    def _reject_binary(self) -> None:
        if "\x00" not in "".join(self.lines):
            return
        for number, line in enumerate(self.lines, 1):
            if "\x00" in line:
                raise DataError(self.path, number, "expected a text page, got a NUL byte (binary file?)")

    def _title(self) -> tuple[int, tuple[str, str | None, int | None]]:
        """Return the title line's number and its parts."""
        number, line = next(((n, s) for n, s in enumerate(self.lines, 1) if s), (1, ""))
        expected = "a title line `TITLE | SHOW #N`"
        if not line:
            raise DataError(self.path, 1, f"expected {expected}, got an empty file")
        if _HEADING.fullmatch(line) or _BULLET.match(line) or line[0] in OPENING_QUOTES:
            raise self.fail(number, expected, line)
        if _looks_attributed(line) or len(line) > MAX_TITLE:
            raise self.fail(number, expected, line)
        parts = split_title_line(line)
        if not parts[0]:
            raise self.fail(number, "an episode title before ` | `", line)
        return number, parts

    def _heading(self, number: int, heading: re.Match[str]) -> str:
        """Return the section a heading starts, noting the count it declares."""
        section = _SECTIONS[heading["name"].lower()]
        if heading["count"] and section not in self.declared:
            count = int(heading["count"].replace(",", ""))
            if count > MAX_COUNT:
                raise self.fail(number, f"a count up to {MAX_COUNT:,}", heading["count"])
            self.declared[section] = count
        return section

    def _attribution(self, number: int, match: re.Match[str]) -> tuple[str, int]:
        """Return (speaker, seconds) of an attribution line; raise if it is a broken one."""
        speaker, time = match.group("speaker", "time")
        if not speaker:
            raise self.fail(number, "a speaker name before the timestamp", match.string)
        try:
            return " ".join(speaker.split()), parse_offset(time)
        except ValueError:
            raise self.fail(number, "a timestamp like 0:53, 15:32 or 2:46:45", time) from None

    def _attribute(self, line: int, parts: list[str], attribution: tuple[str, int]) -> None:
        """Keep the quote of `parts` (its lines, joined once: a long quote costs linear time)."""
        written = parts[0] if len(parts) == 1 else " ".join(parts)
        text = written
        if text[:1] in OPENING_QUOTES:  # the outer marks go, inner ones and any ellipsis stay
            text = text[1:-1] if text[-1:] in CLOSING_QUOTES and len(text) > 1 else text[1:]
        text = text.strip()
        if not text:
            raise self.fail(line, "quote text", written)
        speaker, seconds = attribution
        truncated = text.startswith(ELLIPSES) or text.endswith(ELLIPSES)
        # Stored once; the same words at the same second are a repeat, whatever the speaker.
        key = f"{seconds}\x00{text}"
        first = self.quotes.get(key)
        if first is None:
            self.quotes[key] = SourceQuote(text, speaker, seconds, truncated, line)
        elif first.speaker != speaker:
            self.warnings.append(
                f"{self.path}:{line}: kept {first.speaker!r} for the quote repeated from line "
                f"{first.line}, not {speaker!r}"
            )

    def _drop_pending(self, line: int, why: str) -> None:
        self.warnings.append(
            f"{self.path}:{line}: dropped the unattributed quote at the end of the page: {why}"
        )


_INVISIBLE = "\ufeff\u200b\u2060"


def _clean_lines(text: str) -> list[str]:
    """Return the page's lines, each without surrounding whitespace and invisible marks."""
    lines = split_lines(text)
    if any(mark in text for mark in _INVISIBLE):
        return [_clean(line) for line in lines]
    return [line.strip() for line in lines]


def _clean(line: str) -> str:
    """Strip a line's surrounding whitespace and invisible marks (a BOM left by joined files)."""
    return line.strip().strip("\ufeff\u200b\u2060").strip()


def _match_attribution(line: str) -> re.Match[str] | None:
    if line[:1] in OPENING_QUOTES:
        return None
    return _ATTRIBUTION.fullmatch(line)


def _looks_attributed(line: str) -> bool:
    """Tell whether `line` is a well-formed attribution line."""
    match = _match_attribution(line)
    try:
        return match is not None and bool(match["speaker"]) and parse_offset(match["time"]) >= 0
    except ValueError:
        return False


def _opens(text: str) -> bool:
    return text[:1] in OPENING_QUOTES


def _closes(text: str) -> bool:
    return text[-1:] in CLOSING_QUOTES


def _unquote(text: str) -> str:
    """Strip the outer quotation marks, keeping inner ones and any ellipsis."""
    if _opens(text):
        text = text[1:]
        if _closes(text):
            text = text[:-1]
    return text.strip()
