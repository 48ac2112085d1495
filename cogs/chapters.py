"""`/chapters`: an episode's chapters, each linked to where it starts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import options, paging, respond
from bot.app.render import Reply, messages
from bot.app.render.transcripts import chapters_page

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase


async def _load(kb: KnowledgeBase, key: str, limit: int) -> tuple[Any, list[Any]]:
    episode = await kb.resolve_episode(key)
    return episode, (await kb.chapters(episode))[:limit]


CHAPTERS = paging.register(
    paging.Listing(kind="c", per_page=20, load=_load, render=chapters_page, empty=messages.no_chapters)
)


class Chapters(commands.Cog):
    """List an episode's chapters."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="chapters")
    @app_commands.describe(episode=f"{options.EPISODE_HELP} (default: the latest episode)")
    async def chapters(
        self, interaction: discord.Interaction, episode: options.OptionalEpisode = None
    ) -> None:
        """List an episode's chapters, each linked to where it starts."""

        async def work() -> Reply:
            found = episode or await self.bot.kb.resolve_episode(None)
            return await paging.first_page(self.bot, interaction.user.id, CHAPTERS, found.key)

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Chapters(bot))
