"""Full-text search helpers: FTS5 quoting never raises, stemming, typo correction, common words."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.search.fulltext import (
    CONTEXT_SHARE,
    Stemmer,
    TextQuery,
    Vocabulary,
    content_words,
    fts_phrase,
    plan_query,
)
from bot.storage import load_migrations

TEXTS = [
    "The Recursive Language Model paper, that is one of the papers that tries to address long context",
    "And then for code and any sort of philosophical discussion, I use Claude Opus 4.5.",
    "Zoë Ångström-Okafor said distillation is the cheapest path to reasoning.",
    "Don't re-use col:umn names; c++ and 50% are fine, NEAR(this) too.",
]
FTS_SYNTAX = [
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    '"',
    "*",
    "(",
    ")",
    "-",
    ":",
    "^",
    "+",
    "text:x",
    "a:b",
    "re-use",
]
user_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from([*FTS_SYNTAX, "model", "recursive", "languag", "zoe", "c++", "don't"])).map(
        " ".join
    ),
    st.text(alphabet='"*()-:^+ ANDORNEThel{}[],.', max_size=40),
)


@pytest.fixture(scope="module")
def index():
    """Return a connection to the real schema holding a few indexed passages."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(load_migrations()[0].sql)
    conn.execute("INSERT INTO episodes(id, key, source, stamp, content_hash, title, title_norm) "
                 "VALUES (1, 'k', '', '', '', 't', 't')")  # fmt: skip
    for n, text in enumerate(TEXTS, 1):
        conn.execute(
            "INSERT INTO segments(id, episode_id, kind, position, text) VALUES (?, 1, 'quote', ?, ?)",
            (n, n, text),
        )
        conn.execute("INSERT INTO segments_fts(rowid, text) VALUES (?, ?)", (n, text))
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def vocab(index):
    return Vocabulary(index.execute("SELECT term, doc FROM segments_vocab").fetchall(), len(TEXTS))


def quoted_words(text):
    """Return every whitespace-separated token of `text` quoted with fts_phrase; None when none."""
    return " ".join(fts_phrase(token) for token in text.split()) or None


def matches(conn, expression):
    return [
        row[0]
        for row in conn.execute("SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?", (expression,))
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=user_text)
def test_escaped_user_text_never_breaks_match(index, vocab, text):
    expression = quoted_words(text)
    if expression is not None:
        matches(index, expression)
    planned = plan_query(content_words(text), vocab).match()
    if planned is not None:
        matches(index, planned)


@pytest.mark.parametrize("raw", ['"', "NEAR(", "re-use", "foo:bar", "AND", "(((", "*x", "c++", "50%"])
def test_each_raw_syntax_case_raises_but_escaped_does_not(index, raw):
    with pytest.raises(sqlite3.OperationalError):
        matches(index, raw)
    matches(index, quoted_words(raw))


def test_escape_keeps_words_and_drops_nothing_else():
    assert quoted_words("  ") is None
    assert quoted_words('say "hi"') == '"say" """hi"""'


def test_stemmer_matches_the_index_tokenizer():
    assert Stemmer().stems(["recursive", "languag", "models", "coding", "zoe"]) == [
        "recurs", "languag", "model", "code", "zoe",
    ]  # fmt: skip


def test_typos_are_corrected_to_index_terms(index, vocab):
    query = plan_query(["recursiv", "lanugage", "modle"], vocab)
    assert query.groups[1][1:] == ("languag",)
    assert "model" in query.groups[2]
    assert matches(index, query.match()) == [1]
    assert query.coverage(TEXTS[0]) == 1.0
    assert query.coverage(TEXTS[1]) == 0.0


def test_known_words_get_no_corrections_and_short_input_plans_nothing(vocab):
    assert plan_query(["model", "code"], vocab).groups == (("model",), ("code",))
    assert plan_query(["a"], vocab).groups == ()
    assert plan_query([], vocab).match() is None


