"""Search helpers: safe FTS5 queries with typo correction, and in-memory indexes for names and titles."""

from __future__ import annotations

import functools
import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from bot.search.typos import TypoIndex, english_idf, is_english
from bot.slices import Steps, copied, drain
from bot.text import normalize, normalize_passage

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
CONTEXT_SHARE = 0.4  # a question's context words together weigh at most this share of its subject
MIN_QUERY_CHARS = 3
TOKENIZER = "porter unicode61 remove_diacritics 2"  # as in migrations/0001_initial.sql
COMMON_SHARE = 0.01  # a word in more than 1 % of passages ...
PRIOR_PASSAGES = 2000  # as many passages as it takes for the index's counts to outweigh English's
COMMON_MIN_DOCS = 500  # ... and in more than this many is left out of MATCH when rarer words exist


def fts_phrase(token: str, prefix: bool = False) -> str:
    """Return `token` as one quoted FTS5 string, so no character in it acts as syntax."""
    # SQLite reads the expression as a C string: a NUL would end it inside the quotes.
    return '"' + token.replace("\x00", "").replace('"', '""') + '"' + ("*" if prefix else "")


_PHRASE = re.compile(r'"(?:[^"]|"")*"')


def phrase_count(match: str) -> int:
    """Return how many quoted strings (each one word's index entries to read) a MATCH expression holds."""
    return len(_PHRASE.findall(match))


