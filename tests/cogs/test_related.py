"""`/related` end to end through the emulator."""

from __future__ import annotations

from tests.cogs.conftest import page


async def test_related_episodes_with_their_reasons(emulator, live_bot):
    ix = await emulator.invoke("/related", episode="490")
    (embed,) = ix.message.embeds
    lines = embed["description"].split("\n")
    assert embed["title"].startswith("Related to State of AI in 2026")
    assert len(lines) == 6
    assert all(line.startswith("• ") and " — " in line for line in lines)
    assert "Khabib vs Lex" in embed["description"]


async def test_a_related_episode_in_the_data_is_linked(emulator, start_bot):
    related = "Paul Rosolie: Uncontacted Tribes in the Amazon Jungle | Lex Fridman Podcast #489"
    other = page(related, [("The jungle is loud.", "Paul Rosolie", "1:00")])
    async with start_bot({"lex-fridman-489": other}):
        ix = await emulator.invoke("/related", episode="490")
    assert "Paul Rosolie: Uncontacted Tribes in the Amazon Jungle" in ix.message.text


async def test_latest_episode_when_none_is_given(emulator, live_bot):
    ix = await emulator.invoke("/related")
    assert ix.message.embeds[0]["title"].startswith("Related to State of AI in 2026")
