"""The in-memory catalogue of episodes and people: resolution of typed names and autocomplete."""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.errors import NotFoundError
from bot.model import EpisodeRef, Person
from bot.search.fulltext import STOPWORDS, content_words
from bot.search.names import NameIndex
from bot.slices import EVERY, Steps, drain
from bot.storage.catalogue import people_rows
from bot.storage.queries import EpisodeRow, PersonRow
from bot.text import normalize

SUGGESTION_CHARS = 100  # a "did you mean" names an episode in one short line
RESOLVE_CUTOFF = 75.0  # below this a typed name is a guess, not an answer
SUGGEST_CUTOFF = 50.0
AUTOCOMPLETE_CUTOFF = 60.0
EPISODE_REFERENCE = re.compile(r"episode:(\d+)")  # EpisodeRef.reference
PERSON_REFERENCE = re.compile(r"person:(\d+)")  # Person.reference
NUMBER_DIGITS = 9  # an episode number has at most this many digits; more belong to the prefix
T = TypeVar("T")
_NUMBER_WORDS = frozenset({"ep", "episode", "no", "number", "nr", "num"})


@dataclass
class Catalogue:
    """Hold every episode and person in memory, with fuzzy indexes over titles and names."""

    episodes: dict[int, EpisodeRef] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    quote_counts: dict[int, int] = field(default_factory=dict)
    episode_people: dict[int, frozenset[int]] = field(default_factory=dict)
    latest: list[int] = field(default_factory=list)  # episode ids, newest first
    # Episode id -> sort key (published or first seen, number, id): larger is newer.
    recency: dict[int, tuple[float, int, int]] = field(default_factory=dict)
    most_quoted: list[int] = field(default_factory=list)  # person ids, most quotes first
    by_key: dict[str, int] = field(default_factory=dict)
    by_number: dict[int, list[int]] = field(default_factory=dict)
    name_words: dict[str, set[int]] = field(default_factory=dict)  # name or alias word -> people
    latest_rank: dict[int, int] = field(default_factory=dict)  # episode id -> recency (higher: newer)
    prominence: dict[int, int] = field(default_factory=dict)  # person id -> quotes plus episodes
    titles: NameIndex = field(default_factory=lambda: NameIndex((), {}))
    names: NameIndex = field(default_factory=lambda: NameIndex((), {}))
    # What an update needs from the catalogue it starts from (see updated()).
    rows: dict[int, EpisodeRow] = field(default_factory=dict)
    episode_quotes: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # (person, quotes)
    person_rows: tuple[PersonRow, ...] = ()
    person_names: tuple[tuple[int, str, tuple[str, ...]], ...] = ()  # (id, name, aliases) per person
    title_priority: dict[int, int] = field(default_factory=dict)  # episode id -> -(rank in latest)

    @classmethod
    def build(
        cls,
        episodes: Sequence[EpisodeRow],
        people: Sequence[PersonRow],
        links: Iterable[tuple[int, int]],
        quotes: Iterable[tuple[int, int, int]] = (),
    ) -> Catalogue:
        """Index episodes, people and who appears where."""
        return drain(cls.built(episodes, people, links, quotes))

    @classmethod
    def built(
        cls,
        episodes: Sequence[EpisodeRow],
        people: Sequence[PersonRow],
        links: Iterable[tuple[int, int]],
        quotes: Iterable[tuple[int, int, int]] = (),
    ) -> Steps[Catalogue]:
        """Index episodes, people and who appears where, a few at a time (see bot.slices)."""
        cat = cls()
        yield from cat._add_episodes(episodes, None, ())
        entries = ((row.id, _title_names(row)) for row in episodes)
        cat.titles = yield from NameIndex.built(entries, cat.title_priority)
        yield from cat._add_people(people, None)
        grouped: dict[int, set[int]] = {}
        for n, (episode_id, person_id) in enumerate(links, 1):
            grouped.setdefault(episode_id, set()).add(person_id)
            if not n % (8 * EVERY):
                yield
        cat.episode_people = {k: frozenset(v) for k, v in grouped.items()}
        cat.episode_quotes = _by_episode(quotes)
        return cat

    def updated(
        self,
        keys: Collection[str],
        episodes: Sequence[EpisodeRow],
        *,
        people: Sequence[tuple[int, str]],
        person_aliases: Sequence[tuple[int, str]],
        links: Iterable[tuple[int, int]],
        quotes: Iterable[tuple[int, int, int]],
    ) -> Steps[Catalogue]:
        """Return this catalogue with the episodes of `keys` replaced by `episodes` (those still stored).

        `links` and `quotes` are those of `episodes`; `people` and their aliases are everyone's.
        Only what those episodes touch is indexed again; the rest is shared with this catalogue,
        which stays as it is.
        """
        stale = {i for i, ref in self.episodes.items() if ref.key in keys} | {row.id for row in episodes}
        yield
        # The rows kept are in id order already: merged with the changed ones as they are indexed,
        # rather than sorted whole in one step of the build.
        unchanged = (row for i, row in self.rows.items() if i not in stale)
        rows = heapq.merge(unchanged, sorted(episodes, key=_row_id), key=_row_id)
        cat = Catalogue()
        yield from cat._add_episodes(rows, self, stale)
        entries = ((row.id, _title_names(row)) for row in episodes)
        cat.titles = yield from self.titles.updated(stale & self.episodes.keys(), entries, cat.title_priority)
        grouped: dict[int, set[int]] = {}
        for episode_id, person_id in links:
            grouped.setdefault(episode_id, set()).add(person_id)
        kept = yield from _without(self.episode_people, stale)
        cat.episode_people = kept | {k: frozenset(v) for k, v in grouped.items()}
        kept_quotes = yield from _without(self.episode_quotes, stale)
        cat.episode_quotes = kept_quotes | _by_episode(quotes)
        # Counted again from every episode, as a full build does: the same sums whatever changed.
        quoted: dict[int, int] = {}
        for n, pairs in enumerate(cat.episode_quotes.values(), 1):
            for person_id, count in pairs:
                quoted[person_id] = quoted.get(person_id, 0) + count
            if not n % (8 * EVERY):
                yield
        appearances: dict[int, int] = {}
        for n, ids in enumerate(cat.episode_people.values(), 1):
            for person_id in ids:
                appearances[person_id] = appearances.get(person_id, 0) + 1
            if not n % (4 * EVERY):
                yield
        everyone = yield from people_rows(list(people), list(person_aliases), quoted, appearances)
        yield from cat._add_people(everyone, self)
        return cat

    def _add_episodes(
        self, episodes: Iterable[EpisodeRow], previous: Catalogue | None, stale: Collection[int]
    ) -> Steps[None]:
        """Index `episodes` by key, number and recency, reusing what `previous` holds of those not `stale`."""
        refs, recency = (previous.episodes, previous.recency) if previous is not None else ({}, {})
        fresh = []  # episodes not taken from `previous`
        for n, row in enumerate(episodes, 1):
            if row.id in refs and row.id not in stale:
                ref, order = refs[row.id], recency[row.id]
            else:
                ref = EpisodeRef(
                    row.id, row.key, row.title, row.show, row.number, row.url, row.published, row.audio_url
                )
                order = _recency(row)
                fresh.append(row.id)
            self.rows[row.id] = row
            self.episodes[row.id] = ref
            self.by_key[row.key.casefold()] = row.id
            if row.number is not None:
                self.by_number.setdefault(row.number, []).append(row.id)
            self.recency[row.id] = order
            if not n % EVERY:
                yield
        self.latest = yield from self._newest_first(previous, fresh)
        size = len(self.latest)
        # A few thousand entries per step: built whole, these tables stopped the loop for milliseconds.
        for rank, episode_id in enumerate(self.latest, 1):
            self.latest_rank[episode_id] = size - rank + 1
            self.title_priority[episode_id] = 1 - rank
            if not rank % (32 * EVERY):
                yield
        yield

    def _newest_first(self, previous: Catalogue | None, fresh: list[int]) -> Steps[list[int]]:
        """Return the episode ids newest first: `previous`'s order, kept, merged with the `fresh` ones."""
        order = self.recency.__getitem__
        if previous is None:
            return sorted(self.episodes, key=order, reverse=True)
        # Recency keys end with the id, so no two are equal: merging gives what sorting all would.
        renewed = set(fresh)
        kept = (i for i in previous.latest if i in self.episodes and i not in renewed)
        latest = []
        merged = heapq.merge(kept, sorted(fresh, key=order, reverse=True), key=order, reverse=True)
        for n, episode_id in enumerate(merged, 1):
            latest.append(episode_id)
            if not n % (32 * EVERY):
                yield
        return latest

    def _add_people(self, people: Sequence[PersonRow], previous: Catalogue | None) -> Steps[None]:
        """Index `people`; the names index of `previous` is kept when nobody's names changed."""
        self.person_rows = tuple(people)
        names = []
        for n, person in enumerate(people, 1):
            names.append((person.id, person.name, person.aliases))
            known = previous.people.get(person.id) if previous is not None else None
            self.people[person.id] = (
                known if known and known.name == person.name else Person(person.id, person.name)
            )
            self.quote_counts[person.id] = person.quotes
            self.prominence[person.id] = person.quotes + person.episodes
            if not n % EVERY:
                yield
        self.person_names = tuple(names)
        if previous is not None and previous.person_names == self.person_names:
            self.name_words = previous.name_words
            self.names = previous.names.reprioritized(self.prominence)
        else:
            for n, person in enumerate(people, 1):
                for name in (person.name, *person.aliases):
                    for word in normalize(name).split():
                        self.name_words.setdefault(word, set()).add(person.id)
                if not n % EVERY:
                    yield
            entries = ((person.id, (person.name, *person.aliases)) for person in people)
            self.names = yield from NameIndex.built(entries, self.prominence)
        yield
        self.most_quoted = sorted(self.people, key=lambda i: -self.quote_counts[i])

    def resolve_episode(self, text: str | None) -> EpisodeRef:
        """Return the episode `text` names; blank means the latest; raise NotFoundError otherwise."""
        text = (text or "").strip()
        if not text:
            if not self.latest:
                raise NotFoundError("episode", "")
            return self.episodes[self.latest[0]]
        reference = EPISODE_REFERENCE.fullmatch(text)
        if reference:  # an autocomplete value names one episode; never reread it as `episode 12`
            if int(reference[1]) not in self.episodes:
                raise NotFoundError("episode", text)
            return self.episodes[int(reference[1])]
        found = self._exact_episode(text) or self._numbered_episode(text)
        if found is not None:
            return found
        hits = self.titles.search(text, limit=5, cutoff=SUGGEST_CUTOFF)
        if hits and hits[0][1] >= RESOLVE_CUTOFF and content_words(text):
            return self.episodes[hits[0][0]]
        suggestions = [self.episodes[i].label_within(SUGGESTION_CHARS) for i, _ in hits[:3]]
        raise NotFoundError("episode", text, suggestions)

    def resolve_speaker(self, text: str) -> Person:
        """Return the person `text` names, tolerating typos and accents; raise NotFoundError otherwise."""
        text = (text or "").strip()
        match = PERSON_REFERENCE.fullmatch(text)
        if match and int(match[1]) in self.people:
            return self.people[int(match[1])]
        exact = self.names.exact(text)
        if exact:
            return self.people[max(exact, key=lambda i: self.quote_counts.get(i, 0))]
        hits = self.names.search(text, limit=5, cutoff=SUGGEST_CUTOFF)
        if hits and hits[0][1] >= RESOLVE_CUTOFF and len(normalize(text)) >= 3:
            return self.people[hits[0][0]]
        raise NotFoundError("speaker", text, [self.people[i].name for i, _ in hits[:3]])

    def suggest_episodes(self, text: str, limit: int) -> list[EpisodeRef]:
        """Return up to `limit` episodes for what is typed so far (latest first when blank)."""
        if not normalize(text or ""):
            ids = self.latest[:limit]
        else:
            ids = [i for i, _ in self.titles.search(text, limit=limit, cutoff=AUTOCOMPLETE_CUTOFF)]
        return [self.episodes[i] for i in ids]

    def suggest_speakers(self, text: str, limit: int) -> list[Person]:
        """Return up to `limit` people for what is typed so far (most quoted first when blank)."""
        if not normalize(text or ""):
            ids = self.most_quoted[:limit]  # a blank field is what Discord sends on first focus
        else:
            ids = [i for i, _ in self.names.search(text, limit=limit, cutoff=AUTOCOMPLETE_CUTOFF)]
        return [self.people[i] for i in ids]

    def names_only(self, text: str, person: Person) -> bool:
        """Tell whether typing `text` resolves exactly to `person` and to nobody else."""
        return self.names.exact(text) == [person.id]

    def episodes_titled(self, run: Sequence[str]) -> set[int]:
        """Return the episodes whose title, alias or show holds `run` as consecutive content words.

        A question can name an episode by them ("that state of ai episode", "on long run radio").
        """
        return self.titles.entries_with_run(run, STOPWORDS)

    def title_words(self, episode_id: int) -> set[str]:
        """Return the normalized words of an episode's title and show."""
        ep = self.episodes.get(episode_id)
        return set(normalize(f"{ep.title} {ep.show or ''}").split()) if ep else set()

    def shows(self) -> list[str]:
        """Return the show names, sorted."""
        return sorted({ep.show for ep in self.episodes.values() if ep.show}, key=str.casefold)

    def _exact_episode(self, text: str) -> EpisodeRef | None:
        episode_id = self.by_key.get(text.casefold())
        return None if episode_id is None else self.episodes[episode_id]

    def _numbered_episode(self, text: str) -> EpisodeRef | None:
        """Return the episode for `490`, `#490` or `lex 490` when the number and prefix agree."""
        split = split_number(text)
        if split is None:
            return None
        prefix = [w for w in normalize(split[0]).split() if w not in _NUMBER_WORDS]
        candidates = [self.episodes[i] for i in self.by_number.get(split[1], ())]
        if prefix:
            candidates = [ep for ep in candidates if _prefix_fits(prefix, ep)]
        if not candidates:
            return None
        return max(candidates, key=lambda ep: self.recency[ep.id])


