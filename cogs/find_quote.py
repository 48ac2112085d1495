"""The "Find quote" message menu: where is the line in this message from?"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import cooldown, paging, respond
from cogs._options import bot_of
from cogs.quotes import SEARCH, search_text

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot


class FindQuote(commands.Cog):
    """Look up a message's text among the quotes."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot
        # discord.py has no context-menu decorator for cog methods; build and register it here.
        self.menu = app_commands.ContextMenu(name="Find quote", callback=self.find_quote)
        self.menu.add_check(cooldown.check_predicate("search"))

    async def cog_load(self) -> None:
        """Register the menu with the tree."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Remove the menu from the tree."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_quote(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Find which episode, speaker and moment the message's words come from."""
        words = search_text(message.content)
        await respond.answer(
            interaction, paging.first_page(bot_of(interaction), interaction.user.id, SEARCH, words)
        )


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(FindQuote(bot))
