"""`/episode` end to end through the emulator."""

from __future__ import annotations

import pytest

SEED = "https://www.youtube.com/watch?v=EV7WhVT270Q"
TITLE = "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI"


@pytest.mark.parametrize("typed", ["490", "#490", "state of ai", "lex-fridman-490"])
async def test_typed_values_find_the_episode_card(emulator, live_bot, typed):
    ix = await emulator.invoke("/episode", episode=typed)
    (embed,) = ix.message.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == TITLE
    assert embed["url"] == SEED
    assert fields["Show"] == "Lex Fridman Podcast"
    assert fields["Episode"] == "#490"
    assert fields["Published"] == "2026-01-31"
    assert fields["Guests"] == "Sebastian Raschka, Nathan Lambert"
    assert "quotes: the page declares 27, shows 9" in fields["In this episode"]
    assert ix.message.button(label="Open episode")["url"] == SEED


async def test_an_autocomplete_value_resolves_to_the_same_episode(emulator, live_bot):
    choices = (await emulator.autocomplete("/episode", "episode", "scaling laws")).choices
    assert choices
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    ix = await emulator.invoke("/episode", episode=choices[0]["value"])
    assert ix.message.embeds[0]["title"] == TITLE


async def test_an_unknown_episode_is_an_ephemeral_note_with_suggestions(emulator, live_bot):
    ix = await emulator.invoke("/episode", episode="state of the art in 2029 robotics")
    assert ix.ephemeral
    assert ix.message.content.startswith("No episode matches")
    assert ix.message.content.count("**") <= 6  # at most three suggestions


async def test_a_failing_episode_lookup_gets_an_error_id(emulator, live_bot, monkeypatch):
    async def broken(*_args):
        raise KeyError("card")

    monkeypatch.setattr(live_bot.kb, "episode_card", broken)
    ix = await emulator.invoke("/episode", episode="490")
    assert ix.ephemeral
    assert ix.message.content.startswith("Something went wrong (error id ")
