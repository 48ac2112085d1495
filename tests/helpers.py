"""Test data builders and spec'd doubles shared by the bot and cog tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from unittest import mock

import discord
from discord.state import ConnectionState

from bot.app import limits
from bot.model import EpisodeCard, EpisodeRef, Passage, Person, QuoteHit, RelatedItem, Takeaway

SEED_URL = "https://www.youtube.com/watch?v=EV7WhVT270Q"
NATHAN = Person(id=2, name="Nathan Lambert")
SEBASTIAN = Person(id=3, name="Sebastian Raschka")


def episode(**overrides: object) -> EpisodeRef:
    """Return the seed episode's reference, with any field overridden."""
    fields: dict[str, object] = {
        "id": 1,
        "key": "lex-fridman-490",
        "title": "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI",
        "show": "Lex Fridman Podcast",
        "number": 490,
        "url": SEED_URL,
        "published": dt.date(2026, 1, 31),
    }
    fields.update(overrides)
    return EpisodeRef(**fields)  # type: ignore[arg-type]


def quote(
    text: str = "The Recursive Language Model paper", seconds: int = 10005, **overrides: object
) -> QuoteHit:
    """Return a quote hit from the seed episode linked to its second."""
    ep = overrides.pop("episode", episode())
    fields: dict[str, object] = {
        "id": seconds,
        "text": text,
        "truncated": False,
        "speaker": SEBASTIAN,
        "seconds": seconds,
        "episode": ep,
        "link": f"{SEED_URL}&t={seconds}s",
    }
    fields.update(overrides)
    return QuoteHit(**fields)  # type: ignore[arg-type]


def takeaway(position: int, text: str = "Scaling laws remain robust.") -> Takeaway:
    """Return a takeaway of the seed episode."""
    return Takeaway(id=position, position=position, text=text, episode=episode())


def passage(kind: str = "quote", text: str = "I use Claude Opus 4.5.", **overrides: object) -> Passage:
    """Return a ranked passage answering a question."""
    fields: dict[str, object] = {"kind": kind, "text": text, "episode": episode()}
    if kind == "quote":
        fields.update(speaker=NATHAN, seconds=1025, link=f"{SEED_URL}&t=1025s")
    fields.update(overrides)
    return Passage(**fields)  # type: ignore[arg-type]


def related(title: str, reason: str = "also with Nathan Lambert", known: bool = True) -> RelatedItem:
    """Return a related item, resolved to an episode when `known`."""
    ep = episode(id=9, key="other", title=title, number=491, url="https://example.com/491") if known else None
    return RelatedItem(title=title, reason=reason, episode=ep)


def card(**overrides: object) -> EpisodeCard:
    """Return the seed episode's card."""
    fields: dict[str, object] = {
        "episode": episode(),
        "description": "Lex Fridman discusses the state of AI in early 2026.",
        "hosts": ("Lex Fridman",),
        "guests": ("Sebastian Raschka", "Nathan Lambert"),
        "duration_seconds": 15000,
        "takeaway_count": 6,
        "quote_count": 9,
        "quotes_declared": 27,
        "mention_count": 0,
        "mentions_declared": 77,
        "related_count": 6,
    }
    fields.update(overrides)
    return EpisodeCard(**fields)  # type: ignore[arg-type]


def embed_problems(embed: discord.Embed) -> list[str]:
    """Return which per-embed limits `embed` breaks (empty when it fits)."""
    problems = []
    if embed.title and len(embed.title) > limits.EMBED_TITLE:
        problems.append("title")
    if embed.description and len(embed.description) > limits.EMBED_DESCRIPTION:
        problems.append("description")
    if len(embed.fields) > limits.EMBED_FIELDS:
        problems.append("fields")
    for index, field in enumerate(embed.fields):
        if len(field.name or "") > limits.FIELD_NAME or len(field.value or "") > limits.FIELD_VALUE:
            problems.append(f"field {index}")
    if embed.footer.text and len(embed.footer.text) > limits.FOOTER:
        problems.append("footer")
    if embed.author.name and len(embed.author.name) > limits.AUTHOR:
        problems.append("author")
    if len(embed) > limits.EMBED_TOTAL:
        problems.append("total")
    return problems


def embed_text(embed: discord.Embed) -> str:
    """Return every text part of an embed joined, for assertions on what a member reads."""
    parts = [embed.title, embed.description, embed.footer.text, embed.author.name]
    for field in embed.fields:
        parts += [field.name, field.value]
    return "\n".join(p for p in parts if p)


def mock_interaction(*, done: bool = False, user_id: int = 42) -> mock.MagicMock:
    """Return an Interaction double (spec'd, so a misspelt attribute fails) with async responses."""
    interaction = mock.MagicMock(spec=discord.Interaction)
    interaction.user = mock.MagicMock(spec=discord.Member, id=user_id)
    interaction.guild_id = 1
    interaction.command = None
    interaction.response = mock.MagicMock(spec=discord.InteractionResponse)
    interaction.response.is_done.return_value = done
    interaction.response.type = None
    interaction.extras = {}
    interaction.delete_original_response = mock.AsyncMock()
    interaction.response.send_message = mock.AsyncMock()
    interaction.response.edit_message = mock.AsyncMock()
    interaction.response.defer = mock.AsyncMock()
    interaction.followup = mock.MagicMock(spec=discord.Webhook)
    interaction.followup.send = mock.AsyncMock()
    return interaction


def channel_lookup(*, guild_id: int) -> Callable[[int], discord.PartialMessageable]:
    """Return what the daily cog gives its renderers: channels by id, built as discord.py does."""
    state = mock.MagicMock(spec=ConnectionState)
    state._get_guild.return_value = discord.Object(guild_id)
    return lambda channel_id: discord.PartialMessageable(state=state, id=channel_id, guild_id=guild_id)
