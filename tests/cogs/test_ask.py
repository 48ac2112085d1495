"""`/ask` and mention replies end to end through the emulator."""

from __future__ import annotations

from bot.app.render.answers import NOTHING_FOUND

SEED = "https://www.youtube.com/watch?v=EV7WhVT270Q"


async def test_ask_cites_passages_with_episode_speaker_and_moment(emulator, live_bot):
    ix = await emulator.invoke("/ask", question="what does nathan use for coding")
    (embed,) = ix.message.embeds
    first = embed["fields"][0]
    assert first["name"] == "Quote · Nathan Lambert"
    assert "Claude Opus 4.5" in first["value"]
    assert f"[▶ 17:05]({SEED}&t=1025s)" in first["value"]
    assert "State of AI in 2026" in first["value"]


async def test_ask_says_when_it_found_nothing(emulator, live_bot):
    ix = await emulator.invoke("/ask", question="xylophone quasar marmalade")
    assert ix.ephemeral
    assert ix.message.content == NOTHING_FOUND


async def test_a_mention_gets_the_same_answer_as_a_reply(emulator, live_bot):
    asked = await emulator.post(f"{emulator.bot_mention} what does Nathan use for coding?")
    reply = await emulator.wait_for_reply(asked)
    slash = await emulator.invoke("/ask", question="what does Nathan use for coding?")
    assert reply.embeds[0]["fields"] == slash.message.embeds[0]["fields"]
    assert reply.allowed_mentions == {"parse": [], "replied_user": False}


async def test_messages_from_bots_and_without_a_mention_are_ignored(emulator, live_bot):
    robot = await emulator.create_member(emulator.guild, "robot", bot=True)
    ignored = [
        await emulator.post(f"{emulator.bot_mention} what does nathan use?", member=robot),
        await emulator.post("what does nathan use for coding?"),
        await emulator.post("@everyone what does nathan use for coding?"),
    ]
    answered = await emulator.post(f"{emulator.bot_mention} scaling laws")
    await emulator.wait_for_reply(answered)
    replied_to = {(m.data.get("message_reference") or {}).get("message_id") for m in emulator.posts}
    assert not replied_to & {str(m.id) for m in ignored}


async def test_a_reply_to_the_bot_without_a_written_mention_is_not_a_question(emulator, live_bot):
    asked = await emulator.post(f"{emulator.bot_mention} scaling laws")
    answer = await emulator.wait_for_reply(asked)
    thanks = await emulator.post("thanks, that helps!", reply_to=answer)
    followed = await emulator.post(f"{emulator.bot_mention} what does Nathan use for coding?")
    await emulator.wait_for_reply(followed)  # answers arrive in order: "thanks" had its chance
    replied_to = {(m.data.get("message_reference") or {}).get("message_id") for m in emulator.posts}
    assert str(thanks.id) not in replied_to


async def test_an_empty_mention_gets_a_hint(emulator, live_bot):
    asked = await emulator.post(emulator.bot_mention)
    reply = await emulator.wait_for_reply(asked)
    assert reply.content.startswith("Ask me something after the mention")


async def test_ask_and_mentions_share_one_cooldown(emulator, live_bot):
    for _ in range(5):
        ix = await emulator.invoke("/ask", question="scaling laws")
        assert not ix.ephemeral
    slow = await emulator.invoke("/ask", question="scaling laws")
    assert slow.message.content.startswith("You're asking quickly — try again in ")
    asked = await emulator.post(f"{emulator.bot_mention} scaling laws")
    reply = await emulator.wait_for_reply(asked)
    assert reply.content.startswith("You're asking quickly — try again in ")
    assert reply.embeds == []
