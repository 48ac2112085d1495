"""A minimal stand-in for the transcript and chapter readers, until the full readers replace it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DataError


@dataclass(frozen=True, slots=True)
class Cue:
    """Hold one timed piece of a transcript."""

    start: float
    end: float
    text: str
    speaker: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Chapter:
    """Hold one chapter: where it starts and its title."""

    start: float
    title: str
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Moment:
    """Hold a piece of one speaker's consecutive speech with each sentence's offset and second."""

    start: float
    end: float
    speaker: str | None
    text: str
    chapter: int | None = None
    sentences: tuple[tuple[int, float], ...] = ()


_TIMING = re.compile(r"((?:\d+:)?\d+:\d+[.,]\d+)\s*-->\s*((?:\d+:)?\d+:\d+[.,]\d+)")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>")
_LABEL = re.compile(r"^\[?([A-Z][\w .'-]{0,40}?)\]?:\s+")
_TAG = re.compile(r"<[^>]*>")
_CHAPTER_LINE = re.compile(r"^\(?((?:\d+:)?\d{1,2}:\d{2})\)?\s*[-–:]?\s*(.+)$")
_SENTENCE_END = re.compile(r"[.!?]['\"”’)]*$")


def _seconds(text: str) -> float:
    parts = text.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def read_transcript(path: Path, data: bytes) -> list[Cue]:
    """Return the cues of a WebVTT, SubRip or JSON transcript."""
    text = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    if path.suffix.lower() == ".json":
        return _json_cues(path, text)
    cues: list[Cue] = []
    speaker = None
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        match = _TIMING.search(lines[number])
        number += 1
        if not match:
            continue
        start_line = number
        body = []
        while number < len(lines) and lines[number].strip():
            body.append(lines[number].strip())
            number += 1
        joined = " ".join(body)
        voice = _VOICE.match(joined) or _LABEL.match(joined)
        if voice:
            speaker = voice.group(1).strip()
            joined = joined[voice.end() :]
        joined = " ".join(_TAG.sub("", joined).split())
        if joined:
            cues.append(Cue(_seconds(match[1]), _seconds(match[2]), joined, speaker, start_line))
    if not cues and "-->" not in text:
        raise DataError(path, 1, "expected a WebVTT, SubRip or JSON transcript, got none of them")
    return sorted(cues, key=lambda c: c.start)


def _json_cues(path: Path, text: str) -> list[Cue]:
    try:
        segments = json.loads(text)["segments"]
        if "startTime" in segments[0]:
            return [
                Cue(float(s["startTime"]), float(s["endTime"]), s["body"].strip(), s.get("speaker"))
                for s in segments
                if s["body"].strip()
            ]
        return [
            Cue(float(s["start"]), float(s["end"]), s["text"].strip(), s.get("speaker"))
            for s in segments
            if s["text"].strip()
        ]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise DataError(path, 1, "expected a JSON transcript with `segments`, got something else") from None


def read_chapters(path: Path, data: bytes) -> list[Chapter]:
    """Return the chapters of a Podcasting 2.0 chapters file."""
    try:
        items = json.loads(data.decode("utf-8").removeprefix("\ufeff"))["chapters"]
        return [Chapter(float(c["startTime"]), str(c.get("title") or "").strip()) for c in items]
    except (ValueError, KeyError, TypeError):
        raise DataError(path, 1, "expected a chapters file with `chapters`, got something else") from None


def description_chapters(text: str) -> list[Chapter]:
    """Return chapter lines (`00:00 Intro`) of a description: three or more, ascending, from 0:00."""
    found = []
    for line in text.splitlines():
        match = _CHAPTER_LINE.match(line.strip())
        if match:
            found.append(Chapter(_seconds(match[1]), match[2].strip()))
    starts = [c.start for c in found]
    if len(found) < 3 or starts[0] != 0 or starts != sorted(starts):
        return []
    return found


def build_moments(
    cues: Sequence[Cue], chapters: Sequence[Chapter], speakers: Mapping[str, str]
) -> list[Moment]:
    """Merge cues into moments: one speaker, one chapter, cut at a sentence end after 15 s."""
    starts = [c.start for c in chapters]
    moments: list[Moment] = []
    parts: list[str] = []
    sentences: list[tuple[int, float]] = []
    current: tuple[str | None, int | None] = (None, None)
    first = last = 0.0

    def flush() -> None:
        if parts:
            moments.append(Moment(first, last, current[0], " ".join(parts), current[1], tuple(sentences)))
        parts.clear()
        sentences.clear()

    for cue in cues:
        speaker = speakers.get(cue.speaker or "", cue.speaker)
        chapter = max((n for n, s in enumerate(starts) if s <= cue.start), default=None)
        if (speaker, chapter) != current or (cue.start - first >= 45 and parts):
            flush()
        if not parts:
            first, current = cue.start, (speaker, chapter)
        offset = len(" ".join(parts)) + (1 if parts else 0)
        if not sentences or _SENTENCE_END.search(parts[-1] if parts else ""):
            sentences.append((offset, cue.start))
        parts.append(cue.text)
        last = cue.end
        if cue.end - first >= 15 and _SENTENCE_END.search(cue.text):
            flush()
    flush()
    return moments
