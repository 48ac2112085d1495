"""Episode and speaker options: autocomplete and resolution in one Transformer each.

A command declares `episode: Episode`, `episode: OptionalEpisode = None`, `speaker: Speaker` or
`speaker: OptionalSpeaker = None`, and its callback receives the resolved EpisodeRef or Person.
An optional one left empty (or blank) arrives as None; a blank required episode means the latest.
What matches nothing raises NotFoundError before the callback runs, and the tree answers it with
up to three "did you mean" suggestions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.app import limits
from bot.app.tree import safe_autocomplete
from bot.model import EpisodeRef, Person
from bot.text import truncate

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

# Discord's client stops typing at max_length; what arrives longer anyway (a modified client, a
# script) is cut here, so no search ever sees more than this.
TYPED_MAX = 100
EPISODE_HELP = "Number, #number or part of the title"
SPEAKER_HELP = "Who said it (part of the name is enough)"


def episode_choice(episode: EpisodeRef) -> app_commands.Choice[str]:
    """Return an episode's autocomplete choice: its label, and a value that resolves back to it."""
    value = episode.key if len(episode.key) <= limits.CHOICE_VALUE else episode.reference
    return app_commands.Choice(name=episode.label_within(limits.CHOICE_NAME), value=value)


def speaker_choice(kb: KnowledgeBase, person: Person) -> app_commands.Choice[str]:
    """Return a person's autocomplete choice: name and quote count, and a value that resolves back."""
    count = kb.quote_count(person)
    suffix = f" · {count} quote{'s' if count != 1 else ''}" if count else ""
    name = truncate(person.name, limits.CHOICE_NAME - len(suffix)) + suffix
    # The name is what a member would type, unless it is too long or also names someone else.
    typed = len(person.name) <= limits.CHOICE_VALUE and kb.names_only(person.name, person)
    return app_commands.Choice(name=name, value=person.name if typed else person.reference)


@safe_autocomplete
def episode_choices(
    interaction: discord.Interaction[EpisodeBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest episodes matching what the member has typed so far."""
    return [episode_choice(ep) for ep in interaction.client.kb.suggest_episodes(current, limits.CHOICES)]


@safe_autocomplete
def speaker_choices(
    interaction: discord.Interaction[EpisodeBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest speakers matching what the member has typed so far."""
    kb = interaction.client.kb
    return [speaker_choice(kb, person) for person in kb.suggest_speakers(current, limits.CHOICES)]


class EpisodeOption(app_commands.Transformer["EpisodeBot"]):
    """Resolve a typed or picked episode to its EpisodeRef, and suggest episodes while typing."""

    def __init__(self, *, optional: bool = False) -> None:
        self.optional = optional

    @property
    def max_value(self) -> int:
        """Return the option's max_length: nothing longer names an episode."""
        return TYPED_MAX

    async def transform(
        self, interaction: discord.Interaction[EpisodeBot], value: Any, /
    ) -> EpisodeRef | None:
        """Return the episode `value` names (the latest, or None, when blank); raise NotFoundError."""
        text = str(value)[:TYPED_MAX]
        if not text.strip() and self.optional:
            return None
        return await interaction.client.kb.resolve_episode(text)

    async def autocomplete(
        self, interaction: discord.Interaction[EpisodeBot], value: int | float | str, /
    ) -> list[app_commands.Choice[Any]]:
        """Suggest episodes for what is typed so far."""
        return await episode_choices(interaction, str(value)[:TYPED_MAX])


class SpeakerOption(app_commands.Transformer["EpisodeBot"]):
    """Resolve a typed or picked name to its Person, and suggest speakers while typing."""

    def __init__(self, *, optional: bool = False) -> None:
        self.optional = optional

    @property
    def max_value(self) -> int:
        """Return the option's max_length: nothing longer names a person."""
        return TYPED_MAX

    async def transform(self, interaction: discord.Interaction[EpisodeBot], value: Any, /) -> Person | None:
        """Return the person `value` names (None when blank and optional); raise NotFoundError."""
        text = str(value)[:TYPED_MAX]
        if not text.strip() and self.optional:
            return None
        return interaction.client.kb.resolve_speaker(text)

    async def autocomplete(
        self, interaction: discord.Interaction[EpisodeBot], value: int | float | str, /
    ) -> list[app_commands.Choice[Any]]:
        """Suggest speakers for what is typed so far."""
        return await speaker_choices(interaction, str(value)[:TYPED_MAX])


# What commands annotate their options with (at run time each is the transformer instance).
Episode = app_commands.Transform[EpisodeRef, EpisodeOption]
OptionalEpisode = app_commands.Transform[EpisodeRef | None, EpisodeOption(optional=True)]
Speaker = app_commands.Transform[Person, SpeakerOption]
OptionalSpeaker = app_commands.Transform[Person | None, SpeakerOption(optional=True)]
