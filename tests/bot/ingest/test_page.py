import contextlib
import functools
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import DataError
from bot.ingest.page import parse_page, split_lines, split_title_line
from bot.model import EpisodeSource
from tests.fixtures import SEED_PAGE

SEED = SEED_PAGE
PATH = Path("episodes/test-page.txt")
TITLE = "A Talk | Some Show #7"


def seed_text() -> str:
    return SEED.read_bytes().decode("utf-8")


def page(*lines: str) -> str:
    return "\n".join(lines)


def parse(*lines: str):
    return parse_page(page(*lines), PATH)


def error(*lines: str) -> DataError:
    with pytest.raises(DataError) as caught:
        parse(*lines)
    return caught.value


# The seed page


def test_seed_title_show_and_number():
    episode = parse_page(seed_text(), SEED)
    assert episode.key == "lex-fridman-490"
    assert episode.title == "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI"
    assert (episode.show, episode.number) == ("Lex Fridman Podcast", 490)
    assert episode.description.startswith("Lex Fridman discusses the state of AI in early 2026")
    assert episode.description.endswith("rather than architectural breakthroughs.")


def test_seed_counts():
    episode = parse_page(seed_text(), SEED)
    assert len(episode.takeaways) == 6
    assert len(episode.quotes) == 9
    assert len(episode.related) == 6
    assert (episode.quotes_declared, episode.mentions_declared) == (27, 77)
    assert episode.mentions == ()
    assert episode.warnings == ()


def test_seed_speakers():
    quotes = parse_page(seed_text(), SEED).quotes
    assert Counter(q.speaker for q in quotes) == {
        "Lex Fridman": 2,
        "Nathan Lambert": 3,
        "Sebastian Raschka": 4,
    }


def test_seed_quote_seconds_in_page_order():
    quotes = parse_page(seed_text(), SEED).quotes
    assert [q.seconds for q in quotes] == [53, 932, 1025, 1445, 8885, 9475, 10005, 13178, 12062]
    assert [q.line for q in quotes] == [11, 15, 17, 19, 21, 23, 25, 27, 29]


def test_seed_takeaways_lose_their_bullets():
    takeaways = parse_page(seed_text(), SEED).takeaways
    assert takeaways[0].startswith("The competitive AI landscape")
    assert takeaways[2].startswith("Tool use capabilities—enabling LLMs")
    assert not any(t.startswith(("-", "•", " ")) for t in takeaways)


def test_seed_truncated_quotes_are_flagged_and_kept_whole():
    quotes = {q.seconds: q for q in parse_page(seed_text(), SEED).quotes}
    assert quotes[53].truncated
    assert quotes[53].text.endswith("understand something is to buil...")
    assert quotes[8885].truncated
    assert not quotes[10005].truncated
    assert quotes[10005].text == (
        "The Recursive Language Model paper, that is one of the papers that tries to kind of address "
        "the long context thing"
    )


def test_seed_related_titles_as_given():
    related = parse_page(seed_text(), SEED).related
    assert (
        related[0]
        == "Rick Beato: Greatest Guitarists of All Time, History & Future of Music | Lex Fridman Podcast #492"
    )
    assert related[1] == "Khabib vs Lex: Training with Khabib | FULL EXCLUSIVE FOOTAGE"
    assert related[-1].endswith("Noah's Ark, and Flood Myths | Lex Fridman Podcast #487")


# Title lines


@pytest.mark.parametrize(
    ("line", "parts"),
    [
        ("Title | Lex Fridman Podcast #490", ("Title", "Lex Fridman Podcast", 490)),
        ("A | B: the C | Show #12", ("A | B: the C", "Show", 12)),
        (
            "Khabib vs Lex: Training with Khabib | FULL EXCLUSIVE FOOTAGE",
            ("Khabib vs Lex: Training with Khabib | FULL EXCLUSIVE FOOTAGE", None, None),
        ),
        ("Just a title", ("Just a title", None, None)),
        ("Title | #5", ("Title", None, 5)),
        ("Title  |  Show   #5 ", ("Title", "Show", 5)),
        ("Title | Show #five", ("Title | Show #five", None, None)),
        ("Title #3", ("Title #3", None, None)),
    ],
)
def test_split_title_line(line, parts):
    assert split_title_line(line) == parts


