"""The "Find quote" message menu end to end through the emulator."""

from __future__ import annotations

SEED = "https://www.youtube.com/watch?v=EV7WhVT270Q"


async def test_a_half_remembered_line_finds_its_source(emulator, live_bot):
    message = await emulator.post("someone said the recursive language model paper addresses long context?")
    ix = await emulator.invoke_message_command("Find quote", message, member=emulator.admin)
    first = ix.message.embeds[0]["fields"][0]
    assert first["name"] == "Sebastian Raschka"
    assert f"[▶ 2:46:45]({SEED}&t=10005s)" in first["value"]
    assert not ix.ephemeral


async def test_a_message_without_text_is_explained(emulator, live_bot):
    message = await emulator.post("")
    ix = await emulator.invoke_message_command("Find quote", message)
    assert ix.ephemeral
    assert ix.message.content == "Give me a few words of the quote to look for."
