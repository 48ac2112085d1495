"""Reading questions: misspelt people, episode references, who is / who said, and chatty subjects."""

from unittest import mock

import pytest

from bot.knowledge import KnowledgeBase
from bot.search import ranking
from bot.search.question import CONTEXT_WEIGHT, read_question
from eval.questions import EPISODES, load


@pytest.fixture
async def kb(db):
    knowledge = KnowledgeBase(db)
    assert (await knowledge.ingest([EPISODES])).ok
    return knowledge


def read(kb, text):
    return read_question(text, kb.snapshot.cat, kb.snapshot.vocab)


def names(kb, ids):
    return {kb.snapshot.cat.people[i].name for i in ids}


@pytest.mark.parametrize(
    ("question", "person"),
    [
        ("what model does nathan lambart use", "Nathan Lambert"),
        ("what did sebastain say", "Sebastian Raschka"),
        ("what does sean oneil think about benchmarks", "Seán O'Neill-Kaur"),
        ("raschka on vim", "Sebastian Raschka"),
        ("what did helena lambert say about baths", "Helena Lambert"),
        ("zoe on sparse attention", "Zoë Ångström-Okafor"),
        ("which editor does jo park use", "Jo Park"),  # a two-letter first name beside the last
    ],
)
async def test_people_are_recognised_with_typos(kb, question, person):
    reading = read(kb, question)
    assert names(kb, reading.primary) == {person}


async def test_a_two_letter_name_alone_names_nobody_and_a_full_name_is_no_subject(kb):
    assert read(kb, "is jo a good name for a dog").people == frozenset()
    assert "park" not in read(kb, "what does jo park think about haskell").words


async def test_a_shared_first_name_prefers_the_most_heard_and_keeps_the_others(kb):
    reading = read(kb, "what does sebastian let the agent write")
    assert names(kb, reading.people) == {"Sebastian Raschka", "Sebastian Keller"}
    assert names(kb, reading.primary) == {"Sebastian Raschka"}
    assert names(kb, read(kb, "what did sebastian keller say about rye").primary) == {"Sebastian Keller"}


@pytest.mark.parametrize(
    "question", ["how tall is it", "kids and coffee", "what is the best park", "the lex podcast"]
)
async def test_words_that_are_not_names_name_nobody(kb, question):
    assert read(kb, question).people == frozenset()


@pytest.mark.parametrize(
    ("question", "key", "numbered"),
    [("tell me about episode 490", "lex-fridman-490", True), ("#490 takeaways", "lex-fridman-490", True),
     ("the slow kitchen episode 12", "slow-kitchen-12", True),
     ("in that state of ai episode, what about data", "lex-fridman-490", False),
     ("what did they say on long run radio about ice baths", "long-run-31", False)],
)  # fmt: skip
async def test_episode_references_narrow_to_the_episode(kb, question, key, numbered):
    reading = read(kb, question)
    assert {kb.snapshot.cat.episodes[i].key for i in reading.episodes} == {key}
    assert reading.numbered is numbered


async def test_an_episode_alone_asks_for_its_overview(kb):
    assert read(kb, "tell me about episode 490").overview
    assert read(kb, "the small models episode").overview
    assert not read(kb, "tell me about episode 490 and data").overview
    assert read(kb, "tell me about episode 12345").episodes == frozenset()


async def test_a_rare_word_before_episode_names_it_by_topic(kb):
    reading = read(kb, "did the aqueduct episode recommend a place to visit")
    assert reading.topic == "aqueduct"
    assert reading.episodes == frozenset()  # which episode it names takes the index (KnowledgeBase.ask)
    assert read(kb, "when does the latest episode come out").topic is None  # which one by time
    assert read(kb, "in that state of ai episode, what about data").topic is None  # named by its title


async def test_two_title_words_are_a_topic_unless_an_episode_is_meant(kb):
    assert read(kb, "scaling laws").episodes == frozenset()
    assert read(kb, "scaling laws").words == ("scaling", "laws")


async def test_who_is_and_who_said(kb):
    who = read(kb, "who is helena lambert")
    assert who.who_is
    assert who.name_words == ("helena", "lambert")
    assert read(kb, "who said the model learns to write").who_said
    assert not read(kb, "what did nathan say").who_said


async def test_a_chatty_question_keeps_its_subject(kb):
    reading = read(
        kb,
        "ok so i was listening to the one with lex and those two researchers last night and wondered, "
        "what did they actually say about open models from china?",
    )
    focus = dict(zip(reading.words, reading.focus, strict=True))
    assert {w for w, f in focus.items() if f == 1.0} == {"open", "models", "china"}
    assert focus["researchers"] == CONTEXT_WEIGHT
    assert not {"ok", "listening", "wondered", "night", "actually"} & set(reading.words)


async def test_chat_formulas_and_the_show_a_name_points_to_are_not_the_subject(kb):
    reading = read(
        kb, "hey quick question, someone on the lex podcast talked about a history book, what was it"
    )
    assert {"history", "book"} <= set(reading.words)
    assert not {"quick", "question", "lex"} & set(reading.words)
    assert "lex" in read(kb, "what did lex say about books").name_words


async def test_night_is_a_subject_unless_it_dates_the_listening(kb):
    assert "night" in read(kb, "why do runners see things at night").words
    assert "night" not in read(kb, "the other night i wondered why runners see things").words


async def test_answers_are_the_same_when_every_candidate_is_scored_in_full(db):
    # _score leaves a passage whose words cannot reach the least evidence before reading its
    # titles; scoring each in full must give the same answers, scores and order.
    kb = KnowledgeBase(db, semantic=False)  # the shortcut is for words alone
    assert (await kb.ingest([EPISODES])).ok
    questions = [q.text for q in load(half="tune")]
    shortcut = [await kb.ask(text) for text in questions]
    with mock.patch.object(ranking, "_short_of_evidence", return_value=False) as never:
        full = [await kb.ask(text) for text in questions]
    assert never.called
    assert full == shortcut
    assert sum(bool(answer) for answer in full) > len(questions) // 2
