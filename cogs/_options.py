"""Shared option helpers for the cogs: autocomplete from memory and typed access to the bot."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord

from bot.app.tree import safe_autocomplete
from bot.model import Choice

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

EPISODE_HELP = "Number, #number or part of the title"
SPEAKER_HELP = "Who said it (part of the name is enough)"


def bot_of(interaction: discord.Interaction) -> EpisodeBot:
    """Return the EpisodeBot serving this interaction."""
    return cast("EpisodeBot", interaction.client)


def kb_of(interaction: discord.Interaction) -> KnowledgeBase:
    """Return the knowledge base of the bot serving this interaction."""
    return bot_of(interaction).kb


@safe_autocomplete
def episode_choices(interaction: discord.Interaction, current: str) -> list[Choice]:
    """Suggest episodes matching what the member has typed so far."""
    return kb_of(interaction).autocomplete_episodes(current)


@safe_autocomplete
def speaker_choices(interaction: discord.Interaction, current: str) -> list[Choice]:
    """Suggest speakers matching what the member has typed so far."""
    return kb_of(interaction).autocomplete_speakers(current)
