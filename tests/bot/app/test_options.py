"""Episode and speaker options: choices that fit Discord and resolve back, and resolution."""

from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import limits
from bot.app.client import EpisodeBot
from bot.app.options import EpisodeOption, SpeakerOption, episode_choice, speaker_choice
from bot.errors import NotFoundError
from bot.knowledge import KnowledgeBase
from bot.model import Person
from tests.helpers import episode, mock_interaction

LONG_TITLE = "An Extremely Long Episode Title " * 6


@pytest.fixture
def interaction(kb):
    """Return an interaction served by a bot whose knowledge base is `kb`."""
    ix = mock_interaction()
    ix.client = mock.MagicMock(spec=EpisodeBot)
    ix.client.kb = kb
    return ix


def test_an_episode_choice_is_its_label_and_key():
    choice = episode_choice(episode())
    assert choice.value == "lex-fridman-490"
    assert choice.name == (
        "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI | Lex Fridman Podcast #490"
    )


def test_a_long_episode_gets_a_reference_value_and_keeps_its_number_in_the_label():
    choice = episode_choice(episode(id=3, key="k" * 120, title=LONG_TITLE, number=12))
    assert choice.value == "episode:3"
    assert len(choice.name) <= limits.CHOICE_NAME
    assert choice.name.endswith("… | Lex Fridman Podcast #12")


def test_a_speaker_choice_counts_quotes_and_falls_back_to_a_reference_when_the_name_cannot_be_typed():
    kb = mock.create_autospec(KnowledgeBase, instance=True)
    kb.quote_count.return_value = 3
    kb.names_only.return_value = True
    nathan = speaker_choice(kb, Person(1, "Nathan Lambert"))
    assert (nathan.name, nathan.value) == ("Nathan Lambert · 3 quotes", "Nathan Lambert")
    long = speaker_choice(kb, Person(3, "X" * 120))
    assert long.value == "person:3"
    assert len(long.name) <= limits.CHOICE_NAME
    assert long.name.endswith("… · 3 quotes")
    kb.names_only.return_value = False  # another person's name or alias normalizes the same
    kb.quote_count.return_value = 0
    shared = speaker_choice(kb, Person(2, "Nathan Smith"))
    assert (shared.name, shared.value) == ("Nathan Smith", "person:2")


async def test_every_offered_choice_resolves_back_to_what_it_names(kb, interaction):
    episodes = await EpisodeOption().autocomplete(interaction, "")
    assert [c.value for c in episodes] == ["lex-fridman-490", "guest"]
    for choice in episodes + await EpisodeOption().autocomplete(interaction, "reason"):
        assert (await EpisodeOption().transform(interaction, choice.value)).key == choice.value
    speakers = await SpeakerOption().autocomplete(interaction, "")
    assert {c.value for c in speakers[:2]} == {"Sebastian Raschka", "Nathan Lambert"}
    for choice in speakers + await SpeakerOption().autocomplete(interaction, "zo"):
        assert (await SpeakerOption().transform(interaction, choice.value)).name == choice.value
    assert (await SpeakerOption().autocomplete(interaction, "zo"))[0].value == "Zoë Ångström-Okafor"
    assert await SpeakerOption().autocomplete(interaction, "qqqq") == []


async def test_a_blank_episode_is_the_latest_or_none_when_optional(kb, interaction):
    assert (await EpisodeOption().transform(interaction, "  ")).key == "lex-fridman-490"
    assert await EpisodeOption(optional=True).transform(interaction, "  ") is None
    assert (await EpisodeOption(optional=True).transform(interaction, "#490")).key == "lex-fridman-490"


async def test_a_blank_optional_speaker_is_none_and_a_required_one_is_not_found(kb, interaction):
    assert await SpeakerOption(optional=True).transform(interaction, " ") is None
    assert (await SpeakerOption().transform(interaction, "nathan lamber")).name == "Nathan Lambert"
    with pytest.raises(NotFoundError):
        await SpeakerOption().transform(interaction, " ")


async def test_unknown_names_raise_not_found_with_suggestions(kb, interaction):
    with pytest.raises(NotFoundError) as err:
        await SpeakerOption().transform(interaction, "sebastian qqqq")
    assert err.value.suggestions == ("Sebastian Raschka",)
    with pytest.raises(NotFoundError):
        await EpisodeOption().transform(interaction, "#999")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
async def test_any_typed_text_gets_choices_that_fit_discord(kb, interaction, text):
    for option in (EpisodeOption(), SpeakerOption()):
        choices = await option.autocomplete(interaction, text)
        assert len(choices) <= limits.CHOICES
        assert all(1 <= len(c.name) <= limits.CHOICE_NAME for c in choices)
        assert all(1 <= len(c.value) <= limits.CHOICE_VALUE for c in choices)
