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
    # The seed page lists #489 by title only; once #489 is in the data (with a URL), its line
    # links there, while titles the data lacks stay bold and unlinked.
    related = "Paul Rosolie: Uncontacted Tribes in the Amazon Jungle | Lex Fridman Podcast #489"
    other = page(related, [("The jungle is loud.", "Paul Rosolie", "1:00")])
    url = 'url = "https://www.youtube.com/watch?v=rosolie489"\n'
    async with start_bot({"lex-fridman-489": other}, meta={"lex-fridman-489": url}):
        ix = await emulator.invoke("/related", episode="490")
    lines = ix.message.embeds[0]["description"].split("\n")
    shown = related.replace("|", "\\|")
    assert f"• [{shown}](https://www.youtube.com/watch?v=rosolie489) — listed on the episode page" in lines
    assert sum("](" in line for line in lines) == 1


async def test_latest_episode_when_none_is_given(emulator, live_bot):
    ix = await emulator.invoke("/related")
    assert ix.message.embeds[0]["title"].startswith("Related to State of AI in 2026")
