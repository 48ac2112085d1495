"""Ways to close the paraphrase gap that the evaluation compares with the engine's own (README).

Each is an expansion hook for KnowledgeBase(expand=...): it widens a question's words before the
search. Neither won on the tuning half, so they live here, not in the bot.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from bot.knowledge import KnowledgeBase
from bot.search import ranking
from bot.search.fulltext import STOPWORDS, fts_phrase, plan_query
from bot.search.question import FRAME_WORDS
from bot.storage import queries as q
from bot.text import normalize

SAMPLE = 100  # passages read per word to learn what it goes with
ADDED = 2  # related words added per question word
FEEDBACK_PASSAGES, FEEDBACK_WORDS, FEEDBACK_WEIGHT = 3, 4, 0.3


def _words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if len(w) >= 4 and w not in STOPWORDS and w not in FRAME_WORDS]


async def associations(kb: KnowledgeBase, plan: ranking.AskPlan) -> ranking.AskPlan:
    """Add to each question word the words that most often share a passage with it in this corpus."""
    vocab, related = kb.snapshot.vocab, {}
    for word, docs in zip(plan.query.words, plan.query.docs, strict=True):
        if not docs:
            continue
        rows = await q.search_segments(kb.db.conn, fts_phrase(word), ranking_kinds(), SAMPLE, ranked=False)
        together = Counter(w for row in rows for w in set(_words(row.text)) if w != word)
        # Lift: shared passages against what the other word's own frequency would give by chance.
        lift = {
            w: n / (1 + vocab.docs.get(vocab.stemmer.stems([w])[0], 0)) ** 0.5
            for w, n in together.items()
            if n >= 2
        }
        related[word] = sorted(lift, key=lift.get, reverse=True)[:ADDED]
    return _with(plan, kb, related=related)


async def feedback(kb: KnowledgeBase, plan: ranking.AskPlan) -> ranking.AskPlan:
    """Add the most telling words of the first answers to the question (pseudo-relevance feedback)."""
    plain = KnowledgeBase.__new__(KnowledgeBase)
    plain.__dict__.update(kb.__dict__)
    plain._expand = None
    first = await plain.ask(" ".join(plan.query.words) or "-", limit=FEEDBACK_PASSAGES)
    counts = Counter(w for p in first for w in set(_words(p.text)) if w not in plan.query.words)
    vocab = kb.snapshot.vocab
    rare = sorted(counts, key=lambda w: -vocab.idf(vocab.docs.get(vocab.stemmer.stems([w])[0], 0)))
    added = rare[:FEEDBACK_WORDS]
    words = [*plan.reading.words, *added]
    focus = [*plan.reading.focus, *([FEEDBACK_WEIGHT] * len(added))]
    return _with(plan, kb, words=words, focus=focus)


def ranking_kinds() -> tuple[str, ...]:
    """Return the passage kinds /ask searches."""
    from bot.knowledge import ASK_KINDS  # noqa: PLC0415

    return ASK_KINDS


def _with(plan, kb, *, related=None, words=None, focus=None) -> ranking.AskPlan:
    reading = plan.reading
    if words is not None:
        reading = dataclasses.replace(reading, words=tuple(words), focus=tuple(focus))
    query = plan_query(
        reading.words, kb.snapshot.vocab, reading.focus, limit=len(reading.words) or 1, related=related
    )
    return dataclasses.replace(plan, reading=reading, query=query)


METHODS = {"associations": associations, "feedback": feedback}
