"""Several shards: GET /gateway/bot's count, IDENTIFY's `shard`, guilds and interactions routed by shard."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import aiohttp
import discord
import pytest
import pytest_asyncio
import yarl
from discord import app_commands

from tests.emulator import Emulator
from tests.emulator.gateway import INVALID_SHARD, SHARDING_REQUIRED
from tests.emulator.model import Guild, snowflake_on_shard

pytestmark = pytest.mark.asyncio(loop_scope="module")
SHARDS = 2


class ShardBot(discord.AutoShardedClient):
    """A sharded client whose /where answers with the shard that received the interaction."""

    def __init__(self, shard_ids: Sequence[int]) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True, guild_messages=True),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=SHARDS,
            shard_ids=list(shard_ids),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.removed: list[int] = []

        @self.tree.command(description="Say which shard answers")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"shard {interaction.guild.shard_id}")  # type: ignore[union-attr]

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause between two shards' IDENTIFY; the emulator has no such limit."""

    async def on_ready(self) -> None:
        """Note that every shard of this client is ready."""
        self.ready.set()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Note a GUILD_DELETE."""
        self.removed.append(guild.id)


@contextlib.asynccontextmanager
async def running(emu: Emulator, shard_ids: Sequence[int]) -> AsyncIterator[ShardBot]:
    """Run a ShardBot holding `shard_ids` against `emu` until the block ends."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(discord.http.Route, "BASE", emu.api_url)
        mp.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url))
        bot = ShardBot(shard_ids)
        async with bot:
            task = asyncio.create_task(bot.start(emu.token))
            await asyncio.wait_for(bot.ready.wait(), 10)
            try:
                yield bot
            finally:
                await bot.close()
                await task


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emu() -> AsyncIterator[Emulator]:
    """Start an emulator recommending 2 shards, with one guild on each (plus the default world's)."""
    async with Emulator(shards=SHARDS) as emulator:
        await emulator.setup_world()
        yield emulator


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def guilds(emu: Emulator) -> list[Guild]:
    """Return a guild on shard 0 and one on shard 1, each with a #general."""
    made = [await emu.create_guild(f"Shard {n}", shard=(n, SHARDS)) for n in range(SHARDS)]
    for guild in made:
        await emu.create_channel(guild)
    return made


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(emu: Emulator, guilds: list[Guild]) -> AsyncIterator[tuple[ShardBot, ShardBot]]:
    """Run two processes' worth of clients, one per shard, with /where synced once."""
    async with running(emu, [0]) as first, running(emu, [1]) as second:
        await first.tree.sync()
        yield first, second


def channel_of(emu: Emulator, guild: Guild):
    return emu.find_channel(next(iter(guild.channels)))


async def test_a_snowflake_lands_on_the_shard_asked_for() -> None:
    for count in (1, 2, 3, 16):
        for shard_id in range(count):
            assert (snowflake_on_shard(shard_id, count) >> 22) % count == shard_id


async def test_gateway_bot_recommends_the_configured_shard_count(emu: Emulator, pair) -> None:
    shards, url, _limits = await pair[0].http.get_bot_gateway()
    assert (shards, url) == (SHARDS, emu.gateway_url)


async def test_each_session_is_sent_only_its_shards_guilds(emu: Emulator, guilds, pair) -> None:
    first, second = pair
    for bot, shard_id in ((first, 0), (second, 1)):
        expected = {g for g in emu.guilds if (g >> 22) % SHARDS == shard_id}
        assert {g.id for g in bot.guilds} == expected
        assert guilds[shard_id].id in expected
    assert {s.shard for s in emu.sessions} == {(0, SHARDS), (1, SHARDS)}


async def test_interactions_go_to_the_session_of_their_guilds_shard(emu: Emulator, guilds, pair) -> None:
    for shard_id, guild in enumerate(guilds):
        member = await emu.create_member(guild, f"fan{shard_id}")
        ix = await emu.invoke("/where", member=member, channel=channel_of(emu, guild))
        assert ix.message.content == f"shard {shard_id}"


async def test_a_new_guild_and_its_removal_reach_only_its_shard(emu: Emulator, pair) -> None:
    first, second = pair
    joined = await emu.create_guild("Late", shard=(1, SHARDS))
    await emu.wait_until(lambda: second.get_guild(joined.id), what="GUILD_CREATE on shard 1")
    await emu.remove_bot(joined)
    await emu.wait_until(lambda: joined.id in second.removed, what="GUILD_DELETE on shard 1")
    assert first.get_guild(joined.id) is None
    assert joined.id not in first.removed


async def test_one_client_can_hold_every_shard(emu: Emulator, guilds, pair) -> None:
    async with running(emu, [0, 1]) as both:
        assert {g.id for g in both.guilds} == set(emu.guilds)
        assert sorted(both.shards) == [0, 1]


async def identify(emu: Emulator, shard: object) -> aiohttp.WSMessage:
    """IDENTIFY with `shard` on a raw socket and return the first frame after HELLO."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws,
    ):
        await ws.receive_json()  # HELLO
        await ws.send_json(
            {"op": 2, "d": {"token": emu.token, "intents": 1, "properties": {}, "shard": shard}}
        )
        return await ws.receive()


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0,2", [0.5, 2]])
async def test_an_invalid_shard_is_closed_with_4010(emu: Emulator, shard: object) -> None:
    answer = await identify(emu, shard)
    assert (answer.type, answer.data) == (aiohttp.WSMsgType.CLOSE, INVALID_SHARD)


async def test_too_many_guilds_on_one_shard_is_closed_with_4011(emu: Emulator, guilds) -> None:
    emu.max_guilds_per_shard = len(emu.guilds) - 1
    try:
        answer = await identify(emu, [0, 1])
        assert (answer.type, answer.data) == (aiohttp.WSMsgType.CLOSE, SHARDING_REQUIRED)
        split = await identify(emu, [0, 2])  # the module's guilds include one on each of 2 shards
        assert split.type == aiohttp.WSMsgType.TEXT  # READY
    finally:
        emu.max_guilds_per_shard = 2500
