"""Login, READY/GUILD_CREATE, heartbeats, RESUME, re-IDENTIFY, intents and compression."""

from __future__ import annotations

import json
import zlib

import aiohttp
import discord
import pytest
import yarl
from discord.http import Route

from tests.emulator import Emulator
from tests.emulator.gateway import HEARTBEAT, IDENTIFY, RESUME
from tests.emulator.tinybot import TinyBot

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_ready_and_guild_create_fill_the_bot_cache(emu: Emulator, tiny: TinyBot) -> None:
    guild = tiny.get_guild(emu.guild.id)
    assert guild is not None
    assert [c.name for c in guild.text_channels] == ["general"]
    assert guild.me.id == emu.bot_user_id
    assert tiny.application_id == emu.app_id
    assert tiny.user.bot


async def test_the_connection_uses_the_compression_discord_py_asked_for(emu: Emulator, tiny: TinyBot) -> None:
    wanted = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert ("connect", wanted) in emu.gateway_log


async def test_heartbeats_are_acknowledged_and_can_be_requested(emu: Emulator, tiny: TinyBot) -> None:
    before = emu.count_ops(HEARTBEAT)
    assert before >= 1  # discord.py beats at once on HELLO
    await emu.request_heartbeat()
    await emu.wait_until(lambda: emu.count_ops(HEARTBEAT) > before, what="a requested heartbeat")
    assert tiny.latency < 1.0  # the first beat was ACKed, or latency would be infinite


async def test_gateway_bot_hands_out_the_emulator_gateway(emu: Emulator, tiny: TinyBot) -> None:
    shards, url, limits = await tiny.http.get_bot_gateway()
    assert (shards, url) == (1, emu.gateway_url)
    assert limits["max_concurrency"] == 1


async def test_a_dropped_connection_is_resumed_and_missed_events_replayed(
    emu: Emulator, tiny: TinyBot
) -> None:
    resumes = emu.count_ops(RESUME)
    await emu.drop_connection(code=4000)
    said = await emu.post(f"{emu.bot_mention} did you miss me?")  # sent while the socket is down
    await emu.wait_until(lambda: "resumed" in tiny.events, what="on_resumed")
    assert emu.count_ops(RESUME) == resumes + 1
    assert emu.count_ops(IDENTIFY) == 1
    assert ("replayed", 1) in emu.gateway_log
    reply = await emu.wait_for_reply(said)
    assert reply.content.startswith("you said")
    assert (await emu.invoke("/echo", text="still here")).message.content == "still here"


async def test_an_invalid_session_makes_the_bot_identify_again(emu: Emulator, tiny: TinyBot) -> None:
    tiny.events.clear()
    await emu.invalidate_session()
    await emu.wait_until(lambda: "ready" in tiny.events, what="a second READY")
    assert emu.count_ops(IDENTIFY) == 2
    assert (await emu.invoke("/echo", text="back")).message.content == "back"


async def test_guild_join_and_removal_reach_the_bot(emu: Emulator, tiny: TinyBot) -> None:
    other = await emu.create_guild("Other Show")
    await emu.wait_until(lambda: tiny.get_guild(other.id), what="GUILD_CREATE for a new guild")
    await emu.remove_bot(other)
    await emu.wait_until(lambda: f"removed {other.id}" in tiny.events, what="on_guild_remove")
    assert tiny.get_guild(other.id) is None


async def test_an_unknown_route_is_a_loud_404_and_a_recorded_gap(emu: Emulator, tiny: TinyBot) -> None:
    with pytest.raises(discord.NotFound):
        await tiny.http.request(Route("GET", "/guilds/{guild_id}/audit-logs", guild_id=emu.guild.id))
    assert emu.gaps == [f"no route for GET /api/v10/guilds/{emu.guild.id}/audit-logs"]
    emu.gaps.clear()


async def test_a_wrong_token_is_refused_at_login(emu: Emulator, tiny: TinyBot) -> None:
    client = discord.Client(intents=discord.Intents.none())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Route, "BASE", emu.api_url)
        with pytest.raises(discord.LoginFailure):
            await client.login(emu.token[:-2] + "xx")
    await client.close()


async def test_a_privileged_intent_not_enabled_closes_with_4014(emu: Emulator, tiny: TinyBot) -> None:
    client = discord.Client(intents=discord.Intents(guilds=True, message_content=True))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Route, "BASE", emu.api_url)
        mp.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url))
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await client.start(emu.token)
    await client.close()


async def test_an_uncompressed_client_gets_text_frames(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws,
    ):
        hello = await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 1, "properties": {}}})
        ready = await ws.receive_json()
        guild = await ws.receive_json()
    assert hello["op"] == 10
    assert (ready["t"], ready["s"], ready["d"]["application"]["id"]) == ("READY", 1, str(emu.app_id))
    assert (guild["t"], guild["s"]) == ("GUILD_CREATE", 2)


async def test_a_zlib_stream_is_one_stream_with_a_sync_flush_per_message(emu: Emulator) -> None:
    url = emu.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
    inflate = zlib.decompressobj()
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        first = await ws.receive_bytes()
        await ws.send_json({"op": 1, "d": None})
        second = await ws.receive_bytes()
    assert first.endswith(b"\x00\x00\xff\xff")
    assert json.loads(inflate.decompress(first))["op"] == 10
    assert json.loads(inflate.decompress(second))["op"] == 11


async def test_zstd_stream_when_zstandard_is_installed(emu: Emulator) -> None:
    zstandard = pytest.importorskip(
        "zstandard", reason="discord.py only asks for zstd-stream when it is installed"
    )
    url = emu.gateway_url + "?v=10&encoding=json&compress=zstd-stream"
    unpack = zstandard.ZstdDecompressor().decompressobj()
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        hello = await ws.receive_bytes()
    assert json.loads(unpack.decompress(hello))["op"] == 10


async def test_json_answers_say_exactly_application_json(emu: Emulator) -> None:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(emu.api_url + "/gateway/bot", headers=headers) as got,
    ):
        assert got.headers["Content-Type"] == "application/json"
        assert (await got.json())["url"] == emu.gateway_url