def test_title_containing_a_bar_splits_on_the_last_one():
    episode = parse("Left | Right | The Show #12")
    assert (episode.title, episode.show, episode.number) == ("Left | Right", "The Show", 12)


def test_title_without_number_is_an_episode_without_number():
    episode = parse("Khabib vs Lex: Training with Khabib | FULL EXCLUSIVE FOOTAGE")
    assert episode.title == "Khabib vs Lex: Training with Khabib | FULL EXCLUSIVE FOOTAGE"
    assert (episode.show, episode.number) == (None, None)


def test_title_only_page_is_an_episode_with_nothing_else():
    episode = parse(TITLE)
    assert (episode.title, episode.description, episode.takeaways, episode.quotes) == ("A Talk", "", (), ())
    assert episode.quotes_declared is None


# Encodings, line ends and blank lines


def test_bom_and_crlf_are_ignored():
    text = "\ufeff" + page(TITLE, "About.", "Quotes", '"Hi."', "Ann · ▶ 1:00").replace("\n", "\r\n") + "\r\n"
    episode = parse_page(text, PATH)
    assert (episode.title, episode.description) == ("A Talk", "About.")
    assert [(q.text, q.speaker, q.seconds, q.line) for q in episode.quotes] == [("Hi.", "Ann", 60, 4)]


def test_lone_carriage_returns_end_lines():
    assert split_lines("a\rb\r\nc\n") == ["a", "b", "c", ""]


def test_blank_lines_anywhere():
    episode = parse(
        "", "  ", TITLE, "", "About.", "", "Key takeaways", "", "- • One", "", "- • Two", "",
        "Recommendations (3)", "", '"Hi."', "", "Ann · ▶ 1:00", "", "", "Mentioned (2)", "", "A book", "",
    )  # fmt: skip
    assert episode.takeaways == ("One", "Two")
    assert [(q.text, q.line) for q in episode.quotes] == [("Hi.", 15)]
    assert (episode.mentions, episode.mentions_declared, episode.quotes_declared) == (("A book",), 2, 3)


def test_missing_and_empty_sections():
    episode = parse(TITLE, "Key takeaways", "Recommendations (0)", "More from these creators")
    assert (episode.takeaways, episode.quotes, episode.related, episode.quotes_declared) == ((), (), (), 0)
    assert episode.mentions_declared is None


def test_headings_are_case_insensitive_and_may_end_with_a_colon():
    episode = parse(TITLE, "KEY TAKEAWAYS:", "• One", "mentioned (1,234)", "- Thing")
    assert (episode.takeaways, episode.mentions, episode.mentions_declared) == (("One",), ("Thing",), 1234)


def test_description_keeps_its_lines():
    assert parse(TITLE, "First.", "", "Second.").description == "First.\nSecond."


# Quotes


def test_quote_with_inner_double_quotes():
    quote = parse(TITLE, "Quotes", '"He said "scale is all you need" and left."', "Ann · ▶ 1:00").quotes[0]
    assert quote.text == 'He said "scale is all you need" and left.'


def test_curly_quotes_are_stripped():
    assert parse(TITLE, "Quotes", "“Curly.”", "Ann · ▶ 1:00").quotes[0].text == "Curly."


@pytest.mark.parametrize("text", ["Cut short...", "Cut short…", "...cut at the start"])
def test_quote_cut_with_an_ellipsis_is_kept_and_flagged(text):
    quote = parse(TITLE, "Quotes", f'"{text}"', "Ann · ▶ 1:00").quotes[0]
    assert (quote.text, quote.truncated) == (text, True)


def test_whole_quote_is_not_flagged():
    assert not parse(TITLE, "Quotes", '"Whole. Really."', "Ann · ▶ 1:00").quotes[0].truncated


def test_repeated_quote_is_stored_once_with_its_first_line():
    episode = parse(
        TITLE, "Quotes", '"Again."', "Ann · ▶ 1:00", '"Again."', "Ann · ▶ 1:00", '"New."', "Bo · ▶ 2:00"
    )
    assert [(q.text, q.line) for q in episode.quotes] == [("Again.", 3), ("New.", 7)]
    assert episode.warnings == ()


def test_same_words_at_another_time_are_another_quote():
    episode = parse(TITLE, "Quotes", '"Yes."', "Ann · ▶ 1:00", '"Yes."', "Ann · ▶ 9:00")
    assert [q.seconds for q in episode.quotes] == [60, 540]


