"""Speaker names within one typo of another in the same show: probably one person spelt two ways.

"Subramanium" and "Subramaniam" load as two people, each with half the quotes; a warning names the
pair so the owner can fix the data. Pairs are found with a one-deletion index (every name and each
of its one-letter deletions), so the work grows with the names' total length, not with their pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz.distance import OSA

from bot.search.catalogue import Catalogue
from bot.text import normalize

MIN_LETTERS = 6  # shorter names ("Sam", "Pam", "Jo Li") differ by a letter and are different people
Lookalike = tuple[str, str, str]  # (show, one name, the other), names in sorted order


def lookalikes(cat: Catalogue) -> set[Lookalike]:
    """Return every pair of different names, one typo apart, of people heard in the same show."""
    found: set[Lookalike] = set()
    for show, names in _names_by_show(cat).items():
        for pair in _close_pairs(names):
            first, second = sorted(pair)
            found.add((show, first, second))
    return found


def warning(pair: Lookalike) -> str:
    """Return the ingest warning for one pair."""
    show, first, second = pair
    return (
        f"{show}: speakers “{first}” and “{second}” differ by one letter; if they are one person, "
        "spell the name the same way everywhere (or list one as an alias under [people])"
    )


def _names_by_show(cat: Catalogue) -> dict[str, set[str]]:
    shows: dict[str, set[str]] = defaultdict(set)
    for episode_id, people in cat.episode_people.items():
        episode = cat.episodes.get(episode_id)
        if episode is None:
            continue
        show = episode.show or "Episodes without a show"
        shows[show].update(cat.people[p].name for p in people if p in cat.people)
    return shows


def _close_pairs(names: Iterable[str]) -> set[tuple[str, str]]:
    # Nearly every variant belongs to one name alone: each is kept with its first name only, and
    # listed with all of its names once a second one shares it (a list per variant was most of the cost).
    first_of: dict[str, str] = {}
    keyed: dict[str, list[str]] = {}
    for name in names:
        key = normalize(name)
        if len(key.replace(" ", "")) < MIN_LETTERS:
            continue
        for variant in {key, *[key[:i] + key[i + 1 :] for i in range(len(key))]}:
            first = first_of.setdefault(variant, name)
            if first is not name:
                keyed.setdefault(variant, [first]).append(name)
    pairs = set()
    for group in keyed.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                if first != second and OSA.distance(normalize(first), normalize(second)) <= 1:
                    pairs.add((first, second))
    return pairs
