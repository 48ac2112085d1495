"""Typo correction: a deletion index as good as comparing with every term, and English words left alone."""

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from bot.search.fulltext import Vocabulary
from bot.search.typos import TypoIndex, cutoff, is_english
from bot.slices import drain

TERMS = ["languag", "recurs", "model", "composer", "distil", "simultan", "all", "kind", "llm", "queri"]


@pytest.mark.parametrize(
    ("typed", "term"),
    [("lanugag", "languag"), ("modle", "model"), ("compser", "composer"), ("composser", "composer"),
     ("compoxer", "composer"), ("distl", "distil"), ("quer", "queri")],
)  # fmt: skip
def test_one_typo_of_any_kind_is_found(typed, term):
    assert TypoIndex(TERMS).matches(typed, 3)[0][0] == term


def test_matches_are_scored_and_limited():
    index = TypoIndex(["model", "models", "modal", "yodel"])
    found = index.matches("modle", 2)
    assert len(found) == 2
    assert found[0][1] >= found[1][1] >= cutoff("modle")
    assert index.matches("zzzzzz", 3) == []
    assert len(index) == 4


def _typo(word, rng):
    i = rng.randrange(len(word))
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i:]
    if kind == 2:
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_finds_every_term_one_typo_away_that_a_full_comparison_accepts(seed):
    rng = random.Random(seed)  # noqa: S311 (test data)
    terms = {"".join(rng.choices("abcdefghij", k=rng.randint(4, 9))) for _ in range(300)}
    index = TypoIndex(terms)
    word = _typo(rng.choice(sorted(terms)), rng)
    brute = {t for t in terms if fuzz.ratio(word, t) >= cutoff(word) and fuzz.ratio(word, t) > 0}
    one_edit = {t for t in brute if _one_edit(word, t)}
    assert one_edit <= {t for t, _ in index.matches(word, len(terms))}


def _one_edit(a, b):
    """Tell whether a and b differ by one deletion, insertion, substitution or neighbour swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    deletes = {a[:i] + a[i + 1 :] for i in range(len(a))} | {a}
    return bool(deletes & ({b[:i] + b[i + 1 :] for i in range(len(b))} | {b}))


@pytest.mark.parametrize("word", ["kids", "llama", "tall", "give", "many", "language", "composer"])
def test_english_words_are_words(word):
    assert is_english(word)


@pytest.mark.parametrize("word", ["lanugage", "recursiv", "modle", "sebastain", "distilation"])
def test_typos_are_not_english(word):
    assert not is_english(word)


@pytest.mark.parametrize("word", ["kids", "llama", "tall", "give", "many"])
def test_vocabulary_never_rewrites_an_english_word_it_lacks(word):
    vocab = Vocabulary([(t, 3) for t in ["kind", "llm", "all", "live", "mani", "gave", "tell"]], 10)
    assert vocab.corrections(word, vocab.stemmer.stems([word])[0]) == ()


def test_vocabulary_corrects_a_word_that_is_no_word():
    vocab = Vocabulary([("languag", 3), ("model", 2)], 5)
    assert vocab.corrections("lanugage", "lanugag") == ("languag",)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sets(st.sampled_from([*TERMS, "quokka", "zephyr", "pulsar"])), st.booleans()), max_size=6
    ),
    typed=st.sampled_from(["lanugag", "modle", "quokk", "zephir", "pulsr", "kinds"]),
)
def test_an_updated_index_finds_what_a_rebuilt_one_finds(steps, typed):
    """Add and remove terms in turn: the updated index matches like one built from its terms."""
    index, held = TypoIndex(TERMS), set(TERMS)
    for terms, adding in steps:
        change = terms - held if adding else terms & held
        updated = drain(index.updated(change, ()) if adding else index.updated((), change))
        held = held | change if adding else held - change
        assert index.terms() == (held - change if adding else held | change)  # the old one is unchanged
        index = updated
        assert index.terms() == held
        assert len(index) == len(held)
        assert index.matches(typed, 5) == TypoIndex(sorted(held)).matches(typed, 5)
