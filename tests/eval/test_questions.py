"""The evaluation's question set: every named answer exists in the fixtures, and the split is fixed."""

import collections

import pytest

from bot.knowledge import KnowledgeBase
from bot.model import EpisodeRef, Passage
from eval.questions import EPISODES, Answer, Question, load


@pytest.fixture(scope="module")
def questions():
    return load()


async def test_every_answer_names_a_passage_in_the_fixtures(db, questions):
    kb = KnowledgeBase(db)
    assert (await kb.ingest([EPISODES])).ok
    async with db.conn.execute(
        "SELECT e.key, s.kind, s.text FROM segments s JOIN episodes e ON e.id = s.episode_id"
    ) as cur:
        passages = await cur.fetchall()
    for question in questions:
        for answer in question.answers:
            assert any(answer.accepts(*p) for p in passages), f"{question.text!r}: {answer} matches nothing"


def test_the_set_is_large_and_varied(questions):
    assert len(questions) >= 80
    assert sum(not q.answerable for q in questions) >= 20
    assert len({q.text for q in questions}) == len(questions)
    types = collections.Counter(q.type for q in questions)
    for kind in ("paraphrase", "speaker", "misspelt speaker", "who said", "who is", "episode", "keyword",
                 "chatty", "none"):  # fmt: skip
        assert types[kind] >= 2, kind
    assert all((q.type == "none") == (not q.answerable) for q in questions)


def test_halves_are_fixed_by_the_text_and_both_sizeable(questions):
    halves = collections.Counter(q.half for q in questions)
    assert min(halves.values()) >= len(questions) // 3
    again = Question("  Who is NATHAN Lambert?  ", "who is", ())
    assert again.half == Question("who is nathan lambert", "who is", ()).half
    assert load(half="test") == [q for q in questions if q.half == "test"]


def test_answer_spec_parses_and_matches_ignoring_case_and_punctuation():
    answer = Answer.parse("lex-fridman-490 quote: Five Pro queries, going")
    assert answer == Answer("lex-fridman-490", "quote", "five pro queries going")
    assert answer.accepts("lex-fridman-490", "quote", "I will have like five pro-queries going at once")
    assert not answer.accepts("lex-fridman-490", "takeaway", "five pro queries going")
    assert Answer.parse("x description").accepts("x", "description", "anything at all")
    with pytest.raises(ValueError, match="EPISODE-KEY KIND"):
        Answer.parse("just words")


def test_rank_is_the_first_right_passage():
    ep = EpisodeRef(1, "k", "Title")
    question = Question("q", "keyword", (Answer("k", "quote", "right"),))
    passages = [Passage("quote", "wrong", ep), Passage("quote", "the right one", ep)]
    assert question.rank(passages) == 2
    assert question.rank(passages[:1]) is None
