from bot.search.fulltext import TextQuery
from bot.search.moments import excerpt
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
