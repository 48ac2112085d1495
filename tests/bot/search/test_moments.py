from bot.search.fulltext import TextQuery
from bot.search.moments import excerpt, moment_searches
from bot.sentences import pack

QUERY = TextQuery(
    words=("earthwroms", "hard", "work"),
    stems=("earthwrom", "hard", "work"),
    groups=(("earthwroms", "earthworm"), ("hard",), ("work",)),
    common=(False, False, False),
    exprs=('"earthwroms"', '"hard"', '"work"'),
)
TEXT = "Thanks for having me. Compost is mostly about patience. Earthworms do the hard work while you sleep."


def test_the_sentence_with_the_typed_words_gives_the_second_and_the_bold_words():
    marks = pack([(0, 15), (22, 17), (56, 24)], 15)
    part = excerpt(TEXT, marks, 15, QUERY)
    assert part.seconds == 24
    assert part.text == TEXT  # short enough to show whole
    assert [part.text[a:b] for a, b in part.matched] == ["Earthworms", "hard", "work"]


def test_a_long_moment_shows_the_sentence_with_a_few_words_around_it():
    filler = " ".join(f"word{n}" for n in range(200)) + "."
    text = f"{filler} Earthworms do the hard work while you sleep. {filler}"
    marks = pack([(0, 10), (len(filler) + 1, 30), (len(filler) + 46, 35)], 10)
    part = excerpt(text, marks, 10, QUERY)
    assert part.seconds == 30
    assert part.text.startswith("…")
    assert part.text.endswith("…")
    assert "Earthworms do the hard work while you sleep." in part.text
    assert len(part.text) <= 400


def test_without_sentence_marks_the_moment_start_is_used():
    part = excerpt(TEXT, None, 15, QUERY)
    assert part.seconds == 15


def test_a_sentence_with_a_typed_word_beats_one_with_a_word_merely_starting_with_a_stem():
    query = TextQuery(
        words=("stones", "gard"),
        stems=("stone", "gard"),
        groups=(("stones",), ("gard",)),
        common=(False, False),
        exprs=('"stones"', '"gard"'),
    )
    filler = " ".join(f"word{n}" for n in range(40)) + "."
    text = f"We crossed the Gardon valley. {filler} The stones were set without mortar."
    marks = pack([(0, 10), (30, 20), (31 + len(filler), 30)], 10)
    part = excerpt(text, marks, 10, query)
    assert part.seconds == 30
    assert "The stones were set without mortar." in part.text


def query_of(docs, common):
    """Return a three-word query whose words are in `docs` passages each."""
    return TextQuery(
        words=("sleep", "memory", "dreams"),
        stems=("sleep", "memori", "dream"),
        groups=(("sleep",), ("memory",), ("dreams",)),
        common=common,
        exprs=('"sleep"', '"memory"', '"dreams"'),
        docs=docs,
    )


def test_a_query_bm25_can_rank_quickly_is_one_ranked_search():
    query = query_of((300, 200, 100), (False, False, False))
    assert moment_searches(query) == [(query.match(), True)]


def test_a_query_with_too_many_matches_to_rank_takes_moments_with_every_word_first():
    query = query_of((40_000, 30_000, 500), (False, False, False))
    assert moment_searches(query) == [
        ('"sleep" AND "memory" AND "dreams"', True),
        (query.match(), False),
    ]


def test_common_words_alone_are_searched_newest_first():
    query = query_of((40_000, 30_000, 20_000), (True, True, True))
    assert moment_searches(query) == [(query.match(), False)]
    assert moment_searches(TextQuery(words=())) == []
