"""`/takeaways` end to end through the emulator."""

from __future__ import annotations

from tests.cogs.conftest import page


async def test_latest_episode_when_none_is_given(emulator, live_bot):
    ix = await emulator.invoke("/takeaways")
    (embed,) = ix.message.embeds
    assert embed["title"].startswith("Key takeaways · State of AI in 2026")
    assert embed["description"].startswith("1. The competitive AI landscape")
    assert "\n\n6. Mixture of Experts (MoE)" in embed["description"]
    assert embed["footer"]["text"] == "6 takeaways"


async def test_typed_episode(emulator, live_bot):
    ix = await emulator.invoke("/takeaways", episode="#490")
    assert "2. Scaling laws remain robust" in ix.message.embeds[0]["description"]


async def test_an_episode_without_takeaways_says_so(emulator, start_bot):
    async with start_bot({"bare": page("Bare Talk | Test Show #7", [("Hi.", "Some One", "0:01")])}):
        ix = await emulator.invoke("/takeaways", episode="bare talk")
    assert ix.ephemeral
    assert ix.message.content == "Bare Talk \\| Test Show #7 has no key takeaways in the data."


async def test_many_takeaways_page(emulator, start_bot):
    takeaways = tuple(f"Lesson {n} of many." for n in range(1, 20))
    pages = {"wise": page("Wise Talk | Test Show #8", [("Hi.", "Some One", "0:01")], takeaways)}
    async with start_bot(pages):
        ix = await emulator.invoke("/takeaways", episode="wise talk")
        assert ix.message.embeds[0]["footer"]["text"] == "Page 1/3 · 19 takeaways"
        await emulator.click(ix.message, label="Next ▶")
    assert ix.message.embeds[0]["description"].startswith("9. Lesson 9 of many.")
