"""Rank full-text hits into answers: quote search, ask passages and related episodes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.links import timestamp_url
from bot.model import EpisodeRef, Passage, RelatedItem
from bot.search.catalogue import Catalogue
from bot.search.fulltext import QUESTION_WORDS, TextQuery, Vocabulary, content_words, fts_phrase, plan_query
from bot.storage.queries import SegmentRow
from bot.text import normalize

SCORE_CUTOFF = 50.0  # 0-100; below it a hit shares a word or two by chance
SPEAKER_BONUS = 25.0  # a quote by the person the question names beats a slightly better text match
PEOPLE_BONUS = 8.0  # a takeaway or description of an episode with that person
NEIGHBOURS = 5
LISTED = "listed on the episode page"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class QuestionPlan:
    """A question split into the people it names and the text to search for."""

    people: frozenset[int]
    query: TextQuery


def rank(rows: Sequence[SegmentRow], query: TextQuery, bonus=None) -> list[tuple[float, SegmentRow]]:
    """Return (score, row) above the cut-off, best first; rows arrive in BM25 order, which breaks ties."""
    scored = []
    for order, row in enumerate(rows):
        score = 60.0 * query.coverage(row.text) + 0.4 * query.similarity(row.text)
        if bonus is not None:
            score += bonus(row)
        if score >= SCORE_CUTOFF:
            scored.append((score, order, row))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(score, row) for score, _, row in scored]


def plan_question(question: str, cat: Catalogue, vocab: Vocabulary) -> QuestionPlan:
    """Find the people a question names and plan a search for the rest of its words."""
    people, rest = cat.people_named_in(content_words(question, QUESTION_WORDS))
    return QuestionPlan(frozenset(people), plan_query(rest, vocab))


def passages(rows: Sequence[SegmentRow], plan: QuestionPlan, cat: Catalogue, limit: int) -> list[Passage]:
    """Turn candidate rows into ranked, de-duplicated passages."""
    unique = list({row.id: row for row in rows if row.episode_id in cat.episodes}.values())
    if not plan.query.groups:  # the question only named people: their quotes answer it
        return [_passage(row, cat, 100.0, row.text) for row in unique[:limit]]

    def bonus(row: SegmentRow) -> float:
        if row.person_id in plan.people:
            return SPEAKER_BONUS
        return PEOPLE_BONUS if plan.people & cat.episode_people.get(row.episode_id, frozenset()) else 0.0

    ranked = rank(unique, plan.query, bonus)
    return [_passage(row, cat, score, _best_sentence(row, plan.query)) for score, row in ranked[:limit]]


def _passage(row: SegmentRow, cat: Catalogue, score: float, text: str) -> Passage:
    ep = cat.episodes[row.episode_id]
    is_quote = row.kind == "quote"
    return Passage(
        kind=row.kind,
        text=text,
        episode=ep,
        speaker=cat.people.get(row.person_id) if row.person_id else None,
        seconds=row.seconds if is_quote else None,
        link=timestamp_url(ep.url, row.seconds or 0) if is_quote else None,
        truncated=row.truncated,
        score=round(score, 1),
    )


def _best_sentence(row: SegmentRow, query: TextQuery) -> str:
    """Return a description's sentence that matches best; other kinds are short and kept whole."""
    if row.kind != "description":
        return row.text
    sentences = [s for s in _SENTENCE.split(row.text) if s.strip()]
    return max(sentences, key=query.coverage, default=row.text)


def similarity_match(ep: EpisodeRef, vocab: Vocabulary) -> str | None:
    """Return an FTS5 query for passages sharing one of the title's three most distinctive words."""
    words = _topic_words(ep)
    stems = vocab.stemmer.stems(words) if words else []
    ranked = sorted((vocab.docs.get(stem, 0), word) for word, stem in zip(words, stems, strict=True))
    rare = [word for docs, word in ranked if 0 < docs <= vocab.common_docs][:3]
    return " OR ".join(fts_phrase(w) for w in rare) or None


def _topic_words(ep: EpisodeRef) -> list[str]:
    return [w for w in content_words(ep.title) if len(w) >= 3 and not w.isdigit()][:12]


def related(
    ep: EpisodeRef,
    *,
    listed: Sequence[tuple[str, int | None]],
    people: Sequence[tuple[int, str]],
    mentions: Sequence[tuple[int, str]],
    similar: Sequence[SegmentRow],
    cat: Catalogue,
) -> list[RelatedItem]:
    """Merge the page's list and computed neighbours, one item per episode, each with its reasons."""
    reasons: dict[object, list[str]] = {}
    titles: dict[object, str] = {}
    for title, target in listed:
        key = target if target in cat.episodes and target != ep.id else title
        reasons.setdefault(key, []).append(LISTED)
        titles.setdefault(key, title)
    with_people: dict[int, list[str]] = {}
    for episode_id, name in people:
        with_people.setdefault(episode_id, []).append(name)
    for episode_id, names in with_people.items():
        reasons.setdefault(episode_id, []).append("also with " + _and(names))
    for episode_id, mention in mentions:
        reasons.setdefault(episode_id, []).append(f"also mentions {mention}")
    _add_similar(ep, similar, reasons)
    items = []
    for key, why in reasons.items():
        other = cat.episodes.get(key) if isinstance(key, int) else None
        if isinstance(key, int) and other is None:
            continue
        items.append(RelatedItem(titles.get(key) or other.label, "; ".join(why), other))
    return items


def _add_similar(ep: EpisodeRef, similar: Sequence[SegmentRow], reasons: dict[object, list[str]]) -> None:
    words = _topic_words(ep)
    added = 0
    for row in similar:
        if added >= NEIGHBOURS or row.episode_id == ep.id or row.episode_id in reasons:
            continue
        text = set(normalize(row.text).split())
        shared = [w for w in words if w in text]
        if shared:
            reasons[row.episode_id] = ["similar topics: " + ", ".join(shared[:3])]
            added += 1


def _and(names: Sequence[str]) -> str:
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
