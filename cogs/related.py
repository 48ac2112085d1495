"""`/related`: episodes related to one, with the reason for each, paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import options, paging, respond
from bot.app.render import Reply, messages
from bot.app.render.episodes import related_page

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase


async def _load(kb: KnowledgeBase, key: str, limit: int) -> tuple[Any, list[Any]]:
    episode = await kb.resolve_episode(key)
    return episode, (await kb.related(episode))[:limit]


RELATED = paging.register(
    paging.Listing(
        kind="r",
        per_page=10,
        load=_load,
        render=related_page,
        empty=messages.no_related,
    )
)


class Related(commands.Cog):
    """List related episodes."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="related")
    @app_commands.describe(episode=f"{options.EPISODE_HELP} (default: the latest episode)")
    async def related(
        self, interaction: discord.Interaction, episode: options.OptionalEpisode = None
    ) -> None:
        """List episodes related to one (the latest if you leave it empty), and why."""

        async def work() -> Reply:
            found = episode or await self.bot.kb.resolve_episode(None)
            return await paging.first_page(self.bot, interaction.user.id, RELATED, found.key)

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Related(bot))
