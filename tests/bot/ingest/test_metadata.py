"""Metadata files (TOML): every key read, and each mistake one error naming its line."""

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.errors import DataError
from bot.feeds.feedlist import read_feeds
from bot.ingest.metadata import parse_meta
from tests.fixtures import SEED_META

README = Path(__file__).parents[3] / "README.md"


WHOLE = "expected a whole number from 0 to 999,999,999"
SECONDS = 'expected seconds up to 999,999,999 or a time like "1:02:03"'


def meta_error(text: str) -> DataError:
    with pytest.raises(DataError) as caught:
        parse_meta(text, Path("ep.toml"))
    return caught.value


def test_repeated_metadata_quote_is_stored_once():
    quote = '[[quotes]]\ntext = "Same."\nspeaker = "Ann"\ntime = 5\n'
    assert len(parse_meta(quote + quote, Path("ep.toml"))["quotes"]) == 1


@pytest.mark.parametrize(("value", "seconds"), [("15900", 15900), ('"4:25:00"', 15900), ('"0:00:42"', 42)])
def test_duration_as_seconds_or_clock_time(value, seconds):
    assert parse_meta(f"duration = {value}\n", Path("ep.toml"))["duration_seconds"] == seconds


def test_url_scheme_is_stored_in_lowercase_so_every_link_treats_it_alike():
    url = parse_meta('url = "HTTPS://www.youtube.com/watch?v=x"\n', Path("ep.toml"))["url"]
    assert url == "https://www.youtube.com/watch?v=x"


def test_published_as_a_string():
    assert parse_meta('published = "2026-01-31"\n', Path("ep.toml"))["published"] == dt.date(2026, 1, 31)


def test_toml_syntax_error_names_its_line():
    err = meta_error('show = "A"\nnumber = = 3\n')
    assert (err.line, err.path) == (2, Path("ep.toml"))
    assert str(err).startswith("ep.toml:2: expected valid TOML, got ")


def test_toml_unterminated_string_at_end():
    assert meta_error('show = "A"\n\ntitle = "open').line == 3


def test_unknown_key_names_its_line():
    err = meta_error('show = "A"\n\nguest = ["B"]\n')
    assert err.line == 3
    assert err.expected.startswith("expected one of title, show, number")
    assert err.expected.endswith("got 'guest'")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            'show = "A"\nnumber = "490"\n',
            2,
            "expected a whole number from 0 to 999,999,999 for `number`, got '490'",
        ),
        (
            'show = "A"\nnumber = -1\n',
            2,
            "expected a whole number from 0 to 999,999,999 for `number`, got -1",
        ),
        ("show = 5\n", 1, "expected a non-empty string for `show`, got 5"),
        ('title = "  "\n', 1, "expected a non-empty string for `title`, got '  '"),
        (
            'url = "www.example.org"\n',
            1,
            "expected an http:// or https:// URL for `url`, got 'www.example.org'",
        ),
        ('url = "https://"\n', 1, "expected an http:// or https:// URL for `url`, got 'https://'"),
        (
            'published = "31/01/2026"\n',
            1,
            "expected a date like 2026-01-31 for `published`, got '31/01/2026'",
        ),
        ("published = 2026-01-31T10:00:00\n", 1, "expected a date like 2026-01-31 for `published`"),
        (
            'duration = "61:99:xx"\n',
            1,
            'expected seconds up to 999,999,999 or a time like "1:02:03" for `duration`',
        ),
        ('hosts = ["A", 3]\n', 1, "expected a non-empty string for `hosts`, got ['A', 3]"),
        ("guests = 3\n", 1, "expected a list of strings for `guests`, got 3"),
        (
            "quotes_declared = true\n",
            1,
            "expected a whole number from 0 to 999,999,999 for `quotes_declared`, got True",
        ),
    ],
)
def test_type_errors_name_the_key_line(text, line, message):
    err = meta_error(text)
    assert err.line == line
    assert err.expected.startswith(message)


def test_people_errors_name_the_person_line():
    err = meta_error('show = "A"\n\n[people]\n"Ann" = ["A"]\n"Bo" = [1]\n')
    assert (err.line, err.expected) == (5, "expected a non-empty string for `Bo`, got [1]")


def test_people_must_be_a_table():
    assert meta_error('people = ["Ann"]\n').line == 1


def test_quote_errors_name_the_line_in_their_own_table():
    first = '[[quotes]]\ntext = "A."\nspeaker = "Ann"\ntime = 1\n\n'
    text = first + '[[quotes]]\ntext = "B."\nspeaker = "Bo"\ntime = "1:60"\n'
    err = meta_error(text)
    assert (err.line, err.expected) == (
        9,
        "expected seconds up to 999,999,999 or a time like \"1:02:03\" for `time`, got '1:60'",
    )


def test_unknown_quote_key_names_its_line():
    err = meta_error('[[quotes]]\ntext = "A."\nspeakr = "Ann"\ntime = 1\n')
    assert err.line == 3
    assert err.expected == "expected one of text, speaker, time, truncated, soundbite, got 'speakr'"


def test_quote_missing_a_speaker_names_its_table():
    err = meta_error('show = "A"\n\n[[quotes]]\ntext = "A."\ntime = 1\n')
    assert (err.line, err.expected) == (3, "expected the quote's speaker, got none")


def test_quotes_must_be_tables():
    assert meta_error('quotes = ["A."]\n').line == 1


def test_readme_shows_the_real_seed_metadata_and_valid_examples(tmp_path):
    readme = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert SEED_META.read_text(encoding="utf-8") in blocks
    for block in blocks:
        if block.startswith("[[feed]]"):  # a feeds.toml example, read by the feed list
            (tmp_path / "feeds.toml").write_text(block, encoding="utf-8")
            assert read_feeds(tmp_path / "feeds.toml")
        else:
            assert parse_meta(block, Path("README.md"))


def test_deeply_nested_toml_is_a_data_error():
    assert meta_error("a = " + "[" * 100_000).expected == "expected valid TOML, got values nested too deeply"


@pytest.mark.parametrize("key", ["number", "season", "quotes_declared", "mentions_declared"])
def test_a_count_too_large_to_store_is_that_files_error(key):
    err = meta_error(f'title = "T"\n{key} = 9223372036854775808\n')
    assert err.line == 2
    assert err.expected == (
        f"expected a whole number from 0 to 999,999,999 for `{key}`, got 9223372036854775808"
    )


def test_seconds_too_large_to_store_are_that_files_error():
    err = meta_error("duration = 99999999999999999999\n")
    assert err.expected.startswith(
        'expected seconds up to 999,999,999 or a time like "1:02:03" for `duration`'
    )
