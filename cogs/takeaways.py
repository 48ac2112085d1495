"""`/takeaways`: an episode's key takeaways, paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import paging, respond
from bot.app.render import Reply, messages
from bot.app.render.episodes import takeaways_page
from cogs._options import EPISODE_HELP, bot_of, episode_choices, kb_of

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

    @app_commands.command(name="takeaways")
    @app_commands.describe(episode=f"{EPISODE_HELP} (default: the latest episode)")
    @app_commands.autocomplete(episode=episode_choices)
    async def takeaways(self, interaction: discord.Interaction, episode: str | None = None) -> None:
        """List the key takeaways of an episode (the latest one if you leave it empty)."""

        async def work() -> Reply:
            found = await kb_of(interaction).resolve_episode(episode)
            return await paging.first_page(bot_of(interaction), interaction.user.id, TAKEAWAYS, found.key)

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Takeaways())
