"""Episode files: finding them, reading their bytes, and merging a page with its metadata."""

import datetime as dt
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import DataError
from bot.ingest.files import SourceFiles, decode, find_sources, read_contents, read_episode, walk
from bot.ingest.page import split_lines
from bot.links import timestamp_url
from bot.model import EpisodeSource, PersonAliases, SourceQuote
from tests.fixtures import SEED_DIR, SEED_META

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


def test_find_sources_on_the_seed_directory_pairs_page_and_metadata():
    (seed,) = find_sources([SEED_DIR])
    assert seed.key == "lex-fridman-490"
    assert (seed.page.name, seed.meta.name) == ("lex-fridman-490.txt", "lex-fridman-490.toml")


# The seed with its metadata


def test_seed_metadata_enriches_the_page():
    (seed,) = find_sources([SEED_DIR])
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
    (seed,) = find_sources([SEED_DIR])
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


# Properties: any bytes either load or fail with a DataError naming a line of that file

SEED_META_TEXT = SEED_META.read_text(encoding="utf-8")
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
    lines = SEED_META_TEXT.splitlines()
    for index, junk in insertions:
        lines.insert(index, junk)
    meta = "\n".join(lines).encode()
    check_loads(SourceFiles("ep", None, Path("ep.toml")), {Path("ep.toml"): meta})


@pytest.mark.timeout(20)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(50 * 1024 * 1024)  # 50 MB of NUL bytes, stored sparse
    with pytest.raises(DataError) as caught:
        read_contents(SourceFiles("big", big, None))
    assert str(caught.value) == f"{big}:1: expected a file of at most 1 MiB, got 50.0 MiB"


@pytest.mark.timeout(20)
def test_a_named_pipe_or_a_device_is_refused_without_waiting_on_it(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match=r"pipe\.txt:1: expected a regular file, got a named pipe"):
        read_contents(SourceFiles("pipe", fifo, None))
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    with pytest.raises(DataError, match=r"zero\.txt:1: expected a regular file, got a device"):
        read_contents(SourceFiles("zero", zero, None))


@pytest.mark.timeout(20)
def test_the_walk_refuses_special_files_and_links_out_of_the_folder(tmp_path):
    data = tmp_path / "data"
    kept = write(data, "ep.txt", PAGE)
    inside = write(data, "drafts/other.txt", PAGE.replace("#7", "#8"))
    (data / "linked.txt").symlink_to(inside)  # a link inside the folder is followed
    os.mkfifo(data / "pipe.txt")
    (data / "zero.txt").symlink_to("/dev/zero")
    secret = write(tmp_path, "outside/secret.txt", PAGE)
    (data / "secret.txt").symlink_to(secret)
    (data / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    found = walk([data])
    assert [files.page for files in found.sources] == [kept, data / "linked.txt", inside]
    assert sorted(str(err) for err in found.problems) == [
        f"{data / 'elsewhere'}:1: expected a folder inside {data}, got a link to {secret.parent}",
        f"{data / 'pipe.txt'}:1: expected a regular file, got a named pipe (FIFO)",
        f"{data / 'secret.txt'}:1: expected a file inside {data}, got a link to {secret}",
        f"{data / 'zero.txt'}:1: expected a file inside {data}, got a link to /dev/zero",
    ]


def test_the_walk_lists_files_of_an_unknown_type_once(tmp_path):
    write(tmp_path, "ep.txt", PAGE)
    write(tmp_path, "notes.md", "# notes")
    write(tmp_path, "art/cover.jpg", "jpeg")
    write(tmp_path, "ep.txt~", PAGE)  # editor leftovers and hidden files are not worth a line
    write(tmp_path, ".DS_Store", "")
    write(tmp_path, "episode-bot.db", "")  # a database kept beside the data
    write(tmp_path, "episode-bot.db-wal", "")
    (tmp_path / "latest").symlink_to(tmp_path / "art", target_is_directory=True)
    found = walk([tmp_path])
    assert found.ignored == [tmp_path / "art" / "cover.jpg", tmp_path / "latest", tmp_path / "notes.md"]
