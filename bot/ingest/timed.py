"""Read an episode's timed text: its transcript merged into moments, and its chapters."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataError
from bot.ingest.chapters import description_chapters, read_chapters
from bot.ingest.files import MAX_TRANSCRIPT_BYTES, read_file
from bot.ingest.moments import build_moments
from bot.ingest.page import split_lines
from bot.ingest.transcript import read_transcript
from bot.model import Chapter, EpisodeSource, Moment
from bot.sentences import pack
from bot.storage.episodes import ChapterRow, MomentRow
from bot.text import normalize

# Labels that machine transcripts give voices they cannot name; shown as written unless the
# metadata's [speakers] table maps them, never matched to a person by their words.
_GENERIC_LABEL = re.compile(
    r"(?:speaker|spk|guest|host|voice|person|participant|interviewer|interviewee|unknown|narrator)"
    r"(?:[\s_#-]*(?:\d+|[a-z]))?|s\d+|\d+",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Timed:
    """Hold the moments and chapters of one episode as rows, with what they were read from."""

    transcript: str | None = None  # the transcript's file name
    moments: tuple[MomentRow, ...] = ()  # plain tuples, as they go to the writer
    chapters: tuple[ChapterRow, ...] = ()
    digest: str = ""  # of the rows: equal digests need no rewrite
    warnings: tuple[str, ...] = ()


def is_generic_label(label: str) -> bool:
    """Tell a label a machine gives an unnamed voice (`SPEAKER_01`, `Guest 1`) from a name."""
    return _GENERIC_LABEL.fullmatch(label.strip()) is not None


def linked_transcript(meta: Path | None, src: EpisodeSource) -> Path | None:
    """Return the transcript the metadata file names (`transcript = ...`, relative to it), if any."""
    if meta is None or not src.transcript:
        return None
    return Path(os.path.abspath(meta.parent / src.transcript))


def read_linked(meta: Path, meta_bytes: bytes, path: Path) -> bytes:
    """Return the bytes of a transcript named by a metadata file; raise DataError at that key's line."""
    if not path.is_file():
        line = _key_line(meta_bytes, "transcript")
        got = "a folder" if path.is_dir() else "no such file"
        raise DataError(
            meta,
            line,
            f"expected a transcript file {os.path.relpath(path, meta.parent)!r} (relative to this file), "
            f"got {got}",
        )
    return read_file(path, MAX_TRANSCRIPT_BYTES)


def read_timed(
    src: EpisodeSource,
    transcript: Path | None,
    chapters_file: Path | None,
    contents: Mapping[Path, bytes],
    ignored: Sequence[Path] = (),
) -> Timed:
    """Return an episode's moments and chapters; raise DataError naming the file and line."""
    read = transcript.name if transcript is not None else "none"
    warnings = [f"{p}:1: not read: this episode's transcript is {read}" for p in ignored]
    chapters = _chapters(src, chapters_file, contents, warnings)
    moments: list[Moment] = []
    if transcript is not None:
        duration = src.duration_seconds
        cues = read_transcript(transcript, contents[transcript], duration=duration, warnings=warnings)
        moments = build_moments(cues, chapters, dict(src.speakers))
    people = _people(src)
    named: dict[str, str | None] = {}  # label -> person: an episode has a few labels, said thousands of times
    moment_rows = tuple(_moment_row(n, m, people, named) for n, m in enumerate(moments, 1))
    chapter_rows = tuple(_chapter_rows(chapters))
    digest = hashlib.blake2b(repr((moment_rows, chapter_rows)).encode(), digest_size=16).hexdigest()
    name = transcript.name if transcript is not None else None
    return Timed(name, moment_rows, chapter_rows, digest, tuple(warnings))


def _chapters(
    src: EpisodeSource, path: Path | None, contents: Mapping[Path, bytes], warnings: list[str]
) -> list[Chapter]:
    """Return the chapters: the metadata's, else the chapters file's, else the description's."""
    if src.chapters is not None:
        return [Chapter(float(seconds), title) for seconds, title in src.chapters]
    if path is not None:
        return read_chapters(path, contents[path], duration=src.duration_seconds, warnings=warnings)
    return description_chapters(src.description)


def _people(src: EpisodeSource) -> dict[str, str]:
    """Return normalized name or alias -> the name the episode's people are stored under."""
    known: dict[str, str] = {}
    for name in (*src.hosts, *src.guests, *(q.speaker for q in src.quotes)):
        known.setdefault(normalize(name), name)
    for person in src.people:
        for alias in (person.name, *person.aliases):
            known.setdefault(normalize(alias), person.name)
    return known


def _moment_row(
    position: int, moment: Moment, people: Mapping[str, str], named: dict[str, str | None]
) -> MomentRow:
    label = (moment.speaker or "").strip()
    if label not in named:
        named[label] = label_person(label, people)
    person = named[label]
    start = int(moment.start)
    sentences = [(offset, int(second)) for offset, second in moment.sentences]
    end = max(start, math.ceil(moment.end))
    unmapped = label if label and person is None else None
    return (position, person, unmapped, start, end, moment.text, pack(sentences, start))


def label_person(label: str, people: Mapping[str, str]) -> str | None:
    """Return the person a speaker label names: one of the episode's people by name or alias, or itself."""
    if not label:
        return None
    known = people.get(normalize(label))
    if known is not None:
        return known
    return None if is_generic_label(label) else label


def _chapter_rows(chapters: Sequence[Chapter]) -> list[ChapterRow]:
    rows: list[ChapterRow] = []
    for n, chapter in enumerate(chapters):
        end = int(chapters[n + 1].start) if n + 1 < len(chapters) else None
        rows.append((n + 1, int(chapter.start), end, " ".join(chapter.title.split())))
    return rows


def _key_line(data: bytes, key: str) -> int:
    lines = split_lines(data.decode("utf-8", errors="replace"))
    pattern = re.compile(rf"\s*['\"]?{re.escape(key)}['\"]?\s*=")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), 1)