def test_repeat_with_another_speaker_keeps_the_first_and_warns():
    episode = parse(TITLE, "Quotes", '"Mine."', "Ann · ▶ 1:00", '"Mine."', "Bo · ▶ 1:00")
    assert [q.speaker for q in episode.quotes] == ["Ann"]
    assert episode.warnings == (f"{PATH}:5: kept 'Ann' for the quote repeated from line 3, not 'Bo'",)


@pytest.mark.parametrize(
    ("stamp", "seconds"), [("0:53", 53), ("5:07", 307), ("15:32", 932), ("2:46:45", 10005), ("0:00:42", 42)]
)
def test_timestamp_forms(stamp, seconds):
    assert parse(TITLE, "Quotes", '"Q."', f"Ann · ▶ {stamp}").quotes[0].seconds == seconds


@pytest.mark.parametrize(
    "line",
    [
        "Ann · ▶ 1:00",
        "Ann·▶1:00",
        "Ann  ·  ▶  1:00",
        "Ann · 1:00",
        "Ann ▶ 1:00",
        "Ann ▶1:00",
        "Ann\t·\t▶\t1:00",
        "\ufeffAnn · ▶ 1:00\u200b",
    ],
)
def test_attribution_spacing_and_missing_play_sign(line):
    quote = parse(TITLE, "Quotes", '"Q."', line).quotes[0]
    assert (quote.speaker, quote.seconds) == ("Ann", 60)


@pytest.mark.parametrize(
    "name", ["Zoë Ångström-Okafor", "Seán O'Neill-Kaur", "Tomasz Wiśniewski", "J. R. “Bob” Dobbs"]
)
def test_speaker_names_are_stored_as_written(name):
    assert parse(TITLE, "Quotes", '"Q."', f"{name} · ▶ 1:00").quotes[0].speaker == name


def test_spaces_inside_a_speaker_name_are_collapsed():
    assert parse(TITLE, "Quotes", '"Q."', "Ann \t Lee · ▶ 1:00").quotes[0].speaker == "Ann Lee"


def test_a_time_without_a_separator_is_not_an_attribution():
    # Without `·` or `▶`, "at 9:30" in a wrapped quote must not become a speaker called "at".
    quote = parse(TITLE, "Quotes", '"We met', "at 9:30", 'sharp."', "Ann · ▶ 1:00").quotes[0]
    assert (quote.text, quote.speaker) == ("We met at 9:30 sharp.", "Ann")
    err = error(TITLE, "Quotes", '"Q."', "Ann 1:00", '"R."', "Bo · ▶ 2:00")
    assert err.line == 4
    assert err.expected.startswith("expected an attribution line `Speaker · ▶ m:ss` for the quote on line 3")


def test_invisible_marks_around_a_heading_are_ignored():
    assert parse(TITLE, "\ufeffKey takeaways\u200b", "- • One").takeaways == ("One",)


def test_quote_over_several_lines_is_joined():
    quote = parse(TITLE, "Quotes", '"First half', 'second half."', "Ann · ▶ 1:00").quotes[0]
    assert (quote.text, quote.line) == ("First half second half.", 3)


def test_unquoted_quote_line_is_accepted():
    assert parse(TITLE, "Quotes", "No marks here.", "Ann · ▶ 1:00").quotes[0].text == "No marks here."


def test_quote_without_attribution_at_end_of_page_is_dropped_with_a_warning():
    episode = parse(TITLE, "Quotes", '"Kept."', "Ann · ▶ 1:00", '"Cut off by the scrap')
    assert [q.text for q in episode.quotes] == ["Kept."]
    assert len(episode.warnings) == 1
    assert episode.warnings[0].startswith(f"{PATH}:5: dropped the unattributed quote at the end of the page")


def test_quote_followed_by_a_cut_attribution_at_end_of_page_is_dropped_with_a_warning():
    episode = parse(TITLE, "Quotes", '"Kept."', "Ann · ▶ 1:00", '"Whole quote."', "Nathan Lamb")
    assert [q.text for q in episode.quotes] == ["Kept."]
    assert episode.warnings[0].startswith(f"{PATH}:5: dropped the unattributed quote")


# Declared counts versus shown items


