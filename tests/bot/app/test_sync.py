import dataclasses
import logging
from unittest import mock

import discord
import pytest
from discord import app_commands

import cogs
from bot.app.client import EpisodeBot
from bot.app.invite import invite_url
from bot.app.sync import sync_commands, target_key
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.runner import running_bot
from tests.emulator import Emulator
from tests.emulator.model import snowflake

API = "https://discord.com/api/v10"


@pytest.fixture
async def bot(db):
    bot = EpisodeBot(Settings(), db, KnowledgeBase(db), sync="never")
    async with bot:
        for name in cogs.EXTENSIONS:
            await bot.load_extension(name)
        bot._connection.application_id = 1234
        with mock.patch.object(bot.tree, "sync", mock.AsyncMock(return_value=[])):
            yield bot


async def test_first_start_syncs_then_unchanged_starts_do_not(bot, db):
    assert await sync_commands(bot.tree, db, None, API) is True
    assert await sync_commands(bot.tree, db, None, API) is False
    bot.tree.sync.assert_awaited_once_with(guild=None)
    assert await db.get_state(target_key(None))


async def test_a_changed_tree_syncs_again(bot, db):
    await sync_commands(bot.tree, db, None, API)

    @app_commands.command(name="extra")
    async def extra(interaction: discord.Interaction) -> None:
        """Say nothing."""

    bot.tree.add_command(extra)
    assert await sync_commands(bot.tree, db, None, API) is True
    assert bot.tree.sync.await_count == 2


async def test_forced_sync_always_syncs(bot, db):
    await sync_commands(bot.tree, db, None, API)
    assert await sync_commands(bot.tree, db, None, API, force=True) is True


async def test_a_failed_sync_is_not_recorded(bot, db):
    response = mock.Mock(status=500, reason="Server Error")
    bot.tree.sync.side_effect = discord.HTTPException(response, "boom")
    with pytest.raises(discord.HTTPException):
        await sync_commands(bot.tree, db, None, API)
    assert await db.get_state(target_key(None)) is None
    bot.tree.sync.side_effect = None
    assert await sync_commands(bot.tree, db, None, API) is True


async def test_dev_guild_gets_the_global_commands_copied(bot, db):
    assert await sync_commands(bot.tree, db, 555, API) is True
    (call,) = bot.tree.sync.await_args_list
    assert call.kwargs["guild"].id == 555
    names = {c.name for c in bot.tree.get_commands(guild=discord.Object(555))}
    assert {"episode", "quote", "ask"} <= names
    assert await db.get_state(target_key(555))
    assert await db.get_state(target_key(None)) is None


async def test_another_application_syncs_again(bot, db):
    await sync_commands(bot.tree, db, None, API)
    bot._connection.application_id = 999
    assert await sync_commands(bot.tree, db, None, API) is True


async def test_bot_logs_and_continues_when_an_automatic_sync_fails(bot, caplog):
    response = mock.Mock(status=403, reason="Forbidden")
    bot.tree.sync.side_effect = discord.Forbidden(response, "Missing Access")
    assert await bot.sync_commands() is False
    assert "Could not sync slash commands" in caplog.text
    with pytest.raises(discord.Forbidden):
        await bot.sync_commands(force=True)


def puts(emulator, scope: str) -> int:
    route = {"global": "PUT /applications/{application_id}/commands",
             "guild": "PUT /applications/{application_id}/guilds/{guild_id}/commands"}[scope]  # fmt: skip
    return sum(1 for r, status in emulator.requests if r == route and status == 200)


async def test_a_restart_with_unchanged_commands_does_not_sync_again(emulator, bot_settings):
    async with running_bot(bot_settings):
        pass
    async with running_bot(bot_settings):
        ix = await emulator.invoke("/quote speaker", name="nathan lamber")
    assert puts(emulator, "global") == 1
    assert ix.message.embeds[0]["title"] == "Quotes by Nathan Lambert"


async def test_a_reconnect_does_not_sync(emulator, live_bot):
    await emulator.drop_connection()
    ix = await emulator.invoke("/help")
    assert ix.ephemeral
    assert puts(emulator, "global") == 1


async def test_dev_guild_gets_the_commands_instantly_and_global_stays_empty(emulator, bot_settings):
    settings = dataclasses.replace(bot_settings, dev_guild_id=emulator.guild.id)
    async with running_bot(settings):
        ix = await emulator.invoke("/episode", episode="490")
    assert puts(emulator, "guild") == 1
    assert puts(emulator, "global") == 0
    assert {c["name"] for c in emulator.commands[emulator.guild.id]} >= {"episode", "quote", "Find quote"}
    assert ix.message.embeds[0]["title"].startswith("State of AI in 2026")


async def test_a_dev_guild_the_bot_is_not_in_is_named_then_synced_when_it_joins(
    emulator, bot_settings, caplog
):
    missing = snowflake()
    settings = dataclasses.replace(bot_settings, dev_guild_id=missing)
    async with running_bot(settings) as bot:
        await emulator.wait_until(lambda: bot.dev_guild_missing, what="the missing server noticed")
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1  # said once, not again by on_ready
        assert errors[0].startswith(f"DEV_GUILD_ID {missing}: the bot is not in that server")
        assert invite_url(emulator.app_id, missing) in errors[0]
        assert puts(emulator, "guild") == 0
        await bot.wait_until_ready()
        await emulator.create_guild("Dev Server", guild_id=missing)  # the owner follows the link
        await emulator.wait_until(lambda: puts(emulator, "guild") == 1, what="the commands synced there")
    assert {c["name"] for c in emulator.commands[missing]} >= {"episode", "quote", "Find quote"}
    assert puts(emulator, "global") == 0


async def test_a_bot_in_no_server_logs_its_invite_link(bot_settings, caplog):
    async with Emulator() as lonely:  # no server at all
        settings = dataclasses.replace(bot_settings, token=lonely.token, api_base_url=lonely.api_url)
        with caplog.at_level(logging.WARNING):
            async with running_bot(settings) as bot:
                await bot.wait_until_ready()
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("The bot is in no server yet" in w and invite_url(lonely.app_id) in w for w in warnings)


async def test_a_bot_in_a_server_does_not_log_the_invite_link(emulator, live_bot, caplog):
    await live_bot.wait_until_ready()
    assert "no server yet" not in caplog.text
