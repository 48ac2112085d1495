"""`/search`: where in the transcripts something was said, best first, each linked to its second."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import cooldown, options, paging, respond
from bot.app.render import messages
from bot.app.render.transcripts import SearchTitle, moments_page
from cogs.quotes import SEARCH_MAX_CHARS, search_text

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

RESULTS = 25


async def _load(kb: KnowledgeBase, arg: str, limit: int) -> tuple[Any, list[Any]]:
    text, episode, speaker = json.loads(arg)
    found = await kb.resolve_episode(episode) if episode else None
    person = kb.resolve_speaker(speaker) if speaker else None
    title = SearchTitle(text, found, person.name if person else None)
    return title, await kb.search_moments(text, found, person, limit=min(limit, RESULTS))


SEARCH = paging.register(
    paging.Listing(kind="m", per_page=5, load=_load, render=moments_page, empty=messages.no_moment_match)
)


class Search(commands.Cog):
    """Search the transcripts."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot

    @app_commands.command(name="search")
    @app_commands.describe(
        text="Words as you remember them (typos are fine)",
        episode=f"{options.EPISODE_HELP} (default: every episode)",
        speaker=f"{options.SPEAKER_HELP} (default: anyone)",
    )
    @cooldown.check("search")
    async def search(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, SEARCH_MAX_CHARS],
        episode: options.OptionalEpisode = None,
        speaker: options.OptionalSpeaker = None,
    ) -> None:
        """Find the moments in the transcripts where something was said, linked to the second."""
        # The pages keep what was resolved, so turning one never asks "did you mean" again.
        arg = json.dumps([search_text(text), episode.key if episode else "", speaker.name if speaker else ""])
        await respond.answer(interaction, paging.first_page(self.bot, interaction.user.id, SEARCH, arg))


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Search(bot))
