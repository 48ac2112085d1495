"""`/help` end to end through the emulator."""

from __future__ import annotations


async def test_help_lists_every_command_with_an_example(emulator, live_bot):
    ix = await emulator.invoke("/help")
    assert ix.ephemeral
    text = ix.message.text
    for command in ("/episode", "/takeaways", "/quote speaker", "/quote search", "/quote random", "/related",
                    "/search text:", "/chapters episode:"):  # fmt: skip
        assert command in text
    assert "/ask question:" in text
    assert "Find quote" in text
    assert text.count("Example: `") == 12


async def test_help_names_every_registered_command(emulator, live_bot):
    registered = [cmd for scope in emulator.commands.values() for cmd in scope if cmd["name"] != "help"]
    text = (await emulator.invoke("/help")).message.text
    for cmd in registered:
        shown = cmd["name"] if cmd.get("type", 1) != 1 else f"/{cmd['name']}"
        assert shown in text, f"/help does not mention {shown}"
