"""`/quote speaker`, `/quote search` and `/quote random`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import cooldown, paging, respond
from bot.app.render import Reply, messages
from bot.app.render.quotes import quote_card, quotes_page, search_page
from bot.errors import UserError
from cogs._options import EPISODE_HELP, SPEAKER_HELP, bot_of, episode_choices, kb_of, speaker_choices

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

SEARCH_RESULTS = 15
SEARCH_MAX_CHARS = 300


async def _speaker_load(kb: KnowledgeBase, arg: str, limit: int) -> tuple[Any, list[Any]]:
    name, _, key = arg.rpartition("|")
    person = kb.resolve_speaker(name)
    episode = await kb.resolve_episode(key) if key else None
    title = f"Quotes by {person.name}" + (f" in {episode.label}" if episode else "")
    return title, await kb.quotes_by_speaker(person, episode, limit=limit)


async def _search_load(kb: KnowledgeBase, text: str, limit: int) -> tuple[Any, list[Any]]:
    return text, await kb.search_quotes(text, limit=min(limit, SEARCH_RESULTS))


BY_SPEAKER = paging.register(
    paging.Listing(kind="q", per_page=5, load=_speaker_load, render=quotes_page, empty=messages.no_quotes)
)
SEARCH = paging.register(
    paging.Listing(kind="s", per_page=5, load=_search_load, render=search_page, empty=messages.no_quote_match)
)


def search_text(text: str) -> str:
    """Return the words to search for, refusing an empty search."""
    words = " ".join(text.split())[:SEARCH_MAX_CHARS]
    if not words:
        raise UserError("Give me a few words of the quote to look for.")
    return words


class Quotes(
    commands.GroupCog, group_name="quote", group_description="Find quotes by speaker, words or chance"
):
    """Find quotes."""

    @app_commands.command(name="speaker")
    @app_commands.describe(name=SPEAKER_HELP, episode=f"{EPISODE_HELP} (default: every episode)")
    @app_commands.autocomplete(name=speaker_choices, episode=episode_choices)
    async def speaker(self, interaction: discord.Interaction, name: str, episode: str | None = None) -> None:
        """List what a person said, in time order, each linked to its moment."""

        async def work() -> Reply:
            kb = kb_of(interaction)
            person = kb.resolve_speaker(name)
            key = (await kb.resolve_episode(episode)).key if episode and episode.strip() else ""
            return await paging.first_page(
                bot_of(interaction), interaction.user.id, BY_SPEAKER, f"{person.name}|{key}"
            )

        await respond.answer(interaction, work())

    @app_commands.command(name="search")
    @app_commands.describe(text="Words of the quote as you remember them (typos are fine)")
    @cooldown.check("search")
    async def search(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, SEARCH_MAX_CHARS]
    ) -> None:
        """Find the quotes that best match the words you remember."""
        work = paging.first_page(bot_of(interaction), interaction.user.id, SEARCH, search_text(text))
        await respond.answer(interaction, work)

    @app_commands.command(name="random")
    @app_commands.describe(
        speaker=f"{SPEAKER_HELP} (default: anyone)", episode=f"{EPISODE_HELP} (default: any)"
    )
    @app_commands.autocomplete(speaker=speaker_choices, episode=episode_choices)
    async def random(
        self, interaction: discord.Interaction, speaker: str | None = None, episode: str | None = None
    ) -> None:
        """Show a random quote, optionally by one person or from one episode."""

        async def work() -> Reply:
            kb = kb_of(interaction)
            person = kb.resolve_speaker(speaker) if speaker and speaker.strip() else None
            found = await kb.resolve_episode(episode) if episode and episode.strip() else None
            return quote_card(await kb.random_quote(person, found))

        await respond.answer(interaction, work())


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Quotes())