def content_words(text: str, extra_stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Return the normalized words of `text` that can identify a passage, in order, once each."""
    words = []
    for word in normalize(text).split():
        if word not in STOPWORDS and word not in extra_stopwords and word not in words:
            words.append(word)
    return words


def _starts_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """Return a pattern finding, in words joined by spaces, each word starting with one of `prefixes`."""
    if not prefixes:
        return None
    longest_first = sorted(prefixes, key=len, reverse=True)
    return re.compile(r"(?<![^ ])(?:" + "|".join(map(re.escape, longest_first)) + r")[^ ]*")


def _needed(words: int) -> int:
    """Return how many of `words` typed words a passage must contain: about 60 %, at least one."""
    return max(1, math.ceil(0.6 * words))


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A full-text search: per typed word, its stem, the index terms it may stand for, and rarity."""

    words: tuple[str, ...]
    stems: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()  # per word: the word, then corrections (index terms)
    common: tuple[bool, ...] = ()  # the word is in so many passages that ranking them all is slow
    exprs: tuple[str, ...] = ()  # per word: its MATCH expression
    docs: tuple[int, ...] = ()  # per word: passages containing it (or a correction)
    weights: tuple[float, ...] = ()  # per word: how much finding it counts (rarity times focus)
    # Per word: the starts of the index terms it stands for; then all of them, to skip at once the
    # words of a passage that start with none (most of them).
    prefixes: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False, default=())
    any_prefix: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())
    # Per word: the forms that hold it fully (as typed, its stem, their plurals and singulars).
    forms: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False, default=())
    _starts: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        prefixes = tuple(
            (stem, *group[1:]) if len(stem) >= 3 else group[1:]
            for stem, group in zip(self.stems, self.groups, strict=False)  # hits_in checks the lengths
        )
        object.__setattr__(self, "prefixes", prefixes)
        object.__setattr__(self, "any_prefix", tuple(dict.fromkeys(p for each in prefixes for p in each)))
        object.__setattr__(self, "_starts", _starts_pattern(self.any_prefix))
        forms = tuple(
            frozenset({word, stem} | _plural_forms(word) | _plural_forms(stem))
            for word, stem in zip(self.words, self.stems, strict=False)  # strengths_in checks the lengths
        )
        object.__setattr__(self, "forms", forms)

    @property
    def need(self) -> int:
        """Return how many groups a passage must match: all of one or two, then about 60 %."""
        return _needed(len(self.groups))

    @property
    def ranked(self) -> bool:
        """Tell whether BM25 can rank every match: some typed word is distinctive."""
        return not all(self.common)

    def match(self) -> str | None:
        """Return the MATCH expression: distinctive words, about 60 % of them; else every word."""
        rare = [expr for expr, common in zip(self.exprs, self.common, strict=True) if not common]
        parts = rare or list(self.exprs)
        if not parts:
            return None
        need = _needed(len(parts)) if rare else len(parts)
        if need == len(parts):
            return " AND ".join(parts)
        return " OR ".join(f"({' AND '.join(combo)})" for combo in combinations(parts, need))

    def scan_estimate(self) -> int:
        """Return roughly how many index entries the MATCH expression walks through."""
        chosen = [d for d, common in zip(self.docs, self.common, strict=True) if not common] or list(
            self.docs
        )
        all_needed = not self.ranked or len(chosen) <= 2
        return min(chosen, default=0) if all_needed else sum(chosen)

    def match_any(self, budget: int) -> str | None:
        """Return a MATCH for passages holding any of the rarest words, reading about `budget` entries.

        Words are taken rarest first while their passages add up to at most `budget` (the rarest
        always), so a question's common words rank candidates without making FTS5 rank thousands.
        When every word is common, all of them must match, as in match().
        """
        chosen = self._rarest(budget)
        if not chosen:
            return self.match()
        return " OR ".join(self.exprs[i] for i in chosen)

    def any_estimate(self, budget: int) -> int:
        """Return roughly how many passages match `match_any(budget)`: the sum of its words' counts."""
        chosen = self._rarest(budget)
        return sum(self.docs[i] for i in chosen) if chosen else self.scan_estimate()

    def _rarest(self, budget: int) -> list[int]:
        """Return the words `match_any(budget)` takes, rarest first (none when every word is common)."""
        chosen: list[int] = []
        read = 0
        for i in sorted(range(len(self.groups)), key=self.docs.__getitem__):
            if self.common[i] or (chosen and read + self.docs[i] > budget):
                continue
            chosen.append(i)
            read += self.docs[i]
        return chosen

    def _starting(self, words: Set[str]) -> list[str]:
        """Return the `words` (normalized, so without spaces) that start with one of the prefixes."""
        # One pass of a compiled pattern over the words joined takes about half the time of
        # testing each word with startswith in Python, for every candidate of every question.
        return self._starts.findall(" ".join(words)) if self._starts is not None else []

    def hits(self, text: str) -> list[bool]:
        """Return, per typed word, whether `text` holds it, inflected or corrected."""
        return self.hits_in(set(normalize_passage(text).split()))

    def hits_in(self, words: Set[str]) -> list[bool]:
        """Return, per typed word, whether the normalized `words` hold it, inflected or corrected."""
        starting = self._starting(words)
        return [
            word in words or any(w.startswith(prefixes) for w in starting)
            for word, prefixes in zip(self.words, self.prefixes, strict=True)
        ]

    def strengths_in(self, words: Set[str], inflected: float) -> list[float]:
        """Return, per typed word, 1 when `words` hold it, `inflected` when only another form of its stem.

        The word counts as held as typed, as its base form ("pipe" for "piped"), as a plural, or as
        a correction of a typo; "stocked" for "stock" is only another form. Porter's stems join
        forms whose meanings part ("stock" and "stocked", "sit" and "sitting"): such a form says
        less about what the passage is about than the typed word does.
        """
        # Corrections and stems are among the query's prefixes: only the words starting with one
        # of those (few, often none) can hold a word by either.
        starting = self._starting(words)
        found = []
        for stem, group, forms in zip(self.stems, self.groups, self.forms, strict=True):
            corrected = len(group) > 1 and any(w.startswith(group[1:]) for w in starting)
            if corrected or not forms.isdisjoint(words):
                found.append(1.0)
            elif len(stem) >= 3 and any(w.startswith(stem) for w in starting):
                found.append(inflected)
            else:
                found.append(0.0)
        return found

    def coverage(self, text: str) -> float:
        """Return the share of typed words that appear in `text`, inflected or corrected."""
        return self.coverage_normalized(normalize_passage(text))

    def coverage_normalized(self, text: str) -> float:
        """Return the share of typed words that appear in normalized `text`, inflected or corrected."""
        if not self.groups:
            return 0.0
        return sum(self.hits_in(set(text.split()))) / len(self.groups)

    def weighted_coverage(self, text: str) -> float:
        """Return the share of the words' weight that `text` holds: rare, focused words count most."""
        total = sum(self.weights)
        if not total:
            return 0.0
        return sum(w for w, hit in zip(self.weights, self.hits(text), strict=True) if hit) / total

    def similarity(self, text: str) -> float:
        """Return 0-100: how closely `text` contains the typed words as a phrase."""
        return self.similarity_normalized(normalize_passage(text))

    def similarity_normalized(self, text: str) -> float:
        """Return 0-100: how closely normalized `text` contains the typed words as a phrase."""
        return fuzz.partial_ratio(" ".join(self.words), text)


def _plural_forms(word: str) -> set[str]:
    """Return the forms a word takes as a plural or a singular ("pump": "pumps"; "cities": "city")."""
    forms = {word + "s", word + "es"}
    if word.endswith("s"):
        forms |= {word[:-1], word[:-2] if word.endswith("es") else word[:-1]}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    return forms


