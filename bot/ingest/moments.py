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
_ENDS = frozenset(".!?…")
_new = tuple.__new__  # builds a Moment without the named tuple's Python-level __new__


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


def _only_punctuation(text: str) -> bool:
    return len(text) <= 3 and all(ch in _PUNCTUATION for ch in text)


class _Speakers:
    """Map transcript labels to people, remembering each label's answer."""

    def __init__(self, speakers: Mapping[str, str]) -> None:
        self.by_key = {normalize(label): " ".join(name.split()) for label, name in speakers.items()}
        self.known: dict[str | None, str | None] = {None: None}

    def __call__(self, label: str | None) -> str | None:
        try:
            return self.known[label]
        except KeyError:
            found = self.by_key.get(normalize(label or "")) or label
            self.known[label] = found
            return found


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
    """Collect cue text into the moment being built; the common cue (no sentence end inside) is inlined."""

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
        start, end, text, label, _, turn = cue
        known = self.speakers.known
        speaker = known[label] if label in known else self.speakers(label)
        if start >= self.chapter_ends:
            chapter, self.chapter_ends = self.chapters.at(start)
            if chapter != self.chapter:
                self.flush()
                self.chapter = chapter
        if self.parts and (turn or speaker != self.speaker or end - self.start > MAX_SECONDS):
            self.flush()
        self.speaker = speaker
        if " " in text and _SENTENCE_END.search(text):
            self._sentences(text, start, end)
            return
        # The common cue, inlined: no sentence ends inside it.
        parts = self.parts
        if parts:
            joined = text[0] in _PUNCTUATION and _only_punctuation(text)
            offset = self.size if joined else self.size + 1
        else:
            self.start, offset = start, 0
        if self.ended:
            self.sentences.append((offset, start))
        if offset == self.size and parts:
            parts[-1] += text
        else:
            parts.append(text)
        self.size = offset + len(text)
        self.end = max(self.end, end)
        last = text[-1]
        self.ended = last in _ENDS or (last in _CLOSERS and text.rstrip(_CLOSERS)[-1:] in _ENDS)
        if self.ended and end - self.start >= MIN_SECONDS:
            self.flush()

    def _sentences(self, text: str, start: float, end: float) -> None:
        """Add a cue with sentence ends inside, cutting after one once the moment is long enough."""
        span, length, begin, said = end - start, len(text), 0, start
        for match in _SENTENCE_END.finditer(text):
            cut = match.end()  # a space follows: the next sentence starts after it
            until = start + span * cut / length
            self._piece(text[begin:cut], said, until, new_cue=not begin)
            if self.end - self.start >= MIN_SECONDS:
                self.flush()
            begin, said = cut + 1, until
        if begin < length:
            self._piece(text[begin:], said, end, new_cue=not begin)
            if self.ended and end - self.start >= MIN_SECONDS:
                self.flush()

    def _piece(self, piece: str, at: float, end: float, *, new_cue: bool) -> None:
        """Append a piece of text said from `at` to `end`, noting where a sentence starts (as `add`)."""
        parts = self.parts
        if not parts:
            self.start, offset = at, 0
        elif new_cue and piece[0] in _PUNCTUATION and _only_punctuation(piece):
            offset = self.size  # a word-per-segment transcript's "," or "."
        else:
            offset = self.size + 1
        if self.ended:
            self.sentences.append((offset, at))
        if offset == self.size and parts:
            parts[-1] += piece
        else:
            parts.append(piece)
        self.size = offset + len(piece)
        self.end = max(self.end, end)
        last = piece[-1]
        self.ended = last in _ENDS or (last in _CLOSERS and piece.rstrip(_CLOSERS)[-1:] in _ENDS)

    def flush(self) -> None:
        """Close the moment being built, if any."""
        if not self.parts:
            return
        sentences = tuple(self.sentences) or ((0, self.start),)
        self.moments.append(
            _new(Moment, (self.start, self.end, self.speaker, self.chapter, " ".join(self.parts), sentences))
        )
        self.parts, self.sentences, self.size, self.ended = [], [], 0, True
        self.end = 0.0
