"""Match typed names and titles in memory: typos, word order and prefixes."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cached_property
from itertools import chain, combinations, pairwise, repeat
from typing import Any

from bot.search.typos import TypoIndex
from bot.slices import EVERY, Steps, copied, copied_list, drain
from bot.text import normalize

Entries = Iterable[tuple[int, Sequence[str]]]  # entry id, its names
# Entry id -> what ranks entries that score the same, higher first: numbers, or tuples (never both).
Priority = Mapping[int, Any]
MAX_EXPANSION = 2000  # names one typed word may match before weaker matches are dropped
MARGIN = 1e-6  # rounding room when a bound on a score is compared with a score


def _typo_words(words: Iterable[str]) -> list[str]:
    """Return the words a typo may stand for: at least four letters, not a number."""
    return [w for w in words if len(w) >= 4 and not w.isdigit()]


class NameIndex:
    """Find entries by words typed in any order, tolerating prefixes, typos, case and accents."""

    def __init__(self, entries: Entries, priority: Priority) -> None:
        drain(self._fill(entries, priority))

    @classmethod
    def built(cls, entries: Entries, priority: Priority) -> Steps[NameIndex]:
        """Build the index a few entries at a time (see bot.slices)."""
        index = cls.__new__(cls)
        yield from index._fill(entries, priority)
        return index

    def _fill(self, entries: Entries, priority: Priority) -> Steps[None]:
        self._names: list[tuple[int, tuple[str, ...]]] = []
        self._postings: dict[str, list[int]] = {}
        self._positions: dict[int, tuple[int, ...]] = {}  # entry id -> where its names are in _names
        for count, (entry_id, names) in enumerate(entries, 1):
            for name in dict.fromkeys(normalize(n) for n in names):
                if name:
                    self._add(entry_id, tuple(name.split()))
            if not count % EVERY:
                yield
        self._vocab = sorted(self._postings)
        self._typos = yield from TypoIndex.built(_typo_words(self._vocab))
        self._priority = priority
        self._dead = 0

    def _add(self, entry_id: int, words: tuple[str, ...]) -> None:
        index = len(self._names)
        self._names.append((entry_id, words))
        self._positions[entry_id] = (*self._positions.get(entry_id, ()), index)
        for word in dict.fromkeys(words):
            self._postings.setdefault(word, []).append(index)

    def updated(self, removed: Collection[int], entries: Entries, priority: Priority) -> Steps[NameIndex]:
        """Return an index without the `removed` entries and with `entries` added, this one unchanged.

        The lists and tables are shared where nothing changed and copied where something did; a
        removed entry's names stay behind unreachable (no posting names them) until a rebuild.
        """
        index = NameIndex.__new__(NameIndex)
        index._names = yield from copied_list(self._names)
        index._postings = postings = yield from copied(self._postings)
        index._positions = yield from copied(self._positions)
        index._dead = self._dead
        own: set[str] = set()  # words whose posting list is this index's own
        dropped: set[str] = set()  # words no name used any more, some perhaps used again below
        if removed:
            index._remove(removed, own, dropped)
            yield
        for count, (entry_id, names) in enumerate(entries, 1):
            for name in dict.fromkeys(normalize(n) for n in names):
                if name:
                    words = tuple(name.split())
                    for word in dict.fromkeys(words):
                        if word in postings and word not in own:
                            postings[word] = list(postings[word])
                        own.add(word)
                    index._add(entry_id, words)
            if not count % EVERY:
                yield
        added = sorted(w for w in own if w not in self._postings)
        gone = sorted(w for w in dropped if w not in postings)
        index._vocab = self._vocab
        if added or gone:
            index._vocab = vocab = list(self._vocab)
            for word in gone:
                del vocab[bisect.bisect_left(vocab, word)]
            for word in added:
                bisect.insort(vocab, word)
        index._typos = yield from self._typos.updated(_typo_words(added), _typo_words(gone))
        index._priority = priority
        return index

    def _remove(self, removed: Collection[int], own: set[str], dropped: set[str]) -> None:
        """Take the names of `removed` entries out of the postings (copied first); they stay unreachable."""
        postings = self._postings
        for entry_id in removed:
            for position in self._positions.pop(entry_id, ()):
                for word in dict.fromkeys(self._names[position][1]):
                    # A word's positions are in ascending order: found by bisection, not by a scan.
                    kept = postings[word] if word in own else list(postings[word])
                    del kept[bisect.bisect_left(kept, position)]
                    if kept:
                        postings[word] = kept
                        own.add(word)
                    else:
                        del postings[word]
                        dropped.add(word)
                self._names[position] = (entry_id, ())
                self._dead += 1

    def reprioritized(self, priority: Priority) -> NameIndex:
        """Return this index ranking ties by `priority` instead, sharing everything else."""
        index = NameIndex.__new__(NameIndex)
        index.__dict__.update(self.__dict__)
        index.__dict__.pop("_orders", None)  # names in order of this index's priority
        index._priority = priority
        return index

    @property
    def dead(self) -> int:
        """Return how many removed names are still kept unreachable (a rebuild drops them)."""
        return self._dead

    def contents(self) -> dict[int, list[tuple[str, ...]]]:
        """Return each entry's reachable names, sorted: what two indexes must agree on to be the same."""
        found: dict[int, list[tuple[str, ...]]] = {}
        reachable = {i for ids in self._postings.values() for i in ids}
        for position in sorted(reachable):
            entry_id, words = self._names[position]
            found.setdefault(entry_id, []).append(words)
        return {entry_id: sorted(names) for entry_id, names in found.items()}

    def exact(self, text: str) -> list[int]:
        """Return the entries with a name that normalizes to exactly `text`."""
        words = tuple(normalize(text).split())
        if not words:
            return []
        return [e for e, name in (self._names[i] for i in self._postings.get(words[0], ())) if name == words]

    def search(self, text: str, limit: int = 25, cutoff: float = 0.0) -> list[tuple[int, float]]:
        """Return up to `limit` (entry, score 0-100) best first, scoring every typed word."""
        tokens = list(dict.fromkeys(normalize(text).split()))[:8]
        if any(len(token) > 1 for token in tokens):
            # A lone letter after real words is a word still being typed: it would match a
            # twentieth of all names and tell little apart, so the other words decide.
            tokens = [token for token in tokens if len(token) > 1]
        if not tokens:
            return []
        if limit > 0:
            found = self._search_bounded(tokens, limit, cutoff)
            if found is not None:
                return found
        return self._search_all(tokens, limit, cutoff)

    def _search_bounded(self, tokens: list[str], limit: int, cutoff: float) -> list[tuple[int, float]] | None:
        """Return what `_search_all` does, scoring only the names that can be among the best.

        A short prefix matches thousands of names, of which `limit` are shown. Return None when
        that cannot be told without scoring them all, or when two entries among the best tie on
        score and priority (their order then depends on names left unscored).
        """
        taken = [words for words in map(self._taken, tokens) if words]
        if not taken:
            return []
        if len(tokens) == 1:
            return self._best_of_one(taken[0], limit, cutoff)
        candidates = self._candidates(taken, 0.9 / len(tokens), cutoff)
        if candidates is None:
            return None
        word_scores = [dict(words) for words in taken]
        names, scale = self._names, 0.9 / len(tokens)
        best: dict[int, float] = {}
        for index in candidates:
            entry_id, name = names[index]
            score = _score(name, word_scores, scale)
            if score >= cutoff and score > best.get(entry_id, -1.0):
                best[entry_id] = score
        of = self._priority.get
        if len(best) > limit:
            least = heapq.nlargest(limit, best.values())[-1]
            best = {entry_id: score for entry_id, score in best.items() if score >= least}
        if _tied([(score, of(entry_id, 0.0)) for entry_id, score in best.items()]):
            return None
        return heapq.nlargest(limit, best.items(), key=lambda item: (item[1], of(item[0], 0.0)))

    def _candidates(
        self, taken: list[list[tuple[str, float]]], scale: float, cutoff: float
    ) -> set[int] | None:
        """Return the names that can score `cutoff` with several typed words, or None if too many.

        A name matching only some of the typed words scores at most what their best matches and
        the share of a name typed add up to: when that is under `cutoff`, such names need not be
        scored. The names holding every word of each smallest set that can reach it are kept.
        """
        size = self._least_size
        tops = [words[0][1] for words in taken]
        enough: list[tuple[int, ...]] = []  # the smallest sets of typed words that can reach the cut-off
        for count in range(1, len(taken) + 1):
            for chosen in combinations(range(len(taken)), count):
                most = scale * sum(tops[i] for i in chosen) + 10.0 * min(count, size) / size
                if most + MARGIN >= cutoff and not any(set(smaller) <= set(chosen) for smaller in enough):
                    enough.append(chosen)
        postings = self._postings
        held = [set(chain.from_iterable(postings[word] for word, _ in words)) for words in taken]
        found: set[int] = set()
        for chosen in enough:
            sets = sorted((held[i] for i in chosen), key=len)
            if len(chosen) == 1 and len(sets[0]) > MAX_EXPANSION // 4:
                return None  # one word alone reaches the cut-off in too many names
            found |= sets[0].intersection(*sets[1:])
        return found

    def _best_of_one(
        self, words: list[tuple[str, float]], limit: int, cutoff: float
    ) -> list[tuple[int, float]] | None:
        """Return the best entries for one typed word, reading each matched word's names best first.

        A name's score is then its best word's score and the share of the name typed: each word's
        names in order of size and priority give it in falling order, so merging them gives the
        best entries first, and merging stops once `limit` entries are found. A word's names are
        put in order only when the most they can score comes up in the merge.
        """
        of, size = self._priority.get, self._least_size
        # Heap items, least first: the score negated; 0 for a word whose names are not yet in order
        # (the score then the most they can reach), 1 for a name; the priority, higher first; then
        # the word's rank and the name's place in its order, so that no two items are equal.
        heap: list[tuple[float, int, _Descending | None, int, int]] = [
            (-(0.9 * score + 10.0 / size), 0, None, rank, -1) for rank, (_, score) in enumerate(words)
        ]
        heapq.heapify(heap)
        names, seen = self._names, set()
        entries: set[int] = set()
        found: list[tuple[int, float]] = []
        while heap:
            neg_score, _, _, rank, place = heap[0]
            word, word_score = words[rank]
            order = self._ordered(word)
            if place + 1 < len(order):
                score, priority = self._key(order[place + 1], word_score)
                heapq.heapreplace(heap, (-score, 1, _Descending(priority), rank, place + 1))
            else:
                heapq.heappop(heap)
            if place < 0:
                continue
            index = order[place]
            if index in seen:
                continue
            seen.add(index)
            entry_id = names[index][0]
            if entry_id in entries:
                continue
            if -neg_score < cutoff:
                break
            if found and -neg_score == found[-1][1] and of(entry_id, 0.0) == of(found[-1][0], 0.0):
                return None  # tied on both: ordered by names left unread
            if len(found) == limit:
                break
            entries.add(entry_id)
            found.append((entry_id, -neg_score))
        return found

    def _key(self, index: int, score: float) -> tuple[float, Any]:
        """Return a name's score for one typed word matching it with `score`, and the name's priority."""
        entry_id, name = self._names[index]
        return 0.9 * score + _typed_share(1, len(name)), self._priority.get(entry_id, 0.0)

    def _ordered(self, word: str) -> list[int]:
        """Return the names holding `word`, shortest first, then by priority (kept with this index)."""
        order = self._orders.get(word)
        if order is None:
            names, of = self._names, self._priority.get
            by_priority = sorted(self._postings[word], key=lambda i: of(names[i][0], 0.0), reverse=True)
            order = sorted(by_priority, key=lambda i: len(names[i][1]))  # stable: by priority within a size
            self._orders[word] = order
        return order

    @cached_property
    def _orders(self) -> dict[str, list[int]]:
        """Return the cache `_ordered` fills: per word, its names in order."""
        return {}

    @cached_property
    def _least_size(self) -> int:
        """Return the fewest words a name has (a removed name, with none, left out)."""
        return min((len(words) for _, words in self._names if words), default=1)

    def _search_all(self, tokens: list[str], limit: int, cutoff: float) -> list[tuple[int, float]]:
        """Return up to `limit` (entry, score 0-100) best first, scoring every name `tokens` match."""
        # Plain float and int values: containers here would wake the garbage collector mid-query.
        totals: dict[int, float] = {}
        matched: dict[int, int] = {}
        for token in tokens:
            scores = self._token_scores(token)
            if not totals:  # the first word to match anything: its scores are the totals so far
                totals, matched = dict(scores), dict.fromkeys(scores, 1)
                continue
            total_of, matched_of = totals.get, matched.get
            for index, score in scores.items():
                totals[index] = total_of(index, 0.0) + score
                matched[index] = matched_of(index, 0) + 1
        best = self._best(totals, matched, 0.9 / len(tokens), cutoff)
        return _top(best, limit, self._priority)

    def _best(
        self, totals: dict[int, float], matched: dict[int, int], scale: float, cutoff: float
    ) -> dict[int, float]:
        """Return entry -> its best name's score, for the names scoring at least `cutoff`."""
        best: dict[int, float] = {}
        best_of, names = best.get, self._names
        for index, total in totals.items():
            entry_id, words = names[index]
            hits, size = matched[index], len(words)
            # Mostly how well each typed word matched; a little for how much of the name was typed.
            score = scale * total + 10.0 * (hits if hits < size else size) / size
            if score >= cutoff and score > best_of(entry_id, -1.0):
                best[entry_id] = score
        return best

    def entries_with_run(self, run: Sequence[str], skip: Collection[str] = ()) -> set[int]:
        """Return the entries with a name holding `run` as consecutive words, words in `skip` left out."""
        if not run:
            return set()
        found: set[int] = set()
        size = len(run)
        # Every word of the run is in the name: walking the rarest word's names beats walking the
        # first's ("show" is in the name of every episode of a show).
        rarest = min((self._postings.get(word, ()) for word in run), key=len)
        for index in rarest:
            entry_id, words = self._names[index]
            kept = [w for w in words if w not in skip]
            if any(tuple(kept[i : i + size]) == tuple(run) for i in range(len(kept) - size + 1)):
                found.add(entry_id)
        return found

    def word_typos(self, word: str, limit: int = 5) -> list[tuple[str, float]]:
        """Return the name words within a typo of `word` (never `word` itself), best first."""
        return self._typos.matches(word, limit)

    def _token_scores(self, token: str) -> dict[int, float]:
        """Return name index -> best score of `token` against that name's words."""
        scores: dict[int, float] = {}
        for word, score in self._taken(token):
            for index in self._postings[word]:
                if score > scores.get(index, 0.0):
                    scores[index] = score
        return scores

    def _taken(self, token: str) -> list[tuple[str, float]]:
        """Return the words `token` matches with their scores, best first, as far as they are used."""
        # Best words first; a short prefix ("mi") stops once it has reached MAX_EXPANSION names,
        # since scoring thousands of weak matches would only delay the ones shown.
        ranked = sorted(self._word_matches(token).items(), key=lambda item: -item[1])
        postings = self._postings
        taken: list[tuple[str, float]] = []
        # Names the words taken so far hold: counted exactly (`seen`) only once the sum of their
        # posting lengths, which is never less, reaches the limit.
        count, seen = 0, None
        for word, score in ranked:
            if score <= 0.0:  # adds no name
                break
            if count >= MAX_EXPANSION:
                if seen is None:
                    seen = set(chain.from_iterable(postings[w] for w, _ in taken))
                    count = len(seen)
                if count >= MAX_EXPANSION:
                    break
            taken.append((word, score))
            if seen is None:
                count += len(postings[word])
            else:
                seen.update(postings[word])
                count = len(seen)
        return taken

    def _word_matches(self, token: str) -> dict[str, float]:
        matches: dict[str, float] = {}
        start = bisect.bisect_left(self._vocab, token)
        for word in self._vocab[start:]:
            if not word.startswith(token):
                break
            matches[word] = 100.0 if word == token else 85.0 + 15.0 * len(token) / len(word)
        # Spelled exactly as some name's word: no need to look for typos.
        if len(token) >= 4 and not token.isdigit() and token not in matches:
            for word, score in self._typos.matches(token, 10):
                matches.setdefault(word, 0.95 * score)
        return matches


