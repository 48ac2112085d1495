"""A tiny discord.py bot for the emulator's own tests: one command per capability, errors recorded."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import yarl
from discord import app_commands
from discord.webhook.async_ import async_context, interaction_response_params

from tests.emulator import Emulator

SPEAKERS = ["Nathan Lambert", "Lex Fridman", "Sebastian Raschka"]
LONG = "x" * 2001


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"page:(?P<n>\d+)"):
    """A paging button whose state lives in its custom_id, so it works after a restart."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label=f"Next ({n})", custom_id=f"page:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> PageButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the next page in place."""
        await interaction.response.edit_message(content=f"page {self.n + 1}", view=pager(self.n + 1))


def pager(n: int) -> discord.ui.View:
    """Build a page's buttons: next, and a link."""
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(n))
    view.add_item(discord.ui.Button(label="Open", url="https://example.com/episode"))
    return view


class TinyBot(discord.Client):
    """A client with a command tree; records what it saw and which errors it got."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True, guild_messages=True),
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.05,  # a public option: the emulator sends every GUILD_CREATE at once
        )
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id
        self.ready = asyncio.Event()
        self.errors: list[Exception] = []
        self.seen: list[discord.Message] = []
        self.events: list[str] = []
        self.read: list[str] = []  # message contents the bot fetched back
        self.slow_for = 0.0
        add_commands(self)

    async def setup_hook(self) -> None:
        """Register the paging button so it answers presses on old messages too."""
        self.add_dynamic_items(PageButton)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before re-identifying; there is no rate limit to respect here."""

    async def on_ready(self) -> None:
        """Note readiness (also after a re-IDENTIFY)."""
        self.events.append("ready")
        self.ready.set()

    async def on_resumed(self) -> None:
        """Note a successful RESUME."""
        self.events.append("resumed")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Note that the bot left a guild."""
        self.events.append(f"removed {guild.id}")

    async def on_message(self, message: discord.Message) -> None:
        """Reply to messages that mention the bot (never to itself)."""
        self.seen.append(message)
        if message.author != self.user and self.user in message.mentions:
            await message.reply(f"you said: {message.content}")

    async def attempt(self, coro: Any) -> Any:
        """Await `coro`, recording an HTTP error instead of raising it."""
        try:
            return await coro
        except discord.HTTPException as exc:
            self.errors.append(exc)
            return None


def add_commands(bot: TinyBot) -> None:
    """Register the tiny bot's commands."""
    tree = bot.tree

    @tree.command(description="Repeat the text")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.send_message(text)

    quote = app_commands.Group(name="quote", description="Quotes")

    @quote.command(description="Quotes by a speaker")
    async def speaker(interaction: discord.Interaction, name: str, episode: int | None = None) -> None:
        await interaction.response.send_message(f"speaker={name} episode={episode}")

    @speaker.autocomplete("name")
    async def speaker_names(interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[str]]:
        if typed == "many":  # deliberately over the limit of 25
            return [app_commands.Choice(name=f"n{i}", value=f"v{i}") for i in range(26)]
        names = [n for n in SPEAKERS if typed.lower() in n.lower()]
        return [app_commands.Choice(name=n, value=n) for n in names]

    tree.add_command(quote)

    @tree.command(description="Defer, then fill in the answer")
    async def slow_answer(interaction: discord.Interaction, ephemeral: bool = False) -> None:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        await interaction.edit_original_response(content="done")

    @tree.command(description="Answer, then follow up privately")
    async def followup(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        await interaction.followup.send("second", ephemeral=True)

    @tree.command(description="Read, edit and delete answers")
    async def lifecycle(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("v1")
        bot.read.append((await interaction.original_response()).content)
        note = await interaction.followup.send("f1", wait=True)
        await note.edit(content="f2")
        await interaction.delete_original_response()

    @tree.command(description="Show page 1")
    async def pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=pager(1))

    @tree.command(description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(interaction: discord.Interaction) -> None:
        allowed = interaction.permissions.manage_guild
        await interaction.response.send_message(f"manage_guild={allowed}", ephemeral=True)

    @tree.command(description="Show permissions")
    async def perms(interaction: discord.Interaction) -> None:
        bot_perms, member_perms = interaction.app_permissions, interaction.permissions
        await interaction.response.send_message(
            f"bot send={bot_perms.send_messages} member={member_perms.value}"
        )

    @tree.command(description="Resolve a member and a channel")
    async def who(ix: discord.Interaction, person: discord.Member, where: discord.TextChannel) -> None:
        await ix.response.send_message(f"{person.name} in #{where.name}")

    @tree.context_menu(name="Find quote")
    async def find_quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"looking for: {message.content}")

    @tree.command(description="Post to a channel")
    async def post(interaction: discord.Interaction, where: discord.TextChannel, text: str) -> None:
        await interaction.response.defer(thinking=True)
        sent = await bot.attempt(bot.get_partial_messageable(where.id).send(text))
        await interaction.followup.send("posted" if sent else f"failed: {bot.errors[-1].code}")

    @tree.command(description="Answer after a pause")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(bot.slow_for)
        await bot.attempt(interaction.response.send_message("too late?"))

    @tree.command(description="Answer twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("once")
        params = interaction_response_params(4, {"content": "twice"})
        again = async_context.get().create_interaction_response
        await bot.attempt(
            again(interaction.id, interaction.token, session=interaction._session, params=params)
        )

    @tree.command(description="Send too much text")
    async def too_long(interaction: discord.Interaction) -> None:
        if await bot.attempt(interaction.response.send_message(LONG)) is None:
            await interaction.response.send_message("too long")

    @tree.command(description="Ping everyone")
    async def shout(interaction: discord.Interaction) -> None:
        everyone = discord.AllowedMentions.all()
        await interaction.response.send_message("@everyone listen", allowed_mentions=everyone)

    @tree.command(description="A guild-only command", guild=discord.Object(bot.guild_id))
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"local to {interaction.guild_id}")


@contextlib.asynccontextmanager
async def running(emu: Emulator) -> AsyncIterator[TinyBot]:
    """Start a TinyBot against `emu` (REST base and gateway patched, then restored) and sync."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(discord.http.Route, "BASE", emu.api_url)
        mp.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url))
        bot = TinyBot(emu.guild.id)
        async with bot:
            task = asyncio.create_task(bot.start(emu.token))
            await asyncio.wait_for(bot.ready.wait(), 10)
            await bot.tree.sync()
            await bot.tree.sync(guild=discord.Object(emu.guild.id))
            try:
                yield bot
            finally:
                await bot.close()
                await task
