import re

import discord
import pytest
from discord import app_commands

import cogs
from bot.app.client import EpisodeBot, intents
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.storage.database import Database

NAME = re.compile(r"^[-_'\w]{1,32}$")


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


async def test_every_extension_loads_with_unique_command_names(bot):
    await load_all(bot)
    registered = bot.tree.get_commands()
    keys = [(command.type if hasattr(command, "type") else "slash", command.name) for command in registered]
    assert len(keys) == len(set(keys))
    slash = {c.name for c in bot.tree.get_commands()}
    assert {"episode", "takeaways", "quote", "related", "ask", "help"} <= slash
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
