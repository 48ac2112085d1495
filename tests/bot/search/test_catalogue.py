"""The in-memory catalogue: episode and speaker resolution, references and suggestions."""

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import NotFoundError
from bot.search.catalogue import Catalogue, split_number
from bot.storage.queries import EpisodeRow, PersonRow

LONG_TITLE = "An Extremely Long Episode Title " * 6


@pytest.fixture
def cat():
    episodes = [
        EpisodeRow(
            1, "lex-490", "State of AI in 2026", "Lex Fridman Podcast", 490, None, dt.date(2026, 1, 31), ()
        ),
        EpisodeRow(2, "other-490", "Gardening", "Other Show", 490, None, dt.date(2025, 5, 1), ()),
        EpisodeRow(3, "k" * 120, LONG_TITLE, "Lex Fridman Podcast", 12, None, None, ("long one",)),
        EpisodeRow(4, "undated", "Khabib vs Lex | FULL EXCLUSIVE FOOTAGE", None, None, None, None, ()),
    ]
    people = [
        PersonRow(1, "Nathan Lambert", ("Nathan",), 3, 1),
        PersonRow(2, "Nathan Smith", (), 1, 1),
        PersonRow(3, "X" * 120, (), 0, 1),
    ]
    return Catalogue.build(episodes, people, [(1, 1), (2, 2)])


def test_numbers_with_a_prefix_pick_the_show(cat):
    assert cat.resolve_episode("490").key == "lex-490"  # several shows: the newest
    assert cat.resolve_episode("other 490").key == "other-490"
    assert cat.resolve_episode("lex #490").key == "lex-490"
    assert cat.resolve_episode("gardening").key == "other-490"


def test_latest_is_by_date_then_number_and_undated_last(cat):
    assert cat.resolve_episode(None).key == "lex-490"
    assert cat.latest[-2:] == [3, 4]


def test_references_resolve_back_to_exactly_their_episode_or_person(cat):
    long_episode = cat.episodes[3]
    assert long_episode.reference == "episode:3"
    assert cat.resolve_episode("episode:3") is long_episode
    assert cat.resolve_speaker(cat.people[3].reference).id == 3


def test_suggestions_cut_long_titles_but_keep_the_show_and_number(cat):
    with pytest.raises(NotFoundError) as err:
        cat.resolve_episode("extremely long episode titel zzz")
    [label] = [s for s in err.value.suggestions if s.startswith("An Extremely")]
    assert len(label) <= 100
    assert label.endswith(" | Lex Fridman Podcast #12")


def test_suggest_blank_gives_latest_episodes_and_most_quoted_people(cat):
    assert [ep.id for ep in cat.suggest_episodes("", 25)] == cat.latest
    assert [p.id for p in cat.suggest_speakers("", 2)] == [1, 2]
    assert [p.name for p in cat.suggest_speakers("nath", 25)][:2] == ["Nathan Lambert", "Nathan Smith"]


def test_names_only_tells_a_name_shared_by_nobody_else(cat):
    nathan = cat.people[1]
    assert cat.names_only("Nathan Lambert", nathan)
    assert not cat.names_only("Nathan Smith", nathan)


def test_a_stale_episode_value_is_not_found_rather_than_read_as_a_number(cat):
    # "episode:12" names the episode with id 12, which is gone; episode #12 (id 3) is another one.
    with pytest.raises(NotFoundError):
        cat.resolve_episode("episode:12")


def test_episode_aliases_resolve(cat):
    assert cat.resolve_episode("long one").id == 3


def test_ambiguous_first_name_resolves_to_the_most_quoted(cat):
    assert cat.resolve_speaker("nathan").name == "Nathan Lambert"
    assert cat.resolve_speaker("nathan smith").name == "Nathan Smith"


def test_not_found_carries_at_most_three_suggestions(cat):
    with pytest.raises(NotFoundError) as err:
        cat.resolve_speaker("nate")
    assert len(err.value.suggestions) <= 3
    with pytest.raises(NotFoundError):
        cat.resolve_episode("#999")


def test_empty_catalogue_answers_politely():
    empty = Catalogue()
    with pytest.raises(NotFoundError):
        empty.resolve_episode(None)
    assert empty.suggest_episodes("", 25) == []
    assert empty.suggest_speakers("x", 25) == []
    assert empty.shows() == []


# The regex the number split replaced, kept as the reference for what it must find (on short text:
# it backtracks quadratically on long runs of spaces or #).
OLD_NUMBERED = re.compile(r"(?P<prefix>.*?)[\s#]*(?P<number>[0-9]{1,9})\s*", re.DOTALL)


@given(st.text(alphabet=st.sampled_from(" #\t\n0123456789abé\u00a0"), max_size=30))
def test_the_number_split_finds_what_the_old_regex_found(text):
    old = OLD_NUMBERED.fullmatch(text)
    assert split_number(text) == (None if old is None else (old["prefix"], int(old["number"])))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("490", ("", 490)),
        ("#490", ("", 490)),
        ("lex # 490 ", ("lex", 490)),
        ("ep1234567890", ("ep1", 234567890)),
    ],
)
def test_the_number_split(text, expected):
    assert split_number(text) == expected
