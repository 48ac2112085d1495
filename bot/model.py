"""Plain data passed from parsing to storage to rendering; nothing here knows about Discord."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.links import moment_url
from bot.text import truncate


@dataclass(frozen=True, slots=True)
class SourceQuote:
    """Hold one quote as read from a data file."""

    text: str
    speaker: str
    seconds: int
    truncated: bool = False
    line: int = 0
    # A highlight the publisher chose (a feed's podcast:soundbite): `speaker` is only the fallback,
    # the transcript's speaker at `seconds` is who says it.
    soundbite: bool = False


@dataclass(frozen=True, slots=True)
class PersonAliases:
    """Hold the other names a person is known by, from an episode's metadata."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EpisodeSource:
    """Hold one episode as read from its files (a page, its metadata, or both), before storage."""

    key: str
    title: str
    show: str | None = None
    number: int | None = None
    description: str = ""
    url: str | None = None
    published: dt.date | None = None
    duration_seconds: int | None = None
    hosts: tuple[str, ...] = ()
    guests: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    people: tuple[PersonAliases, ...] = ()
    takeaways: tuple[str, ...] = ()
    quotes: tuple[SourceQuote, ...] = ()
    quotes_declared: int | None = None
    mentions: tuple[str, ...] = ()
    mentions_declared: int | None = None
    related: tuple[str, ...] = ()
    transcript: str | None = None  # a transcript file named by the metadata, relative to it
    speakers: tuple[tuple[str, str], ...] = ()  # transcript label -> person ("Guest 1", "Priya Raman")
    chapters: tuple[tuple[int, str], ...] | None = None  # (second, title) from the metadata
    warnings: tuple[str, ...] = ()  # "path:line: message" for odd but usable input
    guid: str | None = None  # the feed item's guid, which pairs a local file with it
    season: int | None = None
    audio_url: str | None = None  # the feed's enclosure
    page_url: str | None = None  # the feed item's web page


# Cue and Moment are named tuples, not frozen dataclasses: an archive holds hundreds of thousands of
# them and a tuple is built about three times faster.
class Cue(NamedTuple):
    """Hold one timed piece of a transcript as read: plain text, its speaker label and where it is."""

    start: float  # seconds
    end: float
    text: str  # tags, entities and the speaker label removed, whitespace collapsed
    speaker: str | None = None  # the label as written ("Guest 1", "Nathan Lambert"), None when unknown
    line: int | str = 0  # the line of its timing (WebVTT, SubRip) or its JSON path ("segments[12]")
    turn: bool = False  # a label (or a bare `>>`) starts a speaker's turn here


class Chapter(NamedTuple):
    """Hold one chapter of an episode: where it starts and its title."""

    start: float  # seconds
    title: str


class Moment(NamedTuple):
    """Hold one searchable passage of a transcript: one speaker, one chapter, about 15-45 seconds."""

    start: float  # seconds
    end: float
    speaker: str | None  # the person the label maps to, else the label as written, else None
    chapter: int | None  # index into the episode's chapters, None before the first one
    text: str
    # (character offset in `text`, second) where each sentence starts, the first at (0, start):
    # a link to the sentence holding the matched words opens where they are said.
    sentences: tuple[tuple[int, float], ...] = ()

    def second_at(self, offset: int) -> float:
        """Return the second where the sentence holding character `offset` of `text` starts."""
        second = self.start
        for begins, at in self.sentences:
            if begins > offset:
                break
            second = at
        return second


