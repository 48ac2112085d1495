"""`/takeaways`: an episode's key takeaways, paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import options, paging, respond
from bot.app.render import Reply, messages
from bot.app.render.episodes import takeaways_page

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase


async def _load(kb: KnowledgeBase, key: str, limit: int) -> tuple[Any, list[Any]]:
    episode = await kb.resolve_episode(key)
    return episode, (await kb.takeaways(episode))[:limit]


TAKEAWAYS = paging.register(
    paging.Listing(
        kind="t",
        per_page=8,
        load=_load,
        render=takeaways_page,
        empty=messages.no_takeaways,
    )
)


class Takeaways(commands.Cog):
    """List an episode's key takeaways."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="takeaways")
    @app_commands.describe(episode=f"{options.EPISODE_HELP} (default: the latest episode)")
    async def takeaways(
        self, interaction: discord.Interaction, episode: options.OptionalEpisode = None
    ) -> None:
        """List the key takeaways of an episode (the latest one if you leave it empty)."""

        async def work() -> Reply:
            found = episode or await self.bot.kb.resolve_episode(None)
            return await paging.first_page(self.bot, interaction.user.id, TAKEAWAYS, found.key)

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Takeaways(bot))