def test_declared_counts_are_kept_beside_shown_items():
    episode = parse(TITLE, "Recommendations (27)", '"Q."', "Ann · ▶ 1:00", "Mentioned (77)", "One", "Two")
    assert (episode.quotes_declared, len(episode.quotes)) == (27, 1)
    assert (episode.mentions_declared, episode.mentions) == (77, ("One", "Two"))


def test_sections_without_counts_declare_nothing():
    episode = parse(TITLE, "Recommendations", '"Q."', "Ann · ▶ 1:00", "Mentioned", "One")
    assert (episode.quotes_declared, episode.mentions_declared) == (None, None)


def test_repeated_related_and_mentions_are_stored_once():
    episode = parse(
        TITLE, "Mentioned (3)", "A", "- A", "B", "More from these creators", "X | S #1", "X | S #1"
    )
    assert (episode.mentions, episode.related) == (("A", "B"), ("X | S #1",))


# Bad input


def test_error_message_is_one_line_naming_file_line_and_expectation():
    err = error(TITLE, "Quotes", '"Q."', "Ann · ▶ 61:99:xx")
    assert (err.path, err.line) == (PATH, 4)
    assert str(err) == f"{PATH}:4: expected a timestamp like 0:53, 15:32 or 2:46:45, got '61:99:xx'"
    assert "\n" not in str(err)


def test_empty_file():
    err = error("")
    assert (err.line, str(err)) == (
        1,
        f"{PATH}:1: expected a title line `TITLE | SHOW #N`, got an empty file",
    )


def test_blank_file_is_empty():
    assert error("", "  ", "\t").line == 1


def test_binary_file():
    err = error(TITLE, "About \x00\x01\x02 stuff")
    assert err.line == 2
    assert "NUL byte" in str(err)


@pytest.mark.parametrize(
    "lines",
    [
        ("Key takeaways", "- • One"),
        ("- • One",),
        ('"A quote first."', "Ann · ▶ 1:00"),
        ("Ann · ▶ 1:00",),
        (" | Show #3",),
        ("x" * 501,),
    ],
)
def test_no_title_line(lines):
    err = error("", *lines)
    assert err.line == 2
    assert "title" in err.expected


@pytest.mark.parametrize("stamp", ["61:99:xx", "1:60", "1:60:00", "15", "", "soon"])
def test_bad_timestamp_names_its_line(stamp):
    err = error(TITLE, "Quotes", '"Q."', "Ann · ▶ 1:00", '"R."', f"Bo · ▶ {stamp}", '"S."', "Cy · ▶ 2:00")
    assert err.line == 6
    assert "timestamp" in err.expected


def test_attribution_without_a_quote():
    err = error(TITLE, "Quotes", '"Q."', "Ann · ▶ 1:00", "Bo · ▶ 2:00", '"S."', "Cy · ▶ 3:00")
    assert (err.line, err.expected) == (5, "expected a quoted line before its attribution, got 'Bo · ▶ 2:00'")


def test_attribution_without_a_speaker():
    err = error(TITLE, "Quotes", '"Q."', "· ▶ 1:00", '"S."', "Cy · ▶ 3:00")
    assert err.line == 4
    assert "speaker" in err.expected


def test_quote_without_attribution_in_the_middle():
    err = error(TITLE, "Quotes", '"Q."', '"R."', "Bo · ▶ 2:00")
    assert err.line == 4
    assert err.expected.startswith("expected an attribution line `Speaker · ▶ m:ss` for the quote on line 3")


def test_quote_without_attribution_before_a_heading():
    err = error(TITLE, "Quotes", '"Q."', "Mentioned (2)", "Thing")
    assert err.line == 4
    assert "for the quote on line 3" in err.expected


def test_empty_quote():
    err = error(TITLE, "Quotes", '""', "Ann · ▶ 1:00")
    assert err.line == 3
    assert "quote text" in err.expected


def test_bar_at_the_start_of_a_title_line_leaves_no_title():
    assert split_title_line("| Show #3") == ("", "Show", 3)


# Properties: any text either parses or fails with a DataError naming a line of that text

SEED_LINES = split_lines(seed_text())
JUNK = st.sampled_from(
    [
        "",
        "Recommendations (x)",
        "Mentioned (",
        "· ▶",
        "Ann · ▶ 99:99",
        '"',
        "“",
        "…",
        "\ufeff",
        "\x00",
        "| #",
        "▶ 1:00",
    ]
)