@dataclass(frozen=True, slots=True)
class EpisodeRef:
    """Identify a stored episode with what every answer needs to cite it."""

    id: int
    key: str
    title: str
    show: str | None = None
    number: int | None = None
    url: str | None = None
    published: dt.date | None = None
    audio_url: str | None = None  # the episode's audio (a feed's enclosure)

    def link_at(self, seconds: int) -> str | None:
        """Return the link that plays this episode from `seconds` (see bot.links.moment_url)."""
        return moment_url(self.url, seconds, self.audio_url)

    @property
    def show_and_number(self) -> str:
        """Return `Show #N`, or whichever part is known, or "" when neither is."""
        return " ".join(part for part in (self.show, f"#{self.number}" if self.number else None) if part)

    @property
    def label(self) -> str:
        """Return `Title | Show #N`, the way pages name episodes."""
        tail = self.show_and_number
        return f"{self.title} | {tail}" if tail else self.title

    @property
    def typed_name(self) -> str:
        """Return what a member types to name this episode again: its number, else its key."""
        return str(self.number) if self.number else self.key

    @property
    def reference(self) -> str:
        """Return `episode:ID`, which names exactly this episode when typed back, however long its key."""
        return f"episode:{self.id}"

    def label_within(self, limit: int) -> str:
        """Return the label in at most `limit` characters, cutting the title rather than the number."""
        tail = self.show_and_number
        if not tail:
            return truncate(self.title, limit)
        tail = truncate(" | " + tail, limit // 2)
        return truncate(self.title, limit - len(tail)) + tail


@dataclass(frozen=True, slots=True)
class EpisodeCard:
    """Hold everything `/episode` shows about one episode."""

    episode: EpisodeRef
    description: str
    hosts: tuple[str, ...]
    guests: tuple[str, ...]
    duration_seconds: int | None
    takeaway_count: int
    quote_count: int
    quotes_declared: int | None
    mention_count: int
    mentions_declared: int | None
    related_count: int
    season: int | None = None
    page_url: str | None = None  # the feed item's web page
    moment_count: int = 0  # transcript moments stored
    covered_seconds: int | None = None  # where the transcript's last moment ends
    chapter_count: int = 0


@dataclass(frozen=True, slots=True)
class Person:
    """Identify a stored host, guest or speaker."""

    id: int
    name: str

    @property
    def reference(self) -> str:
        """Return `person:ID`, which names exactly this person when typed back."""
        return f"person:{self.id}"


@dataclass(frozen=True, slots=True)
class Takeaway:
    """Hold one key takeaway of an episode, in page order."""

    id: int
    position: int
    text: str
    episode: EpisodeRef


@dataclass(frozen=True, slots=True)
class QuoteHit:
    """Hold one stored quote with its speaker, episode and timestamp link."""

    id: int
    text: str
    truncated: bool
    speaker: Person
    seconds: int
    episode: EpisodeRef
    link: str | None


@dataclass(frozen=True, slots=True)
class MomentHit:
    """Hold one transcript moment found by a search: who, where, and the words around the match."""

    id: int
    context: str  # the matching sentence with a few words around it
    speaker: str | None  # the person's name, or a label mapped to nobody ("Guest 1")
    person: Person | None
    seconds: int  # where the matching words are said
    episode: EpisodeRef
    chapter: str | None
    link: str | None
    matched: tuple[tuple[int, int], ...] = ()  # (start, end) of the typed words within `context`


@dataclass(frozen=True, slots=True)
class ChapterItem:
    """Hold one chapter of an episode, linked to its start."""

    position: int
    seconds: int
    title: str
    link: str | None


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """Hold one related episode: the title as given, the episode when known, and why."""

    title: str
    reason: str
    episode: EpisodeRef | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """Hold one ranked passage answering a free-text question."""

    kind: str  # "takeaway", "quote" or "description"
    text: str
    episode: EpisodeRef
    speaker: Person | None = None
    seconds: int | None = None
    link: str | None = None
    truncated: bool = False
    score: float = 0.0
    chapter: str | None = None  # a transcript moment's chapter title


@dataclass(frozen=True, slots=True)
class CatalogueChanges:
    """Say exactly what one ingest changed, so a reader updates its in-memory catalogue in place.

    Given only when this ingest alone changed the data since the generation before `generation`
    and touched few episodes; otherwise readers rebuild from everything stored.
    """

    generation: int  # the ingest count this ingest's end set (see bot.storage.episodes.finish_ingest)
    keys: tuple[str, ...]  # episodes written or removed
    terms: tuple[tuple[str, int], ...]  # full-text index terms, each with its change in passage count


@dataclass(frozen=True, slots=True)
class IngestReport:
    """Say what an ingest run did, file by file."""

    loaded: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    failed: tuple[str, ...] = field(default=())  # one line each: "path:line: what was expected"
    warnings: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # files of a type ingest does not read (notes.md), each once
    changes: CatalogueChanges | None = None  # None: unknown, or nothing changed

    @property
    def ok(self) -> bool:
        """Tell whether every file loaded."""
        return not self.failed