def _score(name: tuple[str, ...], word_scores: list[dict[str, float]], scale: float) -> float:
    """Return a name's score: each typed word's best match in it, summed, and the share of it typed."""
    total, hits = 0.0, 0
    for scores in word_scores:
        score = max(map(scores.get, name, repeat(0.0)))
        if score > 0.0:
            total += score
            hits += 1
    return scale * total + _typed_share(hits, len(name))


def _tied(keys: list[tuple[float, Any]]) -> bool:
    """Tell whether two of `keys` (score, priority) are equal."""
    keys.sort()
    return any(a == b for a, b in pairwise(keys))


class _Descending:
    """Hold a priority so that a higher one sorts first in a heap of least-first items."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]


def _typed_share(hits: int, size: int) -> float:
    """Return what a name scores for how much of it was typed: up to 10 of its 100."""
    # Mostly how well each typed word matched; a little for how much of the name was typed.
    return 10.0 * (hits if hits < size else size) / size


def _top(best: dict[int, float], limit: int, priority: Priority) -> list[tuple[int, float]]:
    """Return the `limit` best (entry, score) by score, then priority; earlier entries first on a tie."""
    if len(best) > limit > 0:
        # Only entries scoring at least the limit-th best score can be among the best: the key's
        # second part is compared on the few left, in their order, so ties fall out as before.
        least = heapq.nlargest(limit, best.values())[-1]
        best = {entry: score for entry, score in best.items() if score >= least}
    of = priority.get
    return heapq.nlargest(limit, best.items(), key=lambda item: (item[1], of(item[0], 0.0)))
