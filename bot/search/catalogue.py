"""The in-memory catalogue of episodes and people: resolution of typed names and autocomplete."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.errors import NotFoundError
from bot.model import EpisodeRef, Person
from bot.search.fulltext import STOPWORDS, content_words
from bot.search.names import NameIndex
from bot.slices import EVERY, Steps, copied, copied_list, drain
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
Counts = tuple[dict[int, int], dict[int, int], set[int]]  # quotes and episodes per person, people moved
_NUMBER_WORDS = frozenset({"ep", "episode", "no", "number", "nr", "num"})


@dataclass(frozen=True, slots=True)
class PeopleChanges:
    """Say who came and went with one ingest: (id, name) added, ids removed, and everyone's aliases."""

    added: Sequence[tuple[int, str]] = ()
    removed: Collection[int] = ()
    aliases: Sequence[tuple[int, str]] = ()


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
    prominence: dict[int, int] = field(default_factory=dict)  # person id -> quotes plus episodes
    titles: NameIndex = field(default_factory=lambda: NameIndex((), {}))
    names: NameIndex = field(default_factory=lambda: NameIndex((), {}))
    # What an update needs from the catalogue it starts from (see updated()).
    rows: dict[int, EpisodeRow] = field(default_factory=dict)
    episode_quotes: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # (person, quotes)
    appearances: dict[int, int] = field(default_factory=dict)  # person id -> episodes
    alias_rows: list[tuple[int, str]] | None = None  # (person, alias) as read; None: not kept
    shared_keys: set[str] = field(default_factory=set)  # keys (casefolded) more than one episode had

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
        alias_rows: list[tuple[int, str]] | None = None,
    ) -> Steps[Catalogue]:
        """Index episodes, people and who appears where, a few at a time (see bot.slices).

        `alias_rows`: the (person, alias) rows as read, which `people` was made from (kept for updates).
        """
        cat = cls()
        yield from cat._add_episodes(episodes)
        entries = ((row.id, _title_names(row)) for row in episodes)
        cat.titles = yield from NameIndex.built(entries, cat.recency)
        yield from cat._add_people(people, None)
        cat.alias_rows = alias_rows
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
        people: PeopleChanges,
        links: Iterable[tuple[int, int]],
        quotes: Iterable[tuple[int, int, int]],
    ) -> Steps[Catalogue]:
        """Return this catalogue with the episodes of `keys` replaced by `episodes` (those still stored).

        `links` and `quotes` are those of `episodes`; `people` says who came and went. The tables
        are copied (a few hundred entries per step) and edited only where those episodes and
        their people changed; the rest is shared with this catalogue, which stays as it is.
        """
        fresh = sorted(episodes, key=_row_id)
        stale = self._ids_of(keys) | (self.episodes.keys() & {row.id for row in fresh})
        cat = Catalogue()
        yield from cat._edit_episodes(self, stale, fresh)
        entries = ((row.id, _title_names(row)) for row in fresh)
        cat.titles = yield from self.titles.updated(stale, entries, cat.recency)
        grouped: dict[int, set[int]] = {}
        for episode_id, person_id in links:
            grouped.setdefault(episode_id, set()).add(person_id)
        new_people = {k: frozenset(v) for k, v in grouped.items()}
        cat.episode_people = yield from _edited(self.episode_people, stale, new_people)
        cat.episode_quotes = yield from _edited(self.episode_quotes, stale, _by_episode(quotes))
        counts = yield from _counts(self, cat, stale, [row.id for row in fresh])
        yield from cat._edit_people(self, people, counts)
        return cat

    def leaving(self, keys: Collection[str]) -> set[int]:
        """Return the people the episodes of `keys` name: only they may go when those change."""
        found: set[int] = set()
        for episode_id in self._ids_of(keys):
            found |= self.episode_people.get(episode_id, frozenset())
            found.update(person_id for person_id, _ in self.episode_quotes.get(episode_id, ()))
        return found

    def _ids_of(self, keys: Collection[str]) -> set[int]:
        """Return the ids of the episodes with these keys."""
        found, unsure = set(), []
        for key in keys:
            episode_id = self.by_key.get(key.casefold())
            if episode_id is None:
                continue  # no episode has it, in any case
            if self.episodes[episode_id].key == key:
                found.add(episode_id)
            else:  # another episode's key differs only in case: look at all
                unsure.append(key)
        if unsure:
            found |= {i for i, ref in self.episodes.items() if ref.key in unsure}
        return found

    def _add_episodes(self, episodes: Iterable[EpisodeRow]) -> Steps[None]:
        """Index `episodes` by key, number and recency."""
        for n, row in enumerate(episodes, 1):
            self.rows[row.id] = row
            self.episodes[row.id] = _ref(row)
            folded = row.key.casefold()
            if folded in self.by_key:
                self.shared_keys.add(folded)
            self.by_key[folded] = row.id
            if row.number is not None:
                self.by_number.setdefault(row.number, []).append(row.id)
            self.recency[row.id] = _recency(row)
            if not n % EVERY:
                yield
        yield
        self.latest = sorted(self.episodes, key=self.recency.__getitem__, reverse=True)
        yield

    def _edit_episodes(
        self, previous: Catalogue, stale: set[int], fresh: Sequence[EpisodeRow]
    ) -> Steps[None]:
        """Take `previous`'s episode tables without the `stale` episodes, with the `fresh` ones."""
        self.rows = yield from copied(previous.rows)
        self.episodes = yield from copied(previous.episodes)
        self.recency = yield from copied(previous.recency)
        self.by_key = yield from copied(previous.by_key)
        self.by_number = yield from copied(previous.by_number)
        self.latest = yield from copied_list(previous.latest)
        self.shared_keys = set(previous.shared_keys)
        numbered: set[int] = set()  # numbers whose list of episodes is this catalogue's own
        repair = self._drop_episodes(previous, stale - {row.id for row in fresh}, stale, numbered)
        for row in fresh:
            self.rows[row.id], self.episodes[row.id], self.recency[row.id] = row, _ref(row), _recency(row)
            folded = row.key.casefold()
            if folded in self.by_key:
                self.shared_keys.add(folded)
            if self.by_key.get(folded, -1) < row.id:  # as when built: the last of the episodes in id order
                self.by_key[folded] = row.id
            if row.number is not None:
                ids = self.by_number.get(row.number, [])
                ids = ids if row.number in numbered else list(ids)
                bisect.insort(ids, row.id)
                self.by_number[row.number] = ids
                numbered.add(row.number)
            bisect.insort(self.latest, row.id, key=functools.partial(_newest_first, self.recency))
        for folded in repair:
            same = [i for i, ref in self.episodes.items() if ref.key.casefold() == folded]
            if same:
                self.by_key[folded] = max(same)
        yield

    def _drop_episodes(
        self, previous: Catalogue, gone: Collection[int], stale: Collection[int], numbered: set[int]
    ) -> set[str]:
        """Take the `stale` episodes out of the key, number and recency tables; the `gone` ones out of all.

        Return the keys whose episode went while another may hold the same key in another case.
        Replaced episodes keep their place in the tables' order (their new rows go there).
        """
        repair = set()
        newest_first = functools.partial(_newest_first, previous.recency)
        for episode_id in stale:
            old = previous.rows[episode_id]
            if episode_id in gone:
                del self.rows[episode_id], self.episodes[episode_id], self.recency[episode_id]
            folded = old.key.casefold()
            if self.by_key.get(folded) == episode_id:
                del self.by_key[folded]
                if folded in self.shared_keys:
                    repair.add(folded)
            if old.number is not None:
                ids = [i for i in self.by_number[old.number] if i != episode_id]
                numbered.add(old.number)
                if ids:
                    self.by_number[old.number] = ids
                else:
                    del self.by_number[old.number]
            del self.latest[bisect.bisect_left(self.latest, newest_first(episode_id), key=newest_first)]
        return repair

    def _edit_people(self, previous: Catalogue, people: PeopleChanges, counts: Counts) -> Steps[None]:
        """Take `previous`'s people with those who came and went, and the `counts` moved.

        A person whose aliases changed, or a newcomer not last by id, makes the people indexed
        whole again (as a build does), so that ties still fall in the same order.
        """
        quotes, appearances, moved = counts
        removed = set(people.removed)
        added = sorted(people.added)
        newcomers = {i for i, _ in added}
        aliases = list(people.aliases)
        if previous.alias_rows is None:
            realiased: set[int] | None = None  # built from rows not kept: compare with nothing
        elif previous.alias_rows == aliases:
            realiased = set()
        else:
            changed = set(aliases).symmetric_difference(previous.alias_rows)
            realiased = {i for i, _ in changed} - removed - newcomers
        kept_top = max(previous.people.keys() - removed, default=0)
        if realiased is None or realiased or (added and added[0][0] < kept_top):
            rows = sorted([(i, p.name) for i, p in previous.people.items() if i not in removed] + added)
            everyone = yield from people_rows(rows, aliases, quotes, appearances)
            yield from self._add_people(everyone, previous)
            self.alias_rows = aliases
            return
        self.alias_rows = aliases
        if not moved and not removed and not added:  # nobody's counts or names changed: all shared
            self.quote_counts, self.appearances = previous.quote_counts, previous.appearances
            self.prominence, self.most_quoted = previous.prominence, previous.most_quoted
            yield from self._edit_names(previous, removed, added)
            return
        if quotes is previous.quote_counts:  # shared so far (see _counts)
            quotes = yield from copied(quotes)
            appearances = yield from copied(appearances)
        for person_id in removed:
            quotes.pop(person_id, None)
            appearances.pop(person_id, None)
        counted = (moved - removed) | newcomers
        for person_id in newcomers:
            quotes.setdefault(person_id, 0)
            appearances.setdefault(person_id, 0)
        self.quote_counts, self.appearances = quotes, appearances
        self.prominence = yield from copied(previous.prominence)
        for person_id in removed:
            del self.prominence[person_id]
        for person_id in counted:
            self.prominence[person_id] = quotes[person_id] + appearances[person_id]
        self.most_quoted = yield from _most_quoted(previous, quotes, removed, counted)
        yield from self._edit_names(previous, removed, added)

    def _edit_names(
        self, previous: Catalogue, removed: set[int], added: list[tuple[int, str]]
    ) -> Steps[None]:
        """Take `previous`'s names without the `removed` people's, with the `added` people's."""
        if not removed and not added:
            self.people, self.name_words = previous.people, previous.name_words
            self.names = previous.names.reprioritized(self.prominence)
            return
        self.people = yield from copied(previous.people)
        for person_id in removed:
            del self.people[person_id]
        self.people.update((i, Person(i, name)) for i, name in added)
        self.name_words = yield from copied(previous.name_words)
        old = _aliases_of(previous.alias_rows or (), removed)
        new = _aliases_of(self.alias_rows or (), {i for i, _ in added})
        for person_id in removed:
            _drop_words(
                self.name_words, person_id, (previous.people[person_id].name, *old.get(person_id, ()))
            )
        entries = [(i, (name, *new.get(i, ()))) for i, name in added]
        for person_id, names in entries:
            _add_words(self.name_words, person_id, names)
        self.names = yield from previous.names.updated(removed, entries, self.prominence)

    def _add_people(self, people: Sequence[PersonRow], previous: Catalogue | None) -> Steps[None]:
        """Index `people` (reusing `previous`'s Person of those whose name is the same)."""
        for n, person in enumerate(people, 1):
            known = previous.people.get(person.id) if previous is not None else None
            self.people[person.id] = (
                known if known and known.name == person.name else Person(person.id, person.name)
            )
            self.quote_counts[person.id] = person.quotes
            self.appearances[person.id] = person.episodes
            self.prominence[person.id] = person.quotes + person.episodes
            if not n % EVERY:
                yield
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


