"""`/quote speaker`, `/quote search`, `/quote random` and the "Find quote" message menu."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import cooldown, options, paging, respond
from bot.app.render import Reply, messages
from bot.app.render.quotes import quote_card, quotes_page, search_page
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

SEARCH_RESULTS = 15
SEARCH_MAX_CHARS = 300


async def _speaker_load(kb: KnowledgeBase, arg: str, limit: int) -> tuple[Any, list[Any]]:
    name, key = paging.unpack(arg, 2) if arg.startswith("[") else _legacy_speaker_arg(arg)
    person = kb.resolve_speaker(name)
    episode = await kb.resolve_episode(key) if key else None
    title = f"Quotes by {person.name}" + (f" in {episode.label}" if episode else "")
    return title, await kb.quotes_by_speaker(person, episode, limit=limit)


def _legacy_speaker_arg(arg: str) -> tuple[str, str]:
    """Split `name|key`, the argument of buttons sent before arguments were packed."""
    name, _, key = arg.rpartition("|")
    return name, key


async def _search_load(kb: KnowledgeBase, text: str, limit: int) -> tuple[Any, list[Any]]:
    # No curated quote matching: the line may still be anywhere in a transcript.
    return text, await kb.find_said(text, limit=min(limit, SEARCH_RESULTS))


BY_SPEAKER = paging.register(
    paging.Listing(kind="q", per_page=5, load=_speaker_load, render=quotes_page, empty=messages.no_quotes)
)
SEARCH = paging.register(
    paging.Listing(kind="s", per_page=5, load=_search_load, render=search_page, empty=messages.no_quote_match)
)


def search_text(text: str) -> str:
    """Return the words to search for, refusing an empty search."""
    words = " ".join(text.split())[:SEARCH_MAX_CHARS]
    if not words:
        raise UserError("Give me a few words of the quote to look for.")
    return words


class Quotes(
    commands.GroupCog, group_name="quote", group_description="Find quotes by speaker, words or chance"
):
    """Find quotes, by command or from a message's text."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot
        # discord.py has no context-menu decorator for cog methods; build and register it here.
        self.find_quote_menu = app_commands.ContextMenu(name="Find quote", callback=self.find_quote)
        self.find_quote_menu.add_check(cooldown.check_predicate("search"))

    async def cog_load(self) -> None:
        """Register the message menu with the tree."""
        self.bot.tree.add_command(self.find_quote_menu)

    async def cog_unload(self) -> None:
        """Remove the message menu from the tree."""
        self.bot.tree.remove_command(self.find_quote_menu.name, type=self.find_quote_menu.type)

    @app_commands.command(name="speaker")
    @app_commands.describe(
        name=options.SPEAKER_HELP, episode=f"{options.EPISODE_HELP} (default: every episode)"
    )
    async def speaker(
        self,
        interaction: discord.Interaction,
        name: options.Speaker,
        episode: options.OptionalEpisode = None,
    ) -> None:
        """List what a person said, in time order, each linked to its moment."""
        arg = paging.pack(name.name, episode.key if episode else "")
        await respond.answer(interaction, paging.first_page(self.bot, interaction.user.id, BY_SPEAKER, arg))

    @app_commands.command(name="search")
    @app_commands.describe(text="Words of the quote as you remember them (typos are fine)")
    @cooldown.check("search")
    async def search(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, SEARCH_MAX_CHARS]
    ) -> None:
        """Find the quotes that best match the words you remember."""
        work = paging.first_page(self.bot, interaction.user.id, SEARCH, search_text(text))
        await respond.answer(interaction, work)

    @app_commands.command(name="random")
    @app_commands.describe(
        speaker=f"{options.SPEAKER_HELP} (default: anyone)", episode=f"{options.EPISODE_HELP} (default: any)"
    )
    async def random(
        self,
        interaction: discord.Interaction,
        speaker: options.OptionalSpeaker = None,
        episode: options.OptionalEpisode = None,
    ) -> None:
        """Show a random quote, optionally by one person or from one episode."""

        async def work() -> Reply:
            return quote_card(await self.bot.kb.random_quote(speaker, episode))

        await respond.answer(interaction, work())

    async def find_quote(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Find which episode, speaker and moment the message's words come from."""
        words = search_text(message.content)
        await respond.answer(interaction, paging.first_page(self.bot, interaction.user.id, SEARCH, words))


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Quotes(bot))
