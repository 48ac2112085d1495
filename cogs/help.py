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
    """Explain the commands."""

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """See what this bot can do, with an example for each command."""
        await respond.send(interaction, help_card())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Help())
