"""`/help`: what the bot can do, with one example per command."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import respond
from bot.app.render.messages import help_card

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot


class Help(commands.Cog):
    """Explain the commands, with examples from the episodes the bot serves."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """See what this bot can do, with an example for each command."""
        name = self.bot.user.name if self.bot.user else "episode-bot"
        await respond.send(interaction, help_card(await self.bot.kb.examples(), name))


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Help(bot))