def plan_query(
    words: Sequence[str],
    vocabulary: Vocabulary,
    focus: Sequence[float] = (),
    limit: int = MAX_GROUPS,
    related: Mapping[str, Sequence[str]] | None = None,
) -> TextQuery:
    """Build a TextQuery: stem each word as the index does, and correct words it does not know."""
    focus = list(focus) or [1.0] * len(words)
    kept = [(w, f) for w, f in zip(words, focus, strict=True) if len(w) >= 2][:limit]
    words = [w for w, _ in kept]
    if sum(len(w) for w in words) < MIN_QUERY_CHARS:
        return TextQuery(())
    stems = vocabulary.stemmer.stems(words)
    related = related or {}
    groups = tuple(
        (
            w,
            *dict.fromkeys(
                [*vocabulary.corrections(w, stem), *related.get(w, ()), *_unstemmed(w, stem, vocabulary)]
            ),
        )
        for w, stem in zip(words, stems, strict=True)
    )
    docs = tuple(vocabulary.docs_of(group, stem) for group, stem in zip(groups, stems, strict=True))
    common = tuple(count > vocabulary.common_docs for count in docs)
    exprs = _group_exprs(groups, vocabulary.stemmer)
    weights = _subject_first(
        [f * vocabulary.weight(w, d) for (w, f), d in zip(kept, docs, strict=True)], kept
    )
    return TextQuery(tuple(words), tuple(stems), groups, common, exprs, docs, weights)


def _subject_first(weights: list[float], kept: Sequence[tuple[str, float]]) -> tuple[float, ...]:
    """Scale a question's context words (focus below 1) to weigh CONTEXT_SHARE of its subject at most.

    In "i've been coding for years but only recently started letting AI write stuff, so what does
    raschka let the agent do" the six words of the context would otherwise weigh as much as the
    three the question asks about.
    """
    subject = sum(w for w, (_, focus) in zip(weights, kept, strict=True) if focus >= 1)
    context = sum(w for w, (_, focus) in zip(weights, kept, strict=True) if focus < 1)
    if not subject or context <= CONTEXT_SHARE * subject:
        return tuple(weights)
    scale = CONTEXT_SHARE * subject / context
    return tuple(w if focus >= 1 else w * scale for w, (_, focus) in zip(weights, kept, strict=True))


