"""Word vectors: closest words by cosine, loaded only when installed, evidence only where vouched for."""

from types import SimpleNamespace

import numpy as np
import pytest

from bot.knowledge import KnowledgeBase
from bot.search import semantic
from bot.search.semantic import WordVectors
from eval.questions import EPISODES

PIECES = {"fast": 1, "quick": 2, "speed": 3, "tennis": 4, "composer": 5}


class Pieces:
    """Stand in for a tokenizers.Tokenizer: one piece per known word, [UNK] (0) otherwise."""

    def encode_batch(self, words, add_special_tokens=False):
        return [SimpleNamespace(ids=[PIECES.get(w, 0)]) for w in words]


def vectors():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(6, 16)).astype(np.float32)
    matrix[2] = matrix[1] + 0.1 * rng.normal(size=16)  # quick ~ fast
    matrix[3] = matrix[1] + 0.3 * rng.normal(size=16)  # speed ~ fast
    return WordVectors(matrix, Pieces())


def test_closest_finds_the_nearest_word_in_meaning():
    closest = vectors().closest(["quick", "tennis"], ["fast", "composer"])
    assert closest[0] > 0.8
    assert closest[1] < 0.6
    assert vectors().closest(["quick"], []) == [0.0]


def test_without_the_extra_there_are_no_vectors(monkeypatch):
    semantic.word_vectors.cache_clear()
    monkeypatch.setattr(semantic, "available", lambda: False)
    assert semantic.word_vectors() is None
    semantic.word_vectors.cache_clear()


class Meaning:
    """Say "quick" and "fast" mean the same, everything else nothing alike."""

    def closest(self, words, others):
        return [1.0 if w == "quick" and "fast" in others else 0.0 for w in words]


@pytest.fixture
async def kb(db):
    knowledge = KnowledgeBase(db, semantic=False)
    assert (await knowledge.ingest([EPISODES])).ok
    return knowledge


async def test_a_word_close_in_meaning_counts_in_the_named_persons_words(kb):
    assert await kb.ask("what does raschka like because it is quick") == []
    kb._vectors = Meaning()
    passages = await kb.ask("what does raschka like because it is quick")
    assert any("Composer" in p.text for p in passages)
    assert all("fast" in p.text for p in passages)


async def test_a_word_close_in_meaning_never_answers_alone(kb):
    kb._vectors = Meaning()
    assert await kb.ask("anything quick") == []


async def test_a_word_close_in_meaning_ranks_passages_holding_the_questions_own_words(kb):
    question = "the benefits of composer being quick"
    plain = await kb.ask(question)
    kb._vectors = Meaning()
    meant = await kb.ask(question)
    assert "Composer" in meant[0].text
    assert meant[0].score > next(p.score for p in plain if p.text == meant[0].text)


async def test_a_word_close_in_meaning_is_no_evidence_in_words_that_only_name_the_person(db, tmp_path):
    # By Mia Stone about Raschka: "stocked" is only another form of "stock", so only "fast" for
    # "quick" would make it an answer, and it is not in Raschka's own words.
    (tmp_path / "hosted.txt").write_text(
        "Laptops on the Road | Desk Talk #3\n"
        "Mia Stone talks about travelling with a laptop.\n"
        "Recommendations (1)\n"
        '"Raschka stocked a laptop because it is fast."\n'
        "Mia Stone · ▶ 1:00\n",
        encoding="utf-8",
    )
    knowledge = KnowledgeBase(db, semantic=False)
    assert (await knowledge.ingest([EPISODES, tmp_path])).ok
    knowledge._vectors = Meaning()
    passages = await knowledge.ask("which stock does raschka like because it is quick")
    assert not any("laptop" in p.text for p in passages)
