"""Merge cues into moments: one speaker's words, cut at sentence ends into pieces of about 15-45 seconds."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence

from bot.model import Chapter, Cue, Moment
from bot.text import normalize

MIN_SECONDS = 15.0  # a moment ends at the first sentence end after this long...
MAX_SECONDS = 45.0  # ...or, when no sentence ends in time, at the first cue end after this long
# A sentence ends at . ! ? or … (closing quotes and brackets may follow) before a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*(?= )")
_PUNCTUATION = frozenset(",.;:!?…)]}”’%")
_CLOSERS = "\"'”’)]"
_ENDERS = (".", "!", "?", "…")


def build_moments(
    cues: Sequence[Cue], chapters: Sequence[Chapter], speakers: Mapping[str, str]
) -> list[Moment]:
    """Return the moments of a transcript whose cues are in order of start (as the readers return them).

    A moment never spans a speaker's turn or a chapter start. Labels become people through
    `speakers` (`{"Guest 1": "Priya Raman"}`, matched ignoring case, spaces and underscores); an
    unmapped label is kept as written, never guessed.
    """
    builder = _Builder(_Chapters(chapters), _Speakers(speakers))
    for cue in cues:
        builder.add(cue)
    builder.flush()
    return builder.moments


class _Speakers:
    """Map transcript labels to people, remembering each label's answer."""

    def __init__(self, speakers: Mapping[str, str]) -> None:
        self.by_key = {normalize(label): " ".join(name.split()) for label, name in speakers.items()}
        self.known: dict[str | None, str | None] = {None: None}

    def __call__(self, label: str | None) -> str | None:
        if label not in self.known:
            found = self.by_key.get(normalize(label or ""))
            self.known[label] = found or label
        return self.known[label]


class _Chapters:
    """Tell which chapter a second falls in, and where the next one starts."""

    def __init__(self, chapters: Sequence[Chapter]) -> None:
        order = sorted(range(len(chapters)), key=lambda n: (chapters[n].start, n))
        self.index = order
        self.starts = [chapters[n].start for n in order]

    def at(self, second: float) -> tuple[int | None, float]:
        """Return (index of the chapter holding `second` or None, the next chapter's start)."""
        position = bisect.bisect_right(self.starts, second)
        following = self.starts[position] if position < len(self.starts) else float("inf")
        return (self.index[position - 1] if position else None), following


class _Builder:
    def __init__(self, chapters: _Chapters, speakers: _Speakers) -> None:
        self.chapters, self.speakers = chapters, speakers
        self.moments: list[Moment] = []
        self.parts: list[str] = []
        self.size = 0  # characters in `parts` joined by spaces
        self.sentences: list[tuple[int, float]] = []
        self.start = self.end = 0.0
        self.speaker: str | None = None
        self.chapter: int | None = None
        self.chapter_ends = float("-inf")  # forces the first cue to look its chapter up
        self.ended = True  # the text so far ends a sentence

    def add(self, cue: Cue) -> None:
        speaker = self.speakers(cue.speaker)
        if cue.start >= self.chapter_ends:
            chapter, self.chapter_ends = self.chapters.at(cue.start)
            if chapter != self.chapter:
                self.flush()
                self.chapter = chapter
        if self.parts and (cue.turn or speaker != self.speaker):
            self.flush()
        self.speaker = speaker
        if self.parts and cue.end - self.start > MAX_SECONDS:
            self.flush()
        self._add_text(cue)

    def _add_text(self, cue: Cue) -> None:
        """Add the cue's text sentence by sentence, cutting after a sentence end once long enough."""
        text, span = cue.text, cue.end - cue.start
        cuts = [m.end() for m in _SENTENCE_END.finditer(text)] if " " in text else []
        begin = 0
        for cut in [*cuts, len(text)]:
            piece = text[begin:cut].strip()
            if piece:
                at = cue.start + span * begin / len(text)
                self._add_piece(piece, at, cue.start + span * cut / len(text))
                self.ended = cut < len(text) or piece.rstrip(_CLOSERS)[-1:] in _ENDERS
                if self.ended and self.end - self.start >= MIN_SECONDS:
                    self.flush()
            begin = cut

    def _add_piece(self, piece: str, at: float, end: float) -> None:
        if not self.parts:
            self.start = at
        joined = piece[0] in _PUNCTUATION  # a word-per-segment transcript's "," or "."
        offset = self.size + (0 if joined or not self.parts else 1)
        if self.ended:
            self.sentences.append((offset, at))
        if joined and self.parts:
            self.parts[-1] += piece
        else:
            self.parts.append(piece)
        self.size = offset + len(piece)
        self.end = max(self.end, end)

    def flush(self) -> None:
        """Close the moment being built, if any."""
        if not self.parts:
            return
        text = " ".join(self.parts)
        sentences = self.sentences or [(0, self.start)]
        self.moments.append(Moment(self.start, self.end, self.speaker, self.chapter, text, tuple(sentences)))
        self.parts, self.sentences, self.size, self.ended = [], [], 0, True
        self.end = 0.0
