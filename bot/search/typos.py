"""Typo correction whose cost does not grow with the vocabulary, and the English word list it respects."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

from rapidfuzz import fuzz

from bot.slices import EVERY, Steps, drain

# A word at least this common in English (wordfreq's Zipf scale: 3 is once per million words) is a
# word, not a typo, even when the index lacks it: "llama" (2.95) is never rewritten into "llm".
# Misspellings as common as "definately" (2.87) count as words too, which costs a correction now
# and then but never turns a real word into an answer about something else.
ENGLISH_MIN_ZIPF = 2.5
_LONG = 7  # from this length a typed word may hold two typos
PASSAGE_WORDS = 20
RAREST = 1e-5  # a word rarer than English's list: in one passage in 100,000
UPDATE_MIN = 2000  # terms an updated index may differ by from the tables it shares before it is rebuilt


@functools.cache
def english_words() -> dict[str, float]:
    """Return English words at least as common as ENGLISH_MIN_ZIPF with their Zipf values (loads in ~1 s)."""
    from wordfreq import get_frequency_dict, get_frequency_list  # noqa: PLC0415 (loading takes a second)

    least = 10 ** (ENGLISH_MIN_ZIPF - 9)
    words = {
        w: math.log10(f) + 9 for w, f in get_frequency_dict("en", wordlist="large").items() if f >= least
    }
    # wordfreq remembers its whole list (320,000 words); only the 54,000 above are needed.
    get_frequency_dict.cache_clear()
    get_frequency_list.cache_clear()
    return words


def is_english(word: str) -> bool:
    """Tell whether a normalized word is a common enough English word to never count as a typo."""
    return word in english_words()


def english_zipf(word: str) -> float:
    """Return how common a word is in English on the Zipf scale (0 for rarer than ENGLISH_MIN_ZIPF)."""
    return english_words().get(word, 0.0)


def english_idf(word: str) -> float:
    """Return how telling a word would be among passages of plain English (about 20 words each)."""
    per_passage = PASSAGE_WORDS * 10 ** (english_zipf(word) - 9) if word in english_words() else 0.0
    return math.log(1 + 1 / max(per_passage, RAREST))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def cutoff(word: str) -> float:
    """Return the least fuzz.ratio a correction of `word` needs: one wrong letter costs more when short."""
    return 75.0 if len(word) <= 5 else 80.0


class TypoIndex:
    """Find the terms within a typo or two of a word through their one-letter deletions.

    A word and a term one typo apart (a letter dropped, added, changed, or two swapped) share a
    deletion, so a lookup reads a few dictionary entries whatever the vocabulary's size, instead
    of comparing the word with every term.

    An updated index shares its predecessor's tables and keeps the difference beside them (terms
    added, terms removed), so a reload that changed a few terms copies nothing large.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        drain(self._fill(terms))

    @classmethod
    def built(cls, terms: Iterable[str]) -> Steps[TypoIndex]:
        """Build the index a few terms at a time (see bot.slices)."""
        index = cls.__new__(cls)
        yield from index._fill(terms)
        return index

    def _fill(self, terms: Iterable[str]) -> Steps[None]:
        self._terms: set[str] = set()
        self._by_delete: dict[str, list[str]] = {}
        self._added: set[str] = set()  # terms not in _terms
        self._added_by_delete: dict[str, list[str]] = {}
        self._removed: set[str] = set()  # terms of _terms no longer held
        by_delete = self._by_delete
        for n, term in enumerate(terms, 1):
            self._terms.add(term)
            for variant in _deletes(term):
                by_delete.setdefault(variant, []).append(term)
            if not n % EVERY:
                yield

    def updated(self, added: Iterable[str], removed: Iterable[str]) -> Steps[TypoIndex]:
        """Return an index holding these terms plus `added` minus `removed`, this one unchanged.

        Rebuilt whole once the differences outgrow a tenth of the shared tables.
        """
        extra, gone = set(self._added), set(self._removed)
        for term in removed:
            if term in extra:
                extra.discard(term)
            elif term in self._terms:
                gone.add(term)
        for term in added:
            if term in gone:
                gone.discard(term)
            elif term not in self._terms:
                extra.add(term)
        if len(extra) + len(gone) > max(UPDATE_MIN, len(self._terms) // 10):
            return (yield from TypoIndex.built(sorted((self._terms - gone) | extra)))
        index = TypoIndex.__new__(TypoIndex)
        index._terms, index._by_delete = self._terms, self._by_delete
        index._added, index._removed = extra, gone
        index._added_by_delete = {}
        for n, term in enumerate(extra, 1):
            for variant in _deletes(term):
                index._added_by_delete.setdefault(variant, []).append(term)
            if not n % EVERY:
                yield
        return index

    def terms(self) -> set[str]:
        """Return every term the index holds."""
        return (self._terms - self._removed) | self._added

    def __len__(self) -> int:
        return len(self._terms) - len(self._removed) + len(self._added)

    def matches(self, word: str, limit: int, score_cutoff: float | None = None) -> list[tuple[str, float]]:
        """Return up to `limit` (term, fuzz.ratio) best first, for terms about one typo from `word`."""
        variants = {word} | _deletes(word)
        if len(word) >= _LONG:
            variants |= {d for v in list(variants) for d in _deletes(v)}
        found: set[str] = set()
        by_delete, terms, added = self._by_delete, self._terms, self._added
        for variant in variants:
            if variant in terms or variant in added:
                found.add(variant)
            found.update(by_delete.get(variant, ()))
        if added:
            for variant in variants:
                found.update(self._added_by_delete.get(variant, ()))
        if self._removed:
            found -= self._removed
        least = cutoff(word) if score_cutoff is None else score_cutoff
        scored = [(term, fuzz.ratio(word, term)) for term in found]
        scored = [(term, score) for term, score in scored if score >= least]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored[:limit]