def outcome(text: str) -> tuple[EpisodeSource | None, DataError | None]:
    try:
        return parse_page(text, PATH), None
    except DataError as err:
        return None, err


def check_outcome(text: str) -> EpisodeSource | None:
    """Assert the parser's contract on `text` and return the episode when it parsed."""
    lines = len(split_lines(text))
    episode, err = outcome(text)
    if err is not None:
        assert err.path == PATH
        assert 1 <= err.line <= lines
        assert str(err).startswith(f"{PATH}:{err.line}: expected ")
        assert len(str(err).splitlines()) == 1
        return None
    assert episode.title == episode.title.strip() != ""
    assert all(1 <= q.line <= lines and q.speaker and q.text and q.seconds >= 0 for q in episode.quotes)
    assert len({(q.text, q.seconds) for q in episode.quotes}) == len(episode.quotes)
    return episode


@given(st.text())
def test_arbitrary_text_parses_or_names_a_line(text):
    check_outcome(text)


@given(st.lists(st.one_of(st.sampled_from(SEED_LINES), JUNK, st.text(max_size=40)), max_size=40))
def test_arbitrary_mixes_of_page_lines_parse_or_name_a_line(lines):
    check_outcome(page(*lines))


@given(st.integers(min_value=0, max_value=len(seed_text())))
def test_seed_truncated_anywhere_parses_or_names_a_line(cut):
    check_outcome(seed_text()[:cut])


@given(st.integers(min_value=1, max_value=len(SEED_LINES)))
def test_seed_cut_after_a_whole_line_keeps_a_prefix_of_its_quotes(kept):
    full = parse_page(seed_text(), SEED).quotes
    episode = check_outcome(page(*SEED_LINES[:kept]))
    assert episode is not None
    assert episode.quotes == full[: len(episode.quotes)]
    assert len(episode.warnings) == (1 if SEED_LINES[kept - 1].startswith('"') else 0)


@given(st.permutations(SEED_LINES))
def test_seed_lines_shuffled_parse_or_name_a_line(lines):
    check_outcome(page(*lines))


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=len(SEED_LINES)), JUNK | st.text(max_size=30))))
def test_seed_with_junk_lines_inserted_parses_or_names_a_line(insertions):
    lines = list(SEED_LINES)
    for index, junk in insertions:
        lines.insert(index, junk)
    check_outcome(page(*lines))


def best_time(parse, text: str) -> float:
    """Return the fastest of three parses of `text`, in seconds of this thread's CPU time."""
    # CPU time, not wall time: on a loaded machine the wall clock also counts other processes'
    # turns, which made a linear parse look quadratic.
    times = []
    for _ in range(3):
        started = time.thread_time()
        with contextlib.suppress(DataError):
            parse(text)
        times.append(time.thread_time() - started)
    return min(times)


def takeaways(n: int) -> str:
    return "T | S #1\nKey takeaways\n" + "".join(f"- takeaway number {i} on a topic\n" for i in range(n))


def spaced_attribution(n: int) -> str:
    return 'T | S #1\nQuotes\n"Hi."\nAnn' + " " * n + "x\n"


def spaced_heading(n: int) -> str:
    return "T | S #1\nKey takeaways" + " " * n + "(3)" + " " * n + "x\n"


def long_quote(n: int) -> str:
    return 'T | S #1\nQuotes\n"Hi\n' + "word\n" * n + 'end"\nAnn · ▶ 1:00\n'


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("build", "size"),
    [(takeaways, 4_000), (spaced_attribution, 20_000), (spaced_heading, 20_000), (long_quote, 20_000)],
)
def test_parsing_time_grows_linearly_with_the_page(build, size):
    parse = functools.partial(parse_page, path=Path("big.txt"))
    small, large = best_time(parse, build(size)), best_time(parse, build(10 * size))
    # Ten times the input: about ten times the time when linear, a hundred when quadratic.
    assert large < 30 * max(small, 0.002), (small, large)


def test_a_declared_count_too_large_to_store_is_an_error_at_its_heading():
    err = error(TITLE, "Quotes (99,999,999,999,999,999,999)", '"Hi."', "Ann · ▶ 1:00")
    assert err.line == 2
    assert err.expected == "expected a count up to 999,999,999, got '99,999,999,999,999,999,999'"
