"""Search helpers: safe FTS5 queries with typo correction, and in-memory indexes for names and titles."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz, process

from bot.text import normalize

# Words that say nothing about which passage is meant; kept out of MATCH so "the" cannot match all.
_STOPWORDS = (
    "a about above after again against all also am an and any are as at be because been before being "
    "below between both but by can could did do does doing done down during each even few for from "
    "further get got had has have having he her here hers herself him himself his how i if in into is "
    "it its itself just like me more most much my myself no nor not now of off on once one only or "
    "other our ours out over own really s same she should so some such t than that the their theirs "
    "them themselves then there these they this those through to too under until up us very was we "
    "were what when where which while who whom why will with would you your yours"
)
STOPWORDS = frozenset(_STOPWORDS.split())
# Words that frame a question rather than name its subject ("what did X say about Y").
_QUESTION_WORDS = (
    "say said says saying tell told talk talks talked talking think thinks thought mention mentions "
    "mentioned discuss discussed explain explained anyone someone somebody anything something "
    "please know guest guests episode episodes podcast show"
)
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
MAX_GROUPS = 6
MIN_QUERY_CHARS = 3


def fts_phrase(token: str, prefix: bool = False) -> str:
    """Return `token` as one quoted FTS5 string, so no character in it acts as syntax."""
    return '"' + token.replace('"', '""') + '"' + ("*" if prefix else "")


def escape_fts(text: str) -> str | None:
    """Return user text as an FTS5 query matching all its words; None when no word is left."""
    tokens = text.split()
    return " ".join(fts_phrase(token) for token in tokens) or None


def content_words(text: str, extra_stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Return the normalized words of `text` that can identify a passage, in order, once each."""
    words = []
    for word in normalize(text).split():
        if word not in STOPWORDS and word not in extra_stopwords and word not in words:
            words.append(word)
    return words


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A search over full text: each group is a typed word and the index terms it may stand for."""

    words: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]

    @property
    def need(self) -> int:
        """Return how many groups a passage must match: all of one or two, then about 60 %."""
        return max(1, math.ceil(0.6 * len(self.groups)))

    def match(self) -> str | None:
        """Return the MATCH expression for passages matching at least `need` groups."""
        if not self.groups:
            return None
        parts = [_group_expr(group) for group in self.groups]
        if self.need == len(parts):
            return " AND ".join(parts)
        return " OR ".join(f"({' AND '.join(combo)})" for combo in combinations(parts, self.need))

    def coverage(self, text: str) -> float:
        """Return the share of groups whose word (or a correction) appears in `text`."""
        words = normalize(text).split()
        hits = sum(1 for group in self.groups if any(_same_stem(form, w) for form in group for w in words))
        return hits / len(self.groups) if self.groups else 0.0

    def similarity(self, text: str) -> float:
        """Return 0-100: how closely `text` contains the typed words as a phrase."""
        return fuzz.partial_ratio(" ".join(self.words), normalize(text))


def plan_query(words: Sequence[str], vocabulary: Vocabulary) -> TextQuery:
    """Build a TextQuery, adding index terms close to each word the index does not know."""
    words = [w for w in words if len(w) >= 2][:MAX_GROUPS]
    if sum(len(w) for w in words) < MIN_QUERY_CHARS:
        return TextQuery((), ())
    return TextQuery(tuple(words), tuple((w, *vocabulary.corrections(w)) for w in words))


def _group_expr(group: tuple[str, ...]) -> str:
    word, *corrections = group
    # A long word may be cut short ("languag"); corrections are stems, which the tokenizer may
    # stem again, so they match as prefixes.
    forms = [fts_phrase(word, prefix=len(word) >= 5)] + [fts_phrase(c, prefix=True) for c in corrections]
    return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"


def _same_stem(form: str, word: str) -> bool:
    """Tell whether two words plausibly share a stem ("coding"/"code", "languag"/"language")."""
    shared = 0
    for a, b in zip(form, word, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= min(len(form), len(word), max(3, len(form) - 3))


class Vocabulary:
    """Hold the full-text index's terms, to correct typed words the index does not contain."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = sorted({t for t in terms if len(t) >= 3 and not t.isdigit()})
        self._known = frozenset(self.terms)

    def knows(self, word: str) -> bool:
        """Tell whether `word` or a stem of it (at most 3 letters shorter) is an index term."""
        shortest = max(4, len(word) - 3)
        return word in self._known or any(word[:n] in self._known for n in range(shortest, len(word)))

    def corrections(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Return up to `limit` index terms within about one typo of an unknown `word`."""
        if len(word) < 4 or word.isdigit() or self.knows(word):
            return ()
        cutoff = 75 if len(word) <= 5 else 80
        found = process.extract(word, self.terms, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
        return tuple(term for term, _, _ in found)


class NameIndex:
    """Find entries by words typed in any order, tolerating prefixes, typos, case and accents."""

    def __init__(self, entries: Iterable[tuple[int, Sequence[str]]], priority: Mapping[int, float]) -> None:
        self._names: list[tuple[int, tuple[str, ...]]] = []
        self._postings: dict[str, list[int]] = {}
        for entry_id, names in entries:
            for name in dict.fromkeys(normalize(n) for n in names):
                if name:
                    self._add(entry_id, tuple(name.split()))
        self._vocab = sorted(self._postings)
        self._priority = priority

    def _add(self, entry_id: int, words: tuple[str, ...]) -> None:
        index = len(self._names)
        self._names.append((entry_id, words))
        for word in dict.fromkeys(words):
            self._postings.setdefault(word, []).append(index)

    def exact(self, text: str) -> list[int]:
        """Return the entries with a name that normalizes to exactly `text`."""
        words = tuple(normalize(text).split())
        if not words:
            return []
        return [e for e, name in (self._names[i] for i in self._postings.get(words[0], ())) if name == words]

    def search(self, text: str, limit: int = 25, cutoff: float = 0.0) -> list[tuple[int, float]]:
        """Return up to `limit` (entry, score 0-100) best first, scoring every typed word."""
        tokens = list(dict.fromkeys(normalize(text).split()))[:8]
        if not tokens:
            return []
        totals: dict[int, float] = {}
        hits: dict[int, int] = {}
        for token in tokens:
            for index, score in self._token_scores(token).items():
                totals[index] = totals.get(index, 0.0) + score
                hits[index] = hits.get(index, 0) + 1
        best: dict[int, float] = {}
        for index, total in totals.items():
            entry_id, words = self._names[index]
            # Mostly how well each typed word matched; a little for how much of the name was typed.
            score = 0.9 * total / len(tokens) + 10.0 * min(hits[index], len(words)) / len(words)
            if score >= cutoff and score > best.get(entry_id, -1.0):
                best[entry_id] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], -self._priority.get(item[0], 0.0)))
        return ranked[:limit]

    def _token_scores(self, token: str) -> dict[int, float]:
        """Return name index -> best score of `token` against that name's words."""
        scores: dict[int, float] = {}
        for word, score in self._word_matches(token).items():
            for index in self._postings[word]:
                if score > scores.get(index, 0.0):
                    scores[index] = score
        return scores

    def _word_matches(self, token: str) -> dict[str, float]:
        matches: dict[str, float] = {}
        start = bisect.bisect_left(self._vocab, token)
        for word in self._vocab[start:]:
            if not word.startswith(token):
                break
            matches[word] = 100.0 if word == token else 85.0 + 15.0 * len(token) / len(word)
        if len(token) >= 4 and not token.isdigit():
            cutoff = 75 if len(token) <= 5 else 80
            for word, score, _ in process.extract(
                token, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=10
            ):
                matches.setdefault(word, 0.95 * score)
        return matches
