import asyncio
import gc
import logging
import re
import time
from pathlib import Path

import discord
import pytest
from discord import app_commands

import cogs
from bot.app.client import IN_FLIGHT_GRACE_S, EpisodeBot, ShardedEpisodeBot, build_bot, intents
from bot.app.render import messages
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.shards import Shards
from bot.storage.database import Database

NAME = re.compile(r"^[-_'\w]{1,32}$")
COGS = Path(cogs.__file__).parent


@pytest.fixture
async def bot(tmp_path):
    db = await Database.open(tmp_path / "client.db")
    bot = EpisodeBot(Settings(), db, KnowledgeBase(db), sync="never")
    async with bot:
        yield bot
    await db.close()


async def load_all(bot: EpisodeBot) -> None:
    for name in cogs.EXTENSIONS:
        await bot.load_extension(name)


def test_intents_are_guilds_and_guild_messages_only():
    assert intents() == discord.Intents(guilds=True, guild_messages=True)
    assert not intents().message_content
    assert not intents().members
    assert not intents().presences


async def test_mentions_are_off_by_default(bot):
    assert bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()


def test_every_cog_module_is_an_extension():
    modules = {f"cogs.{path.stem}" for path in COGS.glob("*.py") if not path.stem.startswith("_")}
    assert set(cogs.EXTENSIONS) == modules
    assert len(cogs.EXTENSIONS) == len(set(cogs.EXTENSIONS))


async def test_every_extension_loads_with_unique_command_names(bot):
    # discord.py refuses a second command of the same name and type (CommandAlreadyRegistered)
    # and a second cog of the same name, so loading them all is the check; then each is counted.
    await load_all(bot)
    assert set(bot.extensions) == set(cogs.EXTENSIONS)
    assert len(bot.cogs) == len(cogs.EXTENSIONS)
    slash_names = [command.qualified_name for command in bot.tree.walk_commands()]
    menu_names = [menu.name for menu in bot.tree.get_commands(type=discord.AppCommandType.message)]
    assert len(slash_names) == len(set(slash_names))
    assert len(menu_names) == len(set(menu_names))
    slash = {c.name for c in bot.tree.get_commands(type=discord.AppCommandType.chat_input)}
    assert {"episode", "takeaways", "quote", "related", "ask", "help", "daily"} <= slash
    assert "Find quote" in {c.name for c in bot.tree.get_commands(type=discord.AppCommandType.message)}


async def test_quote_subcommands_and_options_are_exactly_as_documented(bot):
    await load_all(bot)
    quote = bot.tree.get_command("quote")
    assert isinstance(quote, app_commands.Group)
    options = {sub.name: [p.name for p in sub.parameters] for sub in quote.commands}
    assert options == {"speaker": ["name", "episode"], "search": ["text"], "random": ["speaker", "episode"]}
    for name, params in {"episode": ["episode"], "takeaways": ["episode"], "related": ["episode"]}.items():
        assert [p.name for p in bot.tree.get_command(name).parameters] == params
    assert [p.name for p in bot.tree.get_command("ask").parameters] == ["question"]


async def test_payload_respects_discord_limits(bot):
    await load_all(bot)

    def check(node: dict) -> None:
        assert NAME.match(node["name"]), node["name"]
        assert node["name"] == node["name"].lower()
        assert 1 <= len(node["description"]) <= 100, node["name"]
        options = node.get("options", [])
        assert len(options) <= 25
        required = [o.get("required", False) for o in options if o["type"] not in (1, 2)]
        assert required == sorted(required, reverse=True), f"{node['name']}: required options first"
        for option in options:
            check(option)

    for command in bot.tree.get_commands(type=discord.AppCommandType.chat_input):  # menus may have spaces
        check(command.to_dict(bot.tree))
    for menu in bot.tree.get_commands(type=discord.AppCommandType.message):
        assert 1 <= len(menu.name) <= 32


def slow_takeaways(kb, seconds: float, started: asyncio.Event):
    """Return kb.takeaways made to take `seconds` once called."""
    real = kb.takeaways

    async def takeaways(episode):
        started.set()
        await asyncio.sleep(seconds)
        return await real(episode)

    return takeaways


async def test_shutdown_lets_interactions_under_way_answer_and_turns_new_ones_away(
    emulator, live_bot, monkeypatch
):
    started = asyncio.Event()
    monkeypatch.setattr(live_bot.kb, "takeaways", slow_takeaways(live_bot.kb, 1.0, started))
    under_way = asyncio.create_task(emulator.invoke("/takeaways", within=10))
    await started.wait()
    closing = asyncio.create_task(live_bot.close())
    await asyncio.sleep(0)  # close() has begun: nothing new is taken from here on
    late = await emulator.invoke("/quote speaker", name="nathan lamber")
    assert late.ephemeral
    assert late.message.content == messages.RESTARTING
    answered = await under_way
    assert answered.message.embeds[0]["title"].startswith("Key takeaways")
    await asyncio.wait_for(closing, 5)


async def test_an_interaction_still_running_after_three_seconds_is_cancelled_before_the_database_closes(
    emulator, live_bot, monkeypatch, caplog
):
    started = asyncio.Event()
    monkeypatch.setattr(live_bot.kb, "takeaways", slow_takeaways(live_bot.kb, 30.0, started))
    under_way = asyncio.create_task(emulator.invoke("/takeaways", wait=False))
    await started.wait()
    began = time.monotonic()
    await asyncio.wait_for(live_bot.close(), 5)
    assert IN_FLIGHT_GRACE_S <= time.monotonic() - began < IN_FLIGHT_GRACE_S + 1.5
    await live_bot.db.close()  # nothing is left using it
    await under_way
    assert "still running after 3 s; cancelled" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    emulator.take_violations()  # the member got no answer in time, as Discord would show


async def test_a_bot_closed_right_after_ready_dispatches_nothing_once_closed(emulator, live_bot):
    # discord.py dispatches `ready` 2 s (guild_ready_timeout) after READY, once no more servers
    # arrive; a bot closed before then must not have that fire into its dropped loop.
    errors = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        await asyncio.wait_for(live_bot.close(), 5)
        await asyncio.sleep(2.5)
        gc.collect()  # a task that failed unobserved is reported when collected
    finally:
        loop.set_exception_handler(None)
    assert not errors


async def test_without_shard_settings_the_bot_is_one_unsharded_connection(tmp_path):
    db = await Database.open(tmp_path / "plain.db")
    try:
        bot = build_bot(Settings(), db, KnowledgeBase(db), sync="never")
        assert type(bot) is EpisodeBot
        assert not isinstance(bot, discord.AutoShardedClient)
        assert (bot.shard_count, bot.syncs_commands) == (None, True)
    finally:
        await db.close()


@pytest.mark.parametrize(("ids", "syncs"), [((0, 1), True), ((2, 3), False), ((0, 1, 2, 3), True)])
async def test_shard_settings_make_a_sharded_bot_and_only_shard_0_syncs(tmp_path, ids, syncs):
    db = await Database.open(tmp_path / "sharded.db")
    try:
        settings = Settings(shards=Shards(4, ids))
        bot = build_bot(settings, db, KnowledgeBase(db), sync="never")
        assert isinstance(bot, ShardedEpisodeBot)
        assert isinstance(bot, discord.AutoShardedClient)
        assert (bot.shard_count, bot.shard_ids, bot.syncs_commands) == (4, list(ids), syncs)
    finally:
        await db.close()
