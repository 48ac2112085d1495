"""Injected faults and real permission failures reach the bot the way Discord's would."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from tests.emulator import Emulator
from tests.emulator.model import SEND_MESSAGES, VIEW_CHANNEL
from tests.emulator.tinybot import TinyBot

pytestmark = pytest.mark.asyncio(loop_scope="module")
POST = "POST /channels/{channel_id}/messages"


def attempts(emu: Emulator, route: str = POST) -> list[int]:
    """List the statuses answered on `route`, oldest first."""
    return [status for name, status in emu.requests if name == route]


async def test_forbidden_50013_surfaces_as_discord_forbidden(emu: Emulator, tiny: TinyBot) -> None:
    emu.fail(POST, 403, 50013)
    ix = await emu.invoke("/post", where=emu.channel, text="hi")
    assert ix.message.content == "failed: 50013"
    assert isinstance(tiny.errors[-1], discord.Forbidden)
    assert emu.posts_in(emu.channel) == []


async def test_unknown_channel_10003_surfaces_as_not_found(emu: Emulator, tiny: TinyBot) -> None:
    emu.fail(POST, 404, 10003)
    ix = await emu.invoke("/post", where=emu.channel, text="hi")
    assert ix.message.content == "failed: 10003"
    assert isinstance(tiny.errors[-1], discord.NotFound)


async def test_rate_limit_is_retried_after_retry_after_then_succeeds(emu: Emulator, tiny: TinyBot) -> None:
    before = len(attempts(emu))
    fault = emu.rate_limit(POST, retry_after=0.05, times=2)
    ix = await emu.invoke("/post", where=emu.channel, text="patient")
    assert ix.message.content == "posted"
    assert fault.hits == 2
    assert attempts(emu)[before:] == [429, 429, 200]
    assert emu.posts_in(emu.channel)[-1].content == "patient"


async def test_server_error_is_retried_then_succeeds(emu: Emulator, tiny: TinyBot) -> None:
    before = len(attempts(emu))
    emu.fail(POST, 500)
    ix = await emu.invoke("/post", where=emu.channel, text="again", within=5.0)
    assert ix.message.content == "posted"
    assert attempts(emu)[before:] == [500, 200]


async def test_a_fault_can_target_one_channel(emu: Emulator, tiny: TinyBot) -> None:
    other = await emu.create_channel(emu.guild, "other")
    emu.fail(POST, 403, 50013, channel_id=other.id)
    ok = await emu.invoke("/post", where=emu.channel, text="here")
    refused = await emu.invoke("/post", where=other, text="there")
    assert (ok.message.content, refused.message.content) == ("posted", "failed: 50013")


async def test_interaction_callbacks_can_be_rate_limited_too(emu: Emulator, tiny: TinyBot) -> None:
    emu.rate_limit("POST /interactions/{interaction_id}/{token}/callback", retry_after=0.05)
    ix = await emu.invoke("/echo", text="eventually")
    assert ix.message.content == "eventually"
    assert ix.latency >= 0.05


async def test_a_denied_send_permission_answers_50013(emu: Emulator, tiny: TinyBot) -> None:
    room = await emu.create_channel(emu.guild, "read-only")
    await emu.set_permissions(room, emu.guild, deny=SEND_MESSAGES)
    ix = await emu.invoke("/post", where=room, text="hi")
    assert ix.message.content == "failed: 50013"


async def test_a_hidden_channel_answers_50001(emu: Emulator, tiny: TinyBot) -> None:
    room = await emu.create_channel(emu.guild, "secret")
    await emu.set_permissions(room, emu.guild.members[emu.bot_user_id], deny=VIEW_CHANNEL)
    ix = await emu.invoke("/post", where=room, text="hi")
    assert ix.message.content == "failed: 50001"


async def test_a_deleted_channel_answers_10003(emu: Emulator, tiny: TinyBot) -> None:
    room = await emu.create_channel(emu.guild, "doomed")
    await emu.delete_channel(room)
    await emu.wait_until(lambda: tiny.get_channel(room.id) is None, what="CHANNEL_DELETE to reach the bot")
    with pytest.raises(discord.NotFound) as caught:  # as a scheduler holding the old id would
        await tiny.get_partial_messageable(room.id).send("hi")
    assert caught.value.code == 10003
    with pytest.raises(AssertionError, match="deleted"):
        await emu.invoke("/post", where=room, text="hi")


async def test_a_lost_answer_retried_with_the_same_nonce_posts_once(emu: Emulator, tiny: TinyBot) -> None:
    emu.fail(POST, 500, after=True)  # Discord wrote the message but the answer was a 500
    before = len(emu.posts_in(emu.channel))
    sent = await tiny.get_channel(emu.channel.id).send("once", nonce=4242)  # discord.py retries the 500
    posts = emu.posts_in(emu.channel)[before:]
    assert [p.content for p in posts] == ["once"]
    assert sent.id == posts[0].id


async def test_fetching_a_channel_respects_its_visibility(emu: Emulator, tiny: TinyBot) -> None:
    assert (await tiny.fetch_channel(emu.channel.id)).name == "general"
    room = await emu.create_channel(emu.guild, "staff")
    await emu.set_permissions(room, emu.guild, deny=VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden):
        await tiny.fetch_channel(room.id)


async def test_a_slow_route_answers_late_and_says_when_the_request_arrived(
    emu: Emulator, tiny: TinyBot
) -> None:
    delay = emu.slow(POST, 0.3)
    send = asyncio.ensure_future(tiny.get_channel(emu.channel.id).send("slowly"))
    await asyncio.wait_for(delay.arrived.wait(), 5)
    assert not send.done()
    started = time.monotonic()
    sent = await send
    assert time.monotonic() - started >= 0.2
    assert emu.posts_in(emu.channel)[-1].id == sent.id
    fast = await tiny.get_channel(emu.channel.id).send("at once")  # only `times` requests are slowed
    assert emu.posts_in(emu.channel)[-1].id == fast.id
