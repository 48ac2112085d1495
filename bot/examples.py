"""Examples built from the loaded episodes, so /help and prompts show names this server knows.

Every example is checked before it is offered: the episode, the person, the words of a quote and the
question each find what they are meant to find in the data loaded now. Words are normalized
(letters and digits only), so an example never carries markdown or a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import NotFoundError
from bot.model import EpisodeRef, Person, QuoteHit
from bot.search.catalogue import Catalogue
from bot.search.fulltext import STOPWORDS, content_words
from bot.storage import queries as q
from bot.text import normalize

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase

RECENT_EPISODES = 20  # the newest episodes looked at for a transcript or chapters
MOMENTS_TRIED = 8
QUOTES_TRIED = 8  # quotes of one person tried for search words and a question
TITLE_WORDS = 3
TOPIC_MIN_CHARS = 5  # a topic word long enough to be a subject, not a filler
SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


@dataclass(frozen=True, slots=True)
class Examples:
    """Hold what a member could type, taken from the data; None where the data offers nothing."""

    episode: str | None = None  # "490", or the key of an episode without a number
    numbered: bool = False  # `episode` is a number, so `#490` names it too
    title_words: str | None = None  # "state of ai"
    speaker: str | None = None  # "nathan": one word that finds the person most quoted in it
    other_speaker: str | None = None  # "raschka": another person of the same episode
    quote_words: str | None = None  # "recursive language": words that find one of their quotes
    question: str | None = None  # "what does nathan say about recursive"
    transcript_words: str | None = None  # words /search finds in a transcript
    chapters_episode: str | None = None  # the newest episode with chapters, as typed

    @property
    def empty(self) -> bool:
        """Tell whether no episode is loaded at all."""
        return self.episode is None


async def build_examples(kb: KnowledgeBase) -> Examples:
    """Return examples from the latest episode (and its most quoted people) of the loaded data."""
    cat = kb.snapshot.cat
    episode = _latest(cat)
    if episode is None:
        return Examples()
    people = _people_of(cat, episode)
    speaker = _typed_name(cat, people[0]) if people else None
    other = next((name for p in people[1:] if (name := _typed_name(cat, p, last=True))), None)
    quote_words = question = None
    if people and speaker:
        quotes = await kb.quotes_by_speaker(people[0], episode, limit=QUOTES_TRIED)
        quote_words = await _search_words(kb, quotes)
        question = await _question(kb, speaker, quotes)
    recent = cat.latest[:RECENT_EPISODES]
    return Examples(
        transcript_words=await _transcript_words(kb, recent),
        chapters_episode=await _chapters_episode(kb, recent),
        episode=_episode_name(episode),
        numbered=episode.number is not None,
        title_words=_title_words(cat, episode),
        speaker=speaker,
        other_speaker=other or speaker,
        quote_words=quote_words,
        question=question,
    )


def _latest(cat: Catalogue) -> EpisodeRef | None:
    return cat.episodes[cat.latest[0]] if cat.latest else None


def _episode_name(episode: EpisodeRef) -> str | None:
    if episode.number is not None:
        return str(episode.number)
    return episode.key if SAFE_KEY.fullmatch(episode.key) else None


def _people_of(cat: Catalogue, episode: EpisodeRef) -> list[Person]:
    """Return the episode's people who have quotes, most quoted first (ties by name: a stable choice)."""
    ids = [i for i in cat.episode_people.get(episode.id, frozenset()) if cat.quote_counts.get(i, 0)]
    ranked = sorted(ids, key=lambda i: (-cat.quote_counts.get(i, 0), cat.people[i].name))
    return [cat.people[i] for i in ranked]


def _typed_name(cat: Catalogue, person: Person, *, last: bool = False) -> str | None:
    """Return one word of the person's name that finds them, first name first (or last name first)."""
    words = normalize(person.name).split()
    for word in reversed(words) if last else words:
        if len(word) >= 3 and _finds(cat, word, person):
            return word
    whole = " ".join(words)
    return whole if whole and _finds(cat, whole, person) else None


def _finds(cat: Catalogue, typed: str, person: Person) -> bool:
    try:
        return cat.resolve_speaker(typed).id == person.id
    except NotFoundError:
        return False


def _title_words(cat: Catalogue, episode: EpisodeRef) -> str | None:
    """Return the title's first words ("state of ai"), not ending on a word like "and"."""
    words = normalize(episode.title).split()[:TITLE_WORDS]
    while words and words[-1] in STOPWORDS:
        words.pop()
    typed = " ".join(words)
    try:
        return typed if typed and cat.resolve_episode(typed).id == episode.id else None
    except NotFoundError:
        return None


async def _search_words(kb: KnowledgeBase, quotes: list[QuoteHit]) -> str | None:
    """Return the two longest words of a quote when /quote search finds that quote by them first."""
    for quote in quotes:
        typed = _two_words(quote.text)
        if typed is None:
            continue
        hits = await kb.search_quotes(typed, limit=1)
        if hits and hits[0].id == quote.id:
            return typed
    return None


async def _question(kb: KnowledgeBase, speaker: str, quotes: list[QuoteHit]) -> str | None:
    """Return "what does NAME say about TOPIC" when /ask answers it with that person's quote."""
    for quote in quotes:
        topics = [w for w in content_words(quote.text) if len(w) >= TOPIC_MIN_CHARS and not w.isdigit()]
        if not topics:
            continue
        question = f"what does {speaker} say about {max(topics, key=len)}"
        passages = await kb.ask(question, limit=3)
        if any(p.kind == "quote" and p.speaker == quote.speaker for p in passages):
            return question
    return None


async def _transcript_words(kb: KnowledgeBase, recent: list[int]) -> str | None:
    """Return two words of a transcript moment of a recent episode that /search finds it by first."""
    cat = kb.snapshot.cat
    rows = await q.first_segments(kb.db.conn, recent, "moment", MOMENTS_TRIED)
    for row in rows:
        typed = _two_words(row.text)
        if typed is None:
            continue
        hits = await kb.search_moments(typed, cat.episodes.get(row.episode_id), limit=1)
        if hits and hits[0].id == row.id:
            return typed
    return None


async def _chapters_episode(kb: KnowledgeBase, recent: list[int]) -> str | None:
    """Return how to type the newest episode that has chapters."""
    rows = await q.first_segments(kb.db.conn, recent, "chapter", 1)
    episode = kb.snapshot.cat.episodes.get(rows[0].episode_id) if rows else None
    return _episode_name(episode) if episode else None


def _two_words(text: str) -> str | None:
    """Return the two longest different words of `text`, in their order, or None when it has fewer."""
    words = [w for w in content_words(text) if not w.isdigit()]
    longest = sorted(words, key=len, reverse=True)
    # Two different words, not one twice ("kilometre kilometres").
    chosen = longest[:1] + [w for w in longest[1:] if w[:5] != longest[0][:5]][:1]
    return " ".join(sorted(chosen, key=words.index)) if len(chosen) == 2 else None
