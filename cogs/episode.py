"""`/episode`: an episode's card."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import options, respond
from bot.app.render import Reply
from bot.app.render.episodes import episode_card

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot


class Episode(commands.Cog):
    """Show one episode's card."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="episode")
    @app_commands.describe(episode=options.EPISODE_HELP)
    async def episode(self, interaction: discord.Interaction, episode: options.Episode) -> None:
        """Show an episode: show, number, date, hosts and guests, description and link."""

        async def work() -> Reply:
            return episode_card(await self.bot.kb.episode_card(episode))

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Episode(bot))
