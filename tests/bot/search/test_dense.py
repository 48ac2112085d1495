"""Passage vectors: cached by content so nothing is embedded twice, and searched by cosine."""

import numpy as np

from bot.knowledge import KnowledgeBase
from bot.search.dense import VectorCache, build_index, cache_path, text_key
from eval.questions import EPISODES


class Counting:
    """Embed a text as a fixed direction per first letter, counting the texts embedded."""

    def __init__(self):
        self.seen = []

    def encode(self, texts):
        self.seen += texts
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, ord(text[0]) % 4] = 1.0
        return out


def test_unchanged_texts_are_never_embedded_again(tmp_path):
    counting = Counting()
    cache = VectorCache(tmp_path / "vectors")
    build_index([(1, "alpha"), (2, "beta"), (3, "alpha")], cache, counting.encode)
    assert sorted(counting.seen) == ["alpha", "beta"]  # the same text twice is embedded once
    cache.close()
    cache = VectorCache(tmp_path / "vectors")  # another process, a later ingest
    index = build_index([(4, "alpha"), (5, "gamma")], cache, counting.encode)
    assert sorted(counting.seen) == ["alpha", "beta", "gamma"]
    assert sorted(index.rows) == [4, 5]


def test_nearest_passages_come_closest_first(tmp_path):
    index = build_index(
        [(1, "a one"), (2, "b two"), (3, "c three")], VectorCache(tmp_path / "v"), Counting().encode
    )
    toward_b = np.array([0.1, 0.0, 0.9, 0.0], dtype=np.float32)  # "b" is 98 % 4 == 2
    assert next(i for i, _ in index.nearest(toward_b, 2)) == 2
    assert index.cosines(toward_b, [2, 9]) == {2: np.float32(0.9).item()}


def test_a_stop_request_keeps_what_was_embedded(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.search.dense.CHUNK", 1)
    calls = []
    index = build_index(
        [(1, "a"), (2, "b"), (3, "c")],
        VectorCache(tmp_path / "v"),
        Counting().encode,
        stop=lambda: calls.append(1) or len(calls) > 2,
    )
    assert len(index) == 2


def test_keys_depend_on_the_text_and_the_cache_sits_beside_the_database(tmp_path):
    assert text_key("a") != text_key("b")
    assert cache_path(tmp_path / "episodes.db") == tmp_path / "episodes.db-vectors"


class Meaning:
    """Embed texts about water running uphill alike, about tennis alike, and everything else alike."""

    def encode(self, texts):
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            lowered = text.lower()
            if "gravity did all the work" in lowered or "pump water uphill" in lowered:
                out[row, 0] = 1.0
            else:
                out[row, 2 if "tennis" in lowered else 1] = 1.0
        return out


async def test_a_paraphrase_sharing_no_telling_word_is_answered_by_meaning(db, tmp_path):
    kb = KnowledgeBase(db, semantic=False, vector_cache=tmp_path / "vectors")
    assert (await kb.ingest([EPISODES])).ok
    assert await kb.ask("how did the romans pump water uphill") == []
    kb._encoder = Meaning()
    await kb._embed_later()
    await kb.embedded()
    passages = await kb.ask("how did the romans pump water uphill")
    assert "gravity did all the work" in passages[0].text.lower()
    assert await kb.ask("what is the best tennis racket") == []
    await kb.close()


class Near:
    """Embed the two questions below at a cosine of 0.55 with the pump passages, and nothing else near."""

    def encode(self, texts):
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            lowered = text.lower()
            if "pump water uphill" in lowered or "hoisted liquids without engines" in lowered:
                out[row] = (0.55, 0.0, (1 - 0.55**2) ** 0.5)
            else:
                out[row, 0 if "gravity did all the work" in lowered else 1] = 1.0
        return out


async def test_a_passage_sharing_no_word_with_the_question_needs_to_be_closer_in_meaning(db, tmp_path):
    kb = KnowledgeBase(db, semantic=False, vector_cache=tmp_path / "vectors")
    assert (await kb.ingest([EPISODES])).ok
    kb._encoder = Near()
    await kb._embed_later()
    await kb.embedded()
    shared = await kb.ask("how did the romans pump water uphill")  # "pump": "no pumps worth the name"
    assert "gravity did all the work" in shared[0].text.lower()
    assert await kb.ask("what hoisted liquids without engines") == []
    await kb.close()