def _ref(row: EpisodeRow) -> EpisodeRef:
    return EpisodeRef(row.id, row.key, row.title, row.show, row.number, row.url, row.published, row.audio_url)


def _newest_first(recency: dict[int, tuple[float, int, int]], episode_id: int) -> tuple[float, int, int]:
    """Return a key that sorts episode ids newest first."""
    moment, number, _ = recency[episode_id]
    return (-moment, -number, -episode_id)


def _edited(mapping: dict[int, T], stale: Collection[int], new: dict[int, T]) -> Steps[dict[int, T]]:
    """Return a copy of `mapping` without the keys in `stale`, then with `new`'s entries."""
    if not new and not any(key in mapping for key in stale):
        return mapping  # nothing to change: shared
    edited = yield from copied(mapping)
    for key in stale:
        if key not in new:
            edited.pop(key, None)
    edited.update(new)
    return edited


def _most_quoted(
    previous: Catalogue, quotes: dict[int, int], removed: set[int], counted: set[int]
) -> Steps[list[int]]:
    """Return `previous`'s people by quotes, most first (ties by id), with these people moved or gone."""
    order = yield from copied_list(previous.most_quoted)
    for person_id in sorted(counted | set(removed)):
        if person_id in previous.people:
            order.remove(person_id)
    for person_id in sorted(counted):
        bisect.insort(order, person_id, key=lambda i: (-quotes[i], i))
    return order


