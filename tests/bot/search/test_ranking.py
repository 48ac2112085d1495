"""Ranking hits into answers: the score cut-off and merged related reasons."""

import datetime as dt

import hypothesis
from hypothesis import strategies as st

from bot.search.catalogue import Catalogue
from bot.search.fulltext import TextQuery
from bot.search.ranking import (
    CONTEXT_CREDIT,
    EVIDENCE_MIN,
    INFLECTED_EVIDENCE,
    LISTED,
    TIED_RELIEF,
    TITLE_CREDIT,
    _short_of_evidence,
    curated_first,
    is_question,
    rank,
    related,
)
from bot.storage.queries import EpisodeRow, SegmentRow


def segment(id_, text, episode_id=1, kind="quote"):
    return SegmentRow(id_, kind, 1, text, None, 0, False, episode_id)


QUERY = TextQuery(
    words=("recursive", "language", "model"),
    stems=("recurs", "languag", "model"),
    groups=(("recursive",), ("language",), ("model",)),
    common=(False, False, False),
    exprs=('"recursive"', '"language"', '"model"'),
)


def test_rank_orders_by_coverage_and_cuts_chance_matches():
    rows = [
        segment(1, "A model of the weather."),
        segment(2, "Build a Large Language Model from Scratch"),
        segment(3, "The Recursive Language Model paper addresses long context"),
    ]
    ranked = rank(rows, QUERY)
    assert [row.id for _, row in ranked] == [3, 2]
    assert ranked[0][0] > ranked[1][0]


def test_rank_keeps_bm25_order_on_equal_scores():
    rows = [segment(1, "recursive language model"), segment(2, "recursive language model")]
    assert [row.id for _, row in rank(rows, QUERY)] == [1, 2]


def test_related_merges_reasons_per_episode():
    cat = Catalogue.build(
        [
            EpisodeRow(1, "a", "Alpha Topics", "Show", 1, None, dt.date(2026, 1, 1), ()),
            EpisodeRow(2, "b", "Beta Topics", "Show", 2, None, dt.date(2026, 1, 2), ()),
            EpisodeRow(3, "c", "Gamma", "Show", 3, None, dt.date(2026, 1, 3), ()),
        ],
        [],
        [],
    )
    items = related(
        cat.episodes[1],
        listed=[("Beta Topics | Show #2", 2), ("Missing | Show #9", None)],
        people=[(2, "Ada"), (2, "Ben"), (3, "Ada")],
        mentions=[(3, "A Book")],
        similar=[segment(9, "alpha again", episode_id=3, kind="description")],
        cat=cat,
    )
    by_title = {item.title: item for item in items}
    assert by_title["Beta Topics | Show #2"].reason == f"{LISTED}; also with Ada and Ben"
    assert by_title["Beta Topics | Show #2"].episode.key == "b"
    assert by_title["Missing | Show #9"].episode is None
    assert by_title["Gamma | Show #3"].reason == "also with Ada; also mentions A Book"


def test_a_moment_saying_what_a_quote_says_ranks_just_below_it():
    quote = segment(1, "Trees trade sugar for minerals.")
    same = segment(
        2, "Mycorrhizal fungi wrap the roots. Trees trade sugar for minerals, you know.", kind="moment"
    )
    other_episode = segment(3, "Trees trade sugar for minerals.", episode_id=2, kind="moment")
    different = segment(4, "Sugar is what the minerals cost the tree.", kind="moment")
    ranked = curated_first([(90.0, same), (85.0, other_episode), (80.0, different), (70.0, quote)])
    assert [row.id for _, row in ranked] == [3, 4, 1, 2]
    assert ranked[3][0] < ranked[2][0]


def test_a_takeaway_counts_as_curated_too():
    takeaway = segment(1, "Compost is mostly about patience.", kind="takeaway")
    moment = segment(2, "Thanks for having me. Compost is mostly about patience.", kind="moment")
    assert [row.id for _, row in curated_first([(99.0, moment), (60.0, takeaway)])] == [1, 2]


def test_a_request_asks_as_a_question_does():
    assert is_question("How do you keep the experiments straight?")
    assert is_question("Explain the autolyse to me like I'm five, because I've skipped it for years.")
    assert is_question("Great. So, walk me through your setup.")
    assert is_question("Tell us how you started.")
    assert not is_question("I explained it badly the first time.")
    assert not is_question("They tell us nothing.")


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    st.lists(
        st.tuples(
            st.floats(-2.0, 20.0),  # weight
            st.sampled_from([0.0, INFLECTED_EVIDENCE, CONTEXT_CREDIT, 1.0]),  # held
            st.booleans(),  # a title holds it
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([0.0, 0.4, 0.5, 0.9, 1.0]),
)
def test_short_of_evidence_only_for_passages_whose_evidence_is_short_whatever_their_titles(words, tied):
    weights = [w for w, _, _ in words]
    held = [h for _, h, _ in words]
    # _score's evidence by words alone, with the titles' credit
    topical = [TITLE_CREDIT if t and w >= EVIDENCE_MIN else 0.0 for w, _, t in words]
    evidence = sum(w * max(c, t) for w, c, t in zip(weights, held, topical, strict=True))
    if _short_of_evidence(held, weights, tied):
        assert evidence < EVIDENCE_MIN * (1 - TIED_RELIEF * tied)
