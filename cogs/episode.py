"""`/episode`: an episode's card."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import respond
from bot.app.render import Reply
from bot.app.render.episodes import episode_card
from cogs._options import EPISODE_HELP, episode_choices, kb_of

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot


class Episode(commands.Cog):
    """Show one episode's card."""

    @app_commands.command(name="episode")
    @app_commands.describe(episode=EPISODE_HELP)
    @app_commands.autocomplete(episode=episode_choices)
    async def episode(self, interaction: discord.Interaction, episode: str) -> None:
        """Show an episode: show, number, date, hosts and guests, description and link."""

        async def work() -> Reply:
            kb = kb_of(interaction)
            return episode_card(await kb.episode_card(await kb.resolve_episode(episode)))

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Episode())