def _unstemmed(word: str, stem: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """Return the word itself when it is the index term of its other forms but not its own stem.

    Porter stems "deploy" to "deploi" and "deployment" to "deploy": the typed word then finds its
    longer forms as a prefix.
    """
    return (word,) if word != stem and len(word) >= 4 and word in vocabulary.docs else ()


def acronyms(words: Sequence[str], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Return, per word, index terms spelt by its run's initials ("san francisco" -> "sf")."""
    found: dict[str, list[str]] = {}
    for size in (2, 3, 4):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            initials = "".join(w[0] for w in run)
            if initials in vocabulary.docs and not is_english(initials) and not any(w.isdigit() for w in run):
                for word in run:
                    found.setdefault(word, []).append(initials)
    return found


def _group_exprs(groups: Sequence[tuple[str, ...]], stemmer: Stemmer) -> tuple[str, ...]:
    """Return each group's FTS5 expression, stemming all their corrections at once."""
    corrections = [c for group in groups for c in group[1:]]
    kept = stemmer.terms(corrections) if corrections else []
    if len(kept) != len(corrections):  # not one term per word: each group as stems() takes it alone
        return tuple(_group_expr(group, stemmer) for group in groups)
    exprs, start = [], 0
    for group in groups:
        end = start + len(group) - 1
        exprs.append(_group_expr(group, stemmer, kept[start:end]))
        start = end
    return tuple(exprs)


def _group_expr(group: tuple[str, ...], stemmer: Stemmer, kept: Sequence[str] | None = None) -> str:
    """Return `word OR correction...` as an FTS5 expression (`kept`: the corrections' stems, if known)."""
    # A correction is an index term: matched as typed when the tokenizer leaves it as it is, else
    # as a prefix (stemming "recurs" again gives "recur").
    word, *corrections = group
    if kept is None:
        kept = stemmer.stems(corrections) if corrections else []
    forms = [fts_phrase(word)] + [
        fts_phrase(c, prefix=c != k) for c, k in zip(corrections, kept, strict=True)
    ]
    return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"


class Stemmer:
    """Stem words exactly as the full-text index does, using a tiny in-memory FTS5 table."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
        self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        self._lock = threading.Lock()

    def stems(self, words: Sequence[str]) -> list[str]:
        """Return the index term of each normalized word (the word itself if it makes no term)."""
        terms = self.terms(words)
        return terms if len(terms) == len(words) else list(words)

    def terms(self, words: Sequence[str]) -> list[str]:
        """Return the index terms the words make, in order (one per word, unless some make none or more)."""
        with self._lock:
            self._conn.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", (" ".join(words),))
            terms = [row[0] for row in self._conn.execute("SELECT term FROM v ORDER BY offset")]
            self._conn.execute("DELETE FROM t")
        return terms


def term_docs(texts: Iterable[str]) -> dict[str, int]:
    """Return each index term of `texts` with how many of them hold it, tokenized as the index does."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
        conn.executemany("INSERT INTO t(x) VALUES (?)", ((text,) for text in texts))
        return dict(conn.execute("SELECT term, doc FROM v"))
    finally:
        conn.close()


def _correctable(terms: Iterable[str]) -> list[str]:
    """Return the terms a typo may be corrected into: words, not numbers or two-letter terms ("ai")."""
    return [t for t in terms if len(t) >= 3 and not t.isdigit()]


@functools.cache
def shared_stemmer() -> Stemmer:
    """Return the process's stemmer: one per vocabulary left an SQLite connection per reload to the
    garbage collector (its statement cache forms reference cycles), which a frozen heap never frees."""
    return Stemmer()


class Vocabulary:
    """Hold the index's terms with how many passages use each, to correct typos and spot common words."""

    def __init__(self, terms: Iterable[tuple[str, int]] = (), total: int = 0) -> None:
        drain(self._fill(terms, total))

    @classmethod
    def built(cls, terms: Iterable[tuple[str, int]], total: int) -> Steps[Vocabulary]:
        """Build the vocabulary a few terms at a time (see bot.slices)."""
        vocabulary = cls.__new__(cls)
        yield from vocabulary._fill(terms, total)
        return vocabulary

    def _fill(self, terms: Iterable[tuple[str, int]], total: int) -> Steps[None]:
        self.docs = dict(terms)
        self.typos = yield from TypoIndex.built(_correctable(self.docs))
        self._finish(total)

    def _finish(self, total: int) -> None:
        self.total = total
        # Matching a word found in more passages than this means ranking thousands of rows.
        self.common_docs = max(COMMON_MIN_DOCS, int(total * COMMON_SHARE))
        self.stemmer = shared_stemmer()

    def updated(self, changes: Iterable[tuple[str, int]], total: int) -> Steps[Vocabulary]:
        """Return this vocabulary with each term's passage count changed by the given amount.

        This one stays as it is; its typo index's tables are shared (see TypoIndex.updated).
        """
        vocabulary = Vocabulary.__new__(Vocabulary)
        vocabulary.docs = docs = yield from copied(self.docs)
        added, removed = [], []
        for term, change in changes:
            before = docs.get(term, 0)
            after = before + change
            if after > 0:
                docs[term] = after
                if not before:
                    added.append(term)
            elif before:
                del docs[term]
                removed.append(term)
        vocabulary.typos = yield from self.typos.updated(_correctable(added), _correctable(removed))
        vocabulary._finish(total)
        return vocabulary

    def corrections(self, word: str, stem: str, limit: int = 3) -> tuple[str, ...]:
        """Return up to `limit` index terms within about one typo of a word that is no word at all."""
        # A real English word the index lacks ("kids") is what was meant: correcting it into an
        # index term ("kind") would answer a question nobody asked.
        if len(word) < 4 or word.isdigit() or stem in self.docs or not self.typos or is_english(word):
            return ()
        return tuple(term for term, _ in self.typos.matches(stem, limit))

    def idf(self, docs: int) -> float:
        """Return how telling a word found in `docs` passages is (BM25's inverse document frequency)."""
        return math.log(1 + (self.total - docs + 0.5) / (docs + 0.5)) if self.total else 1.0

    def weight(self, word: str, docs: int) -> float:
        """Return how telling a word is: its rarity in English, then more and more in this index.

        A small index cannot tell a common word from a rare one ("popular" and "deepseek" are each in
        no passage of one episode), English can; as passages accumulate, their own counts take over.
        """
        trust = self.total / (self.total + PRIOR_PASSAGES)
        return trust * self.idf(docs) + (1 - trust) * english_idf(word)

    def knows(self, word: str) -> bool:
        """Tell whether the index holds a normalized word (by its stem)."""
        return self.stemmer.stems([word])[0] in self.docs

    def docs_of(self, group: tuple[str, ...], stem: str) -> int:
        """Return how many passages contain a word (by its stem) or one of its corrections."""
        return self.docs.get(stem, 0) + sum(self.docs.get(term, 0) for term in group[1:])