def split_number(text: str) -> tuple[str, int] | None:
    """Split `lex #490` into ("lex", 490): a number at the end, and what comes before its spaces and #.

    One pass from the end, in time linear in the text whatever it holds (a backtracking regex
    took seconds on a few thousand spaces or #).
    """
    body = text.rstrip()
    digits = len(body) - len(body.rstrip("0123456789"))
    if not digits:
        return None
    start = len(body) - min(digits, NUMBER_DIGITS)
    cut = start
    while cut and (body[cut - 1] == "#" or body[cut - 1].isspace()):
        cut -= 1
    return body[:cut], int(body[start:])


def _recency(row: EpisodeRow) -> tuple[float, int, int]:
    """Order episodes by publication (a date counts from its start, UTC); undated by first appearance."""
    if row.published is not None:
        moment = dt.datetime.combine(row.published, dt.time(), dt.UTC).timestamp()
    elif row.first_seen is not None:
        moment = float(row.first_seen)
    else:
        moment = float("-inf")
    return (moment, row.number or 0, row.id)


def _row_id(row: EpisodeRow) -> int:
    return row.id


def _without(mapping: dict[int, T], stale: Collection[int]) -> Steps[dict[int, T]]:
    """Return a copy of `mapping` without the keys in `stale`, a few thousand keys at a time."""
    kept: dict[int, T] = {}
    for n, (key, value) in enumerate(mapping.items(), 1):
        if key not in stale:
            kept[key] = value
        if not n % (32 * EVERY):
            yield
    return kept


def _by_episode(quotes: Iterable[tuple[int, int, int]]) -> dict[int, tuple[tuple[int, int], ...]]:
    """Return (person, quotes) pairs by episode."""
    grouped: dict[int, list[tuple[int, int]]] = {}
    for episode_id, person_id, count in quotes:
        grouped.setdefault(episode_id, []).append((person_id, count))
    return {episode_id: tuple(sorted(pairs)) for episode_id, pairs in grouped.items()}


def _title_names(row: EpisodeRow) -> list[str]:
    full = " ".join(part for part in (row.title, row.show, str(row.number) if row.number else "") if part)
    return [full, *row.aliases]


def _prefix_fits(prefix: Sequence[str], ep: EpisodeRef) -> bool:
    """Tell whether every word before the number starts or nearly spells a word of the show or title."""
    words = normalize(f"{ep.show or ''} {ep.title}").split()
    index = NameIndex([(0, [" ".join(words)])], {})
    return bool(index.search(" ".join(prefix), limit=1, cutoff=RESOLVE_CUTOFF))
