"""The real discord.py bot receives interactions from the emulator and its answers are readable."""

from __future__ import annotations

import io

import discord
import pytest

from tests.emulator import CommandUnavailableError, Emulator
from tests.emulator.model import SEND_MESSAGES
from tests.emulator.tinybot import TinyBot

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_slash_command_answer_is_readable(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/echo", text="hello")
    assert ix.response_type == 4
    assert ix.message.content == "hello"
    assert not ix.ephemeral
    assert ix.message.allowed_mentions == {"parse": []}
    assert 0 <= ix.latency < emu.deadline


async def test_sync_stores_schema_with_real_ids_that_survive_a_resync(emu: Emulator, tiny: TinyBot) -> None:
    before = {c["name"]: c["id"] for c in emu.commands[None]}
    await tiny.tree.sync()
    after = {c["name"]: c["id"] for c in emu.commands[None]}
    assert before == after
    assert {"echo", "quote", "Find quote"} <= set(after)
    fetched = await tiny.tree.fetch_commands()
    assert {c.id for c in fetched} == {int(i) for i in after.values()}


async def test_subcommand_options_are_typed_from_the_schema(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/quote speaker", name="nathan lamber", episode="490")
    sub = ix.payload["data"]["options"][0]
    assert sub["name"] == "speaker"
    assert sub["type"] == 1
    assert {"name": "episode", "type": 4, "value": 490} in sub["options"]
    assert ix.message.content == "speaker=nathan lamber episode=490"


async def test_unknown_option_or_missing_required_is_a_test_error(emu: Emulator, tiny: TinyBot) -> None:
    with pytest.raises(AssertionError, match="no option 'nmae'"):
        await emu.invoke("/quote speaker", nmae="x")
    with pytest.raises(AssertionError, match="requires"):
        await emu.invoke("/quote speaker", episode=1)


async def test_guild_command_carries_its_guild_id(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/local")
    assert ix.payload["data"]["guild_id"] == str(emu.guild.id)
    assert ix.message.content == f"local to {emu.guild.id}"


async def test_autocomplete_returns_choices_for_the_focused_option(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.autocomplete("/quote speaker", "name", "nath")
    assert ix.response_type == 8
    assert ix.choices == [{"name": "Nathan Lambert", "value": "Nathan Lambert"}]
    focused = ix.payload["data"]["options"][0]["options"][0]
    assert focused == {"name": "name", "type": 3, "value": "nath", "focused": True}


async def test_defer_then_edit_settles_on_the_edited_answer(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/slow_answer", ephemeral=True)
    assert ix.response_type == 5
    assert ix.message.content == "done"
    assert ix.ephemeral
    assert not ix.message.loading


async def test_followup_can_be_ephemeral_while_the_answer_is_public(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/followup")
    await emu.wait_until(lambda: ix.followups, what="the followup")
    assert ix.message.content == "first"
    assert not ix.ephemeral
    assert [(f.content, f.ephemeral) for f in ix.followups] == [("second", True)]
    assert ix.message in emu.messages_in(emu.channel)
    assert ix.followups[0] not in emu.messages_in(emu.channel)


async def test_button_press_reaches_a_dynamic_item_and_updates_it(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/pages")
    msg = ix.message
    assert [b.get("custom_id") for b in msg.buttons] == ["page:1", None]
    press = await emu.click(msg, label="Next (1)")
    assert press.response_type == 7
    assert msg.content == "page 2"
    assert msg.button(custom_id="page:2")["label"] == "Next (2)"
    with pytest.raises(AssertionError, match="link button"):
        await emu.click(msg, label="Open")


async def test_message_context_menu_gets_the_target_message(emu: Emulator, tiny: TinyBot) -> None:
    said = await emu.post("the best code is no code")
    ix = await emu.invoke_message_command("Find quote", said)
    assert ix.payload["data"]["target_id"] == str(said.id)
    assert ix.message.content == "looking for: the best code is no code"


async def test_member_and_channel_options_are_resolved(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/who", person=emu.admin, where=emu.channel)
    assert ix.message.content == "ada in #general"
    assert str(emu.admin.id) in ix.payload["data"]["resolved"]["members"]


async def test_default_permissions_hide_a_command_unless_bypassed(emu: Emulator, tiny: TinyBot) -> None:
    with pytest.raises(CommandUnavailableError):
        await emu.invoke("/admin", member=emu.member)
    refused = await emu.invoke("/admin", member=emu.member, bypass_permissions=True)
    allowed = await emu.invoke("/admin", member=emu.admin)
    assert refused.message.content == "manage_guild=False"
    assert allowed.message.content == "manage_guild=True"


async def test_permissions_follow_channel_overwrites(emu: Emulator, tiny: TinyBot) -> None:
    room = await emu.create_channel(emu.guild, "quiet")
    await emu.set_permissions(room, emu.guild.members[emu.bot_user_id], deny=SEND_MESSAGES)
    ix = await emu.invoke("/perms", channel=room)
    assert ix.message.content.startswith("bot send=False")
    assert ix.payload["member"]["permissions"] == str(emu.guild.permissions(emu.member, room))
    channel = tiny.get_channel(room.id)
    assert not channel.permissions_for(channel.guild.me).send_messages


async def test_message_mentioning_the_bot_gets_a_reply(emu: Emulator, tiny: TinyBot) -> None:
    said = await emu.post(f"{emu.bot_mention} what does Nathan use?")
    reply = await emu.wait_for_reply(said)
    assert reply.content == f"you said: {emu.bot_mention} what does Nathan use?"
    assert reply.data["message_reference"]["message_id"] == str(said.id)
    assert not reply.allowed_mentions.get("replied_user")


async def test_without_content_intent_other_messages_arrive_empty(emu: Emulator, tiny: TinyBot) -> None:
    said = await emu.post("just chatting")
    seen = await emu.wait_until(lambda: next((m for m in tiny.seen if m.id == said.id), None))
    assert seen.content == ""
    assert isinstance(seen.author, discord.Member)


async def test_a_multipart_message_is_read_from_payload_json(emu: Emulator, tiny: TinyBot) -> None:
    note = discord.File(io.BytesIO(b"transcript"), filename="quote.txt")
    sent = await tiny.get_channel(emu.channel.id).send("with a file", file=note)
    assert emu.posts_in(emu.channel)[-1].content == "with a file"
    assert sent.id == emu.posts_in(emu.channel)[-1].id


async def test_original_and_followups_can_be_read_edited_and_deleted(emu: Emulator, tiny: TinyBot) -> None:
    ix = await emu.invoke("/lifecycle")
    await emu.wait_until(lambda: ix.message.deleted, what="the original to be deleted")
    assert tiny.read[-1] == "v1"
    assert [(f.content, f.edits) for f in ix.followups] == [("f2", 1)]
    assert ix.message not in emu.messages_in(emu.channel)
