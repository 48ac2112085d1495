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
_ATTRIBUTION = re.compile(r"(?P<speaker>[^·▶]*+)(?:·\s*+(?:▶\s*+)?|▶\s*+)(?P<time>\S*+)")


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
    return _LINE_BREAK.split(text.removeprefix("\ufeff"))


def parse_page(text: str, path: Path) -> EpisodeSource:
    """Parse an episode page; raise DataError naming the line when its structure is broken."""
    return _PageParser(Path(path), [_clean(line) for line in split_lines(text)]).parse()


@dataclass
class _Pending:
    """A quote read but not yet attributed."""

    line: int
    parts: list[str]  # its lines, joined once at the end: a long quote costs linear time
    closed: bool

    @property
    def text(self) -> str:
        """Return the quote's lines joined by spaces."""
        return " ".join(self.parts)


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
    pending: _Pending | None = None
    warnings: list[str] = field(default_factory=list)

    def parse(self) -> EpisodeSource:
        """Read every line and build the episode."""
        self._reject_binary()
        start, (title, show, number) = self._title()
        last = max((n for n, line in enumerate(self.lines, 1) if line), default=0)
        for number_, line in enumerate(self.lines[start:], start + 1):
            self._line(number_, line, number_ == last)
        self._end_of_file()
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

    def fail(self, line: int, expected: str, got: str) -> DataError:
        """Return the error for `line`, showing what was there instead."""
        return DataError(self.path, line, f"expected {expected}, got {shorten(got)!r}")

    def _reject_binary(self) -> None:
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

    def _line(self, number: int, line: str, is_last: bool) -> None:
        heading = _HEADING.fullmatch(line)
        if heading:
            self._heading(number, line, heading)
        elif not line:
            return
        elif self.section == "quotes":
            self._quote_line(number, line, is_last)
        elif self.section == "description":
            self.description.append(line)
        else:
            item = _BULLET.sub("", line).strip()
            if item:
                self.items[self.section].setdefault(item)

    def _heading(self, number: int, line: str, heading: re.Match[str]) -> None:
        if self.pending is not None:
            raise self.fail(number, f"{ATTRIBUTION_HINT} for the quote on line {self.pending.line}", line)
        self.section = _SECTIONS[heading["name"].lower()]
        if heading["count"] and self.section not in self.declared:
            count = int(heading["count"].replace(",", ""))
            if count > MAX_COUNT:
                raise self.fail(number, f"a count up to {MAX_COUNT:,}", heading["count"])
            self.declared[self.section] = count

    def _quote_line(self, number: int, line: str, is_last: bool) -> None:
        attribution = self._attribution(number, line)
        if attribution is not None:
            self._attribute(number, line, attribution)
        elif self.pending is None:
            self.pending = _Pending(number, [line], closed=not _opens(line) or _closes(line[1:]))
        elif not self.pending.closed:
            self.pending.parts.append(line)
            self.pending.closed = _closes(line)
        elif is_last:
            self._drop_pending(f"the last line {line!r} is not {ATTRIBUTION_HINT}")
        else:
            raise self.fail(number, f"{ATTRIBUTION_HINT} for the quote on line {self.pending.line}", line)

    def _attribution(self, number: int, line: str) -> tuple[str, int] | None:
        """Return (speaker, seconds) when `line` is an attribution line; raise if it is a broken one."""
        match = _match_attribution(line)
        if match is None:
            return None
        if not match["speaker"]:
            raise self.fail(number, "a speaker name before the timestamp", line)
        try:
            return " ".join(match["speaker"].split()), parse_offset(match["time"])
        except ValueError:
            raise self.fail(number, "a timestamp like 0:53, 15:32 or 2:46:45", match["time"]) from None

    def _attribute(self, number: int, line: str, attribution: tuple[str, int]) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            raise self.fail(number, "a quoted line before its attribution", line)
        written = pending.text
        text = _unquote(written)
        if not text:
            raise self.fail(pending.line, "quote text", written)
        speaker, seconds = attribution
        self._keep(SourceQuote(text, speaker, seconds, looks_cut(text), pending.line))

    def _keep(self, quote: SourceQuote) -> None:
        """Store a quote once; the same words at the same second are a repeat, whatever the speaker."""
        key = f"{quote.seconds}\x00{quote.text}"
        first = self.quotes.setdefault(key, quote)
        if first.speaker != quote.speaker:
            self.warnings.append(
                f"{self.path}:{quote.line}: kept {first.speaker!r} for the quote repeated from line "
                f"{first.line}, not {quote.speaker!r}"
            )

    def _drop_pending(self, why: str) -> None:
        if self.pending is None:
            return
        line, self.pending = self.pending.line, None
        self.warnings.append(
            f"{self.path}:{line}: dropped the unattributed quote at the end of the page: {why}"
        )

    def _end_of_file(self) -> None:
        self._drop_pending("the page ends before its attribution line (truncated page?)")


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