def test_common_words_are_left_out_of_match_unless_all_are_common():
    vocab = Vocabulary([("model", 900), ("recurs", 3)], total=1000)
    vocab.common_docs = 100
    query = plan_query(["recursive", "model"], vocab)
    assert query.common == (False, True)
    assert query.match() == '"recursive"'
    assert query.ranked
    only_common = plan_query(["model", "models"], vocab)
    assert only_common.match() == '"model" AND "models"'
    assert not only_common.ranked


def test_any_estimate_adds_up_the_words_match_any_reads():
    vocab = Vocabulary([("model", 900), ("recurs", 3), ("pipelin", 40), ("garden", 2500)], total=5000)
    vocab.common_docs = 3000
    query = plan_query(["recursive", "pipeline", "garden", "model"], vocab)
    assert query.match_any(1000) == '"recursive" OR "pipeline" OR "model"'
    assert query.any_estimate(1000) == 3 + 40 + 900
    assert query.match_any(50) == '"recursive" OR "pipeline"'
    assert query.any_estimate(50) == 3 + 40
    vocab.common_docs = 100
    only_common = plan_query(["model", "garden"], vocab)
    assert only_common.match_any(1000) == only_common.match()
    assert only_common.any_estimate(1000) == only_common.scan_estimate() == 900


WORD = st.text(alphabet="abcé.-'1", min_size=1, max_size=8)


@given(prefixes=st.lists(WORD, max_size=5), words=st.sets(WORD, max_size=30))
def test_the_words_starting_with_a_prefix_are_those_startswith_finds(prefixes, words):
    query = TextQuery(("w",), stems=("w",), groups=(("w", *prefixes),))
    expected = [w for w in words if w.startswith(query.any_prefix)] if query.any_prefix else []
    assert sorted(query._starting(words)) == sorted(expected)


def test_need_is_all_of_two_then_sixty_percent():
    assert [TextQuery(("w",) * n, groups=(("w",),) * n).need for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]


def test_content_words_drop_filler_and_repeats():
    assert content_words("What does the Nathan use, use for coding?") == ["nathan", "use", "coding"]


def test_a_word_whose_longer_forms_stem_to_it_finds_them():
    # Porter stems "deploy" to "deploi" but "deployment" to "deploy": the typed word is the index term.
    vocab = Vocabulary([("deploy", 2), ("safe", 1)], total=10)
    query = plan_query(["deploy", "safely"], vocab)
    assert "deploy" in query.groups[0][1:]
    assert query.hits("requires containerization for safe deployment") == [True, True]
    assert plan_query(["safe"], vocab).groups == (("safe",),)


def test_another_form_of_a_words_stem_is_weaker_evidence_than_the_word(vocab):
    query = plan_query(["stock", "piped", "cities", "recursiv"], vocab)
    exact = query.strengths_in({"stock", "pipe", "city", "recursive"}, inflected=0.5)
    plural = query.strengths_in({"stocks", "pipes", "cities", "recursion"}, inflected=0.5)
    other_forms = query.strengths_in({"stocked", "pipeline", "citys"}, inflected=0.5)
    assert exact == [1.0, 1.0, 1.0, 1.0]  # the typo "recursiv" is corrected: its correction counts
    assert plural[:3] == [1.0, 1.0, 1.0]
    assert other_forms == [0.5, 0.5, 0.0, 0.0]
    assert query.hits_in({"stocked", "pipeline"})[:2] == [True, True]  # still found, and ranked as found


def test_a_long_context_weighs_less_than_the_subject_it_frames(vocab):
    words = ["coding", "years", "started", "letting", "write", "agent", "keep"]
    focus = [0.4, 0.4, 0.4, 0.4, 0.4, 1.0, 1.0]
    query = plan_query(words, vocab, focus)
    subject, context = sum(query.weights[5:]), sum(query.weights[:5])
    assert context == pytest.approx(CONTEXT_SHARE * subject)
    # A short context keeps its own weights.
    short = plan_query(["coding", "agent", "keep"], vocab, [0.4, 1.0, 1.0])
    assert short.weights[0] == pytest.approx(0.4 * plan_query(["coding"], vocab).weights[0])
