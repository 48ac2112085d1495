import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import DataError
from bot.feeds.feedlist import read_feeds
from bot.ingest.files import SourceFiles, decode, find_sources, read_contents, read_episode
from bot.ingest.metadata import parse_meta
from bot.ingest.page import split_lines
from bot.links import timestamp_url
from bot.model import EpisodeSource, PersonAliases, SourceQuote

DATA = Path(__file__).parents[3] / "data"
PAGE = 'A Talk | Some Show #7\nAbout.\nKey takeaways\n- • One\n- • Two\nQuotes (5)\n"Hi."\nAnn · ▶ 1:00\n'
STANDALONE = """\
title = "Standalone Talk"
show = "Other Show"
number = 12
description = "Two people talk."
url = "https://open.spotify.com/episode/abc"
published = 2025-05-04
duration = "1:02:03"
hosts = ["Zoë Ångström-Okafor"]
guests = "Seán O'Neill-Kaur"
aliases = ["the talk"]
takeaways = ["First.", "Second."]
mentions = ["A book"]
related = ["Another | Other Show #11"]
quotes_declared = 4
mentions_declared = 9

[people]
"Zoë Ångström-Okafor" = ["Zoe", "ZAO"]
"Seán O'Neill-Kaur" = "Sean"

[[quotes]]
text = "Words at a minute..."
speaker = "Zoë Ångström-Okafor"
time = "1:00"

[[quotes]]
text = 'He said "no".'
speaker = "Seán O'Neill-Kaur"
time = 3723
truncated = true
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(files: SourceFiles):
    return read_episode(files, read_contents(files))


def meta_error(text: str) -> DataError:
    with pytest.raises(DataError) as caught:
        parse_meta(text, Path("ep.toml"))
    return caught.value


# Finding files


def test_find_sources_pairs_page_and_metadata_by_stem(tmp_path):
    page = write(tmp_path, "b.txt", PAGE)
    meta = write(tmp_path, "b.toml", "number = 8\n")
    alone = write(tmp_path, "a.toml", STANDALONE)
    other = write(tmp_path, "c.txt", PAGE)
    assert find_sources([tmp_path]) == [
        SourceFiles("a", None, alone),
        SourceFiles("b", page, meta),
        SourceFiles("c", other, None),
    ]


def test_find_sources_walks_subdirectories_and_pairs_within_one_directory(tmp_path):
    deep = write(tmp_path, "show/2026/ep.txt", PAGE)
    elsewhere = write(tmp_path, "other/ep.toml", STANDALONE)
    assert find_sources([tmp_path]) == [SourceFiles("ep", None, elsewhere), SourceFiles("ep", deep, None)]


def test_find_sources_ignores_hidden_files_editor_backups_and_other_files(tmp_path):
    kept = write(tmp_path, "ep.txt", PAGE)
    for name in (
        ".ep2.txt",
        "ep.txt~",
        "#ep.txt#",
        ".#ep.txt",
        ".ep.txt.swp",
        "ep.txt.bak",
        "notes.md",
        ".git/x.txt",
    ):
        write(tmp_path, name, PAGE)
    assert find_sources([tmp_path]) == [SourceFiles("ep", kept, None)]


def test_find_sources_accepts_files_given_by_name(tmp_path):
    page = write(tmp_path, "ep.txt", PAGE)
    meta = write(tmp_path, "ep.toml", "number = 8\n")
    write(tmp_path, "other.txt", PAGE)
    assert find_sources([page, meta]) == [SourceFiles("ep", page, meta)]


def test_find_sources_on_a_missing_path_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="expected a file or a directory"):
        find_sources([tmp_path / "nope"])


def test_find_sources_on_the_data_directory_finds_the_seed():
    (seed,) = find_sources([DATA])
    assert seed.key == "lex-fridman-490"
    assert (seed.page.name, seed.meta.name) == ("lex-fridman-490.txt", "lex-fridman-490.toml")


# The seed with its metadata


def test_seed_metadata_enriches_the_page():
    (seed,) = find_sources([DATA])
    episode = load(seed)
    assert episode.title.startswith("State of AI in 2026")
    assert (episode.show, episode.number) == ("Lex Fridman Podcast", 490)
    assert episode.url == "https://www.youtube.com/watch?v=EV7WhVT270Q"
    assert episode.published == dt.date(2026, 1, 31)
    assert episode.hosts == ("Lex Fridman",)
    assert set(episode.guests) == {"Sebastian Raschka", "Nathan Lambert"}
    assert "state of ai 2026" in episode.aliases
    assert {p.name for p in episode.people} == {"Lex Fridman", "Sebastian Raschka", "Nathan Lambert"}
    assert (len(episode.takeaways), len(episode.quotes), len(episode.related)) == (6, 9, 6)
    assert (episode.quotes_declared, episode.mentions_declared) == (27, 77)


def test_seed_quote_links_to_the_video_second():
    (seed,) = find_sources([DATA])
    quote = next(q for q in load(seed).quotes if q.text.startswith("The Recursive Language Model"))
    link = timestamp_url(load(seed).url, quote.seconds)
    assert link == "https://www.youtube.com/watch?v=EV7WhVT270Q&t=10005s"


# Merging and standalone metadata


def test_metadata_wins_for_scalars_and_keeps_unset_page_facts(tmp_path):
    write(tmp_path, "ep.txt", PAGE)
    write(tmp_path, "ep.toml", 'title = "Better Title"\nnumber = 8\nurl = "https://youtu.be/X"\n')
    episode = load(find_sources([tmp_path])[0])
    assert (episode.key, episode.title, episode.show, episode.number) == (
        "ep",
        "Better Title",
        "Some Show",
        8,
    )
    assert (episode.url, episode.description, episode.quotes_declared) == ("https://youtu.be/X", "About.", 5)


def test_metadata_list_replaces_the_page_list_and_absent_lists_stay(tmp_path):
    write(tmp_path, "ep.txt", PAGE)
    write(tmp_path, "ep.toml", 'takeaways = ["Only this."]\nmentions = []\n')
    episode = load(find_sources([tmp_path])[0])
    assert episode.takeaways == ("Only this.",)
    assert [q.text for q in episode.quotes] == ["Hi."]


def test_metadata_quotes_replace_the_page_quotes(tmp_path):
    write(tmp_path, "ep.txt", PAGE)
    write(tmp_path, "ep.toml", '[[quotes]]\ntext = "Fixed."\nspeaker = "Bo"\ntime = "0:42"\n')
    assert load(find_sources([tmp_path])[0]).quotes == (SourceQuote("Fixed.", "Bo", 42, False, 2),)


def test_page_warnings_survive_the_merge(tmp_path):
    write(tmp_path, "ep.txt", PAGE + '"Cut off')
    write(tmp_path, "ep.toml", "number = 8\n")
    assert len(load(find_sources([tmp_path])[0]).warnings) == 1


def test_metadata_alone_is_a_full_episode(tmp_path):
    write(tmp_path, "solo.toml", STANDALONE)
    episode = load(find_sources([tmp_path])[0])
    assert (episode.key, episode.title, episode.show, episode.number) == (
        "solo",
        "Standalone Talk",
        "Other Show",
        12,
    )
    assert (episode.published, episode.duration_seconds) == (dt.date(2025, 5, 4), 3723)
    assert (episode.hosts, episode.guests) == (("Zoë Ångström-Okafor",), ("Seán O'Neill-Kaur",))
    assert episode.people == (
        PersonAliases("Zoë Ångström-Okafor", ("Zoe", "ZAO")),
        PersonAliases("Seán O'Neill-Kaur", ("Sean",)),
    )
    assert episode.quotes == (
        SourceQuote("Words at a minute...", "Zoë Ångström-Okafor", 60, True, 22),
        SourceQuote('He said "no".', "Seán O'Neill-Kaur", 3723, True, 27),
    )
    assert (episode.takeaways, episode.mentions, episode.related) == (
        ("First.", "Second."),
        ("A book",),
        ("Another | Other Show #11",),
    )
    assert (episode.quotes_declared, episode.mentions_declared, episode.description) == (
        4,
        9,
        "Two people talk.",
    )


def test_metadata_alone_needs_a_title(tmp_path):
    write(tmp_path, "solo.toml", "number = 3\n")
    with pytest.raises(DataError, match=r"solo\.toml:1: expected `title"):
        load(find_sources([tmp_path])[0])


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


# Metadata errors name the file and the line


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
        ('show = "A"\nnumber = "490"\n', 2, "expected a whole number, 0 or more for `number`, got '490'"),
        ('show = "A"\nnumber = -1\n', 2, "expected a whole number, 0 or more for `number`, got -1"),
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
        ('duration = "61:99:xx"\n', 1, 'expected seconds or a time like "1:02:03" for `duration`'),
        ('hosts = ["A", 3]\n', 1, "expected a non-empty string for `hosts`, got ['A', 3]"),
        ("guests = 3\n", 1, "expected a list of strings for `guests`, got 3"),
        ("quotes_declared = true\n", 1, "expected a whole number, 0 or more for `quotes_declared`, got True"),
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
        "expected seconds or a time like \"1:02:03\" for `time`, got '1:60'",
    )


def test_unknown_quote_key_names_its_line():
    err = meta_error('[[quotes]]\ntext = "A."\nspeakr = "Ann"\ntime = 1\n')
    assert err.line == 3
    assert err.expected == "expected one of text, speaker, time, truncated, got 'speakr'"


def test_quote_missing_a_speaker_names_its_table():
    err = meta_error('show = "A"\n\n[[quotes]]\ntext = "A."\ntime = 1\n')
    assert (err.line, err.expected) == (3, "expected the quote's speaker, got none")


def test_quotes_must_be_tables():
    assert meta_error('quotes = ["A."]\n').line == 1


# Bytes that are not UTF-8 text


def test_invalid_utf8_names_the_line_of_the_bad_byte(tmp_path):
    page = tmp_path / "ep.txt"
    page.write_bytes(b"A Talk | Show #1\r\nAbout.\r\nBad \xff byte\n")
    with pytest.raises(DataError) as caught:
        load(SourceFiles("ep", page, None))
    assert (caught.value.line, caught.value.expected) == (3, "expected UTF-8 text, got byte 0xff")


def test_invalid_utf8_in_metadata(tmp_path):
    meta = tmp_path / "ep.toml"
    meta.write_bytes(b'title = "\xe9t\xe9"\n')
    with pytest.raises(DataError, match=r"ep\.toml:1: expected UTF-8 text"):
        load(SourceFiles("ep", None, meta))


def test_binary_page_is_a_data_error(tmp_path):
    page = tmp_path / "ep.txt"
    page.write_bytes(b"\x00\x01\x02\x03PNG")
    with pytest.raises(DataError, match="NUL byte"):
        load(SourceFiles("ep", page, None))


def test_bom_is_dropped():
    assert decode("\ufefftitle".encode(), Path("x.txt")) == "title"


def test_unreadable_file_is_a_data_error(tmp_path):
    folder = tmp_path / "ep.txt"
    folder.mkdir()
    with pytest.raises(DataError, match="expected a readable file"):
        read_contents(SourceFiles("ep", folder, None))


def test_missing_contents_are_a_data_error(tmp_path):
    with pytest.raises(DataError, match="expected the file's contents"):
        read_episode(SourceFiles("ep", tmp_path / "ep.txt", None), {})


def test_readme_shows_the_real_seed_metadata_and_valid_examples(tmp_path):
    readme = (DATA.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert (DATA / "episodes" / "lex-fridman-490.toml").read_text(encoding="utf-8") in blocks
    for block in blocks:
        if block.startswith("[[feed]]"):  # a feeds.toml example, read by the feed list
            (tmp_path / "feeds.toml").write_text(block, encoding="utf-8")
            assert read_feeds(tmp_path / "feeds.toml")
        else:
            assert parse_meta(block, Path("README.md"))


def test_deeply_nested_toml_is_a_data_error():
    assert meta_error("a = " + "[" * 100_000).expected == "expected valid TOML, got values nested too deeply"


# Properties: any bytes either load or fail with a DataError naming a line of that file

SEED_META = (DATA / "episodes" / "lex-fridman-490.toml").read_text(encoding="utf-8")
TOML_JUNK = st.sampled_from(
    ["", "[people]", "[[quotes]]", "x = 1", 'time = "1:60"', "number = -1", "= 3", "[", "'"]
)


def check_loads(files: SourceFiles, contents: dict[Path, bytes]) -> None:
    """Assert read_episode either returns an episode or raises DataError within the failing file."""
    try:
        episode = read_episode(files, contents)
    except DataError as err:
        failed = err
    else:
        assert isinstance(episode, EpisodeSource)
        assert episode.key == files.key
        return
    assert failed.path in contents
    text = contents[failed.path].decode("utf-8", "replace")
    assert 1 <= failed.line <= len(split_lines(text))
    assert len(str(failed).splitlines()) == 1


@given(st.binary())
def test_arbitrary_bytes_as_a_page(data):
    check_loads(SourceFiles("ep", Path("ep.txt"), None), {Path("ep.txt"): data})


@given(st.binary() | st.text().map(str.encode))
def test_arbitrary_bytes_as_metadata(data):
    check_loads(SourceFiles("ep", None, Path("ep.toml")), {Path("ep.toml"): data})


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=20), TOML_JUNK | st.text(max_size=20)), max_size=5)
)
def test_seed_metadata_with_junk_lines_inserted(insertions):
    lines = SEED_META.splitlines()
    for index, junk in insertions:
        lines.insert(index, junk)
    meta = "\n".join(lines).encode()
    check_loads(SourceFiles("ep", None, Path("ep.toml")), {Path("ep.toml"): meta})