def _aliases_of(rows: Iterable[tuple[int, str]], people: Collection[int]) -> dict[int, list[str]]:
    """Return the aliases of `people` in `rows`, in their order."""
    found: dict[int, list[str]] = {}
    if people:
        for person_id, alias in rows:
            if person_id in people:
                found.setdefault(person_id, []).append(alias)
    return found


def _counts(
    previous: Catalogue, cat: Catalogue, stale: Collection[int], fresh: Collection[int]
) -> Steps[Counts]:
    """Return quotes and episodes per person, moved by what the `stale` episodes had and the `fresh` have.

    The same sums a full count gives; also the people whose counts moved.
    """
    moved: set[int] = set()
    touched = any(
        source.episode_quotes.get(i) or source.episode_people.get(i)
        for source, episodes in ((previous, stale), (cat, fresh))
        for i in episodes
    )
    if not touched:  # nobody's counts move: the tables are shared
        return previous.quote_counts, previous.appearances, moved
    quotes = yield from copied(previous.quote_counts)
    appearances = yield from copied(previous.appearances)
    for source, episodes, sign in ((previous, stale, -1), (cat, fresh, 1)):
        for episode_id in episodes:
            for person_id, count in source.episode_quotes.get(episode_id, ()):
                quotes[person_id] = quotes.get(person_id, 0) + sign * count
                moved.add(person_id)
            for person_id in source.episode_people.get(episode_id, ()):
                appearances[person_id] = appearances.get(person_id, 0) + sign
                moved.add(person_id)
    return quotes, appearances, moved


def _add_words(name_words: dict[str, set[int]], person_id: int, names: Iterable[str]) -> None:
    """Note every word of `names` as naming `person_id` (the sets changed are copied first)."""
    for name in names:
        for word in normalize(name).split():
            name_words[word] = name_words.get(word, set()) | {person_id}


def _drop_words(name_words: dict[str, set[int]], person_id: int, names: Iterable[str]) -> None:
    """Take `person_id` out of the sets of every word of `names` (copied, never changed in place)."""
    for name in names:
        for word in normalize(name).split():
            left = name_words.get(word, set()) - {person_id}
            if left:
                name_words[word] = left
            else:
                name_words.pop(word, None)


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
