"""Show a transcript moment by its best part: the sentence with the typed words, its second, some context."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.search.fulltext import TextQuery
from bot.sentences import unpack
from bot.text import normalize

CONTEXT_WORDS = 12  # words shown on each side of the matching sentence, at most
CONTEXT_CHARS = 360
# BM25 scores every match of a MATCH expression, at some microseconds each: past this many
# matches, ranking would outlast the answer's budget, so the moments are taken another way.
RANK_BUDGET = 1000
_WORD = re.compile(r"\w+")


def moment_searches(query: TextQuery) -> list[tuple[str, bool]]:
    """Return the (MATCH expression, ranked) searches to run in turn until enough moments are found."""
    # The full expression (about 60 % of the words) when BM25 can rank its matches; else first
    # the moments holding every word, ranked, as their count is at most the rarest word's; then
    # the full expression again, newest first, to fill up.
    match = query.match()
    if match is None:
        return []
    if query.ranked and query.scan_estimate() <= RANK_BUDGET:
        return [(match, True)]
    rare = [(docs, expr) for expr, docs, common in zip(query.exprs, query.docs, query.common, strict=True)
            if not common] or list(zip(query.docs, query.exprs, strict=True))  # fmt: skip
    every = " AND ".join(expr for _, expr in rare)
    if len(rare) > 1 and min(docs for docs, _ in rare) <= RANK_BUDGET and every != match:
        return [(every, True), (match, False)]
    return [(match, False)]


@dataclass(frozen=True, slots=True)
class Excerpt:
    """Hold the words shown for a moment, where they are said, and which of them were typed."""

    text: str
    seconds: int
    matched: tuple[tuple[int, int], ...]


def excerpt(text: str, marks: bytes | None, start: int, query: TextQuery) -> Excerpt:
    """Return the sentence of a moment that matches `query` best, with a few words around it."""
    starts = [(offset, second) for offset, second in unpack(marks, start) if offset < len(text)]
    spans = [
        (o, starts[n + 1][0] if n + 1 < len(starts) else len(text), s) for n, (o, s) in enumerate(starts)
    ]
    matcher = WordMatcher(query)
    best = max(spans, key=lambda span: matcher.count(text[span[0] : span[1]]))
    begin, end, second = best
    shown = _widen(text, begin, end)
    return Excerpt(shown, second, matcher.spans(shown))


def _widen(text: str, begin: int, end: int) -> str:
    """Return text[begin:end] with up to CONTEXT_WORDS words either side, marked "…" where cut."""
    before = text[:begin].split()
    after = text[end:].split()
    sentence = " ".join(text[begin:end].split())
    if len(sentence) >= CONTEXT_CHARS:
        return sentence[: CONTEXT_CHARS - 1].rstrip() + "…"
    room = CONTEXT_CHARS - len(sentence)
    lead = _take(list(reversed(before)), room // 2)[::-1]
    tail = _take(after, room - len(" ".join(lead)))
    shown = " ".join([*lead, sentence, *tail])
    if len(lead) < len(before):
        shown = "…" + shown
    if len(tail) < len(after):
        shown += "…"
    return shown


def _take(words: list[str], room: int) -> list[str]:
    taken: list[str] = []
    used = 0
    for word in words[:CONTEXT_WORDS]:
        if used + len(word) + 1 > room:
            break
        taken.append(word)
        used += len(word) + 1
    return taken


def _key(word: str) -> str:
    """Return a word's matching key: lower case for plain ASCII (most words), else normalized."""
    return word.lower() if word.isascii() and word.isalnum() else normalize(word)


class WordMatcher:
    """Tell which words of a text stand for typed words: as typed, inflected, or corrected."""

    def __init__(self, query: TextQuery) -> None:
        self.words = frozenset(query.words)
        prefixes: list[str] = []
        for stem, group in zip(query.stems, query.groups, strict=True):
            prefixes += [stem, *group[1:]] if len(stem) >= 3 else list(group[1:])
        self.prefixes = tuple(prefixes)
        # The forms that hold a typed word fully: as typed, its stem, a plural, a typo's correction.
        self.full = frozenset().union(*query.forms, *(group[1:] for group in query.groups))

    def hit(self, word: str) -> bool:
        """Tell whether one word (any case or accents) stands for a typed word."""
        norm = _key(word)
        return bool(norm) and (norm in self.words or (bool(self.prefixes) and norm.startswith(self.prefixes)))

    def count(self, text: str) -> float:
        """Return how many different typed words `text` holds, a word merely starting with a stem as half.

        Asked "how heavy are the stones in the pont du gard", the sentence with "stones" is meant,
        not the one with "Gardon" (which starts with the stem "gard").
        """
        keys = {_key(m[0]) for m in _WORD.finditer(text) if self.hit(m[0])}
        full = keys & self.full
        return len(full) + 0.5 * len(keys - full)

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """Return (start, end) of every word of `text` that stands for a typed word."""
        return tuple(m.span() for m in _WORD.finditer(text) if self.hit(m[0]))
