"""Discord's message, embed, component and autocomplete limits, and helpers that always fit them."""

from __future__ import annotations

import re
from collections.abc import Iterable

import discord
from discord import app_commands

from bot.text import truncate

CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000  # across every embed of one message
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
LINK_URL = 512  # a link button's url; masked links in text are held to it too
EMBED_URL = 2048
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100


# Characters that format wherever they are: emphasis, underline, strike, spoilers, code, masked
# links, the backslash itself, and `<`, which opens mentions (<@id>, <@&id>), channels (<#id>),
# commands (</ask:1>), live timestamps (<t:0>), custom emoji (<:e:1>) and guide links (<id:home>).
_ALWAYS = str.maketrans({c: "\\" + c for c in "\\*_~|`[<"})
# Characters that format only at the start of a line: quotes, headings, lists and -# subtext.
_LINE_START = re.compile(r"^([ \t]*)([>#-])", re.MULTILINE)
# Bare links are left as they are, as discord.py's escape_markdown does: a backslash inside one
# would break it. (Its own pattern, run on everything else, backtracks for seconds on hostile text.)
_BARE_URL = re.compile(r"(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")


def escape(text: str) -> str:
    """Return `text` with Discord markdown and markup escaped, so it shows literally as written.

    Masked links, mentions, channels, commands, timestamps and emoji included; bare links stay
    clickable. Runs in time linear in the text, whatever it holds.
    """
    parts, start = [], 0
    for url in _BARE_URL.finditer(text):
        parts += [_escape_plain(text[start : url.start()]), url.group()]
        start = url.end()
    parts.append(_escape_plain(text[start:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    return _LINE_START.sub(r"\1\\\2", text.translate(_ALWAYS))


def fit(text: str, limit: int) -> str:
    """Escape markdown first, then truncate, so the escaped text is what fits the limit."""
    # Escaping never shortens text, so what lies past `limit + 1` characters is never shown.
    return truncate(escape(text[: limit + 1]), limit)


def plain(text: str, limit: int) -> str:
    """Truncate text for places that render no markdown (footers, author names, button labels)."""
    return truncate(" ".join(text.split()), limit)


def content(text: str) -> str:
    """Return message content that fits, with mentions defused in case a client renders them."""
    return truncate(discord.utils.escape_mentions(text), CONTENT)


def clamp_choices(choices: Iterable[app_commands.Choice[str]]) -> list[app_commands.Choice[str]]:
    """Return at most 25 autocomplete choices with names and values of 1-100 characters."""
    result: list[app_commands.Choice[str]] = []
    for choice in choices:
        name = plain(choice.name, CHOICE_NAME)
        # A value cut short would resolve to something else, so skip it rather than truncate it.
        if not name or not choice.value or len(choice.value) > CHOICE_VALUE:
            continue
        result.append(app_commands.Choice(name=name, value=choice.value))
        if len(result) == CHOICES:
            break
    return result


def embed_total(embeds: Iterable[discord.Embed]) -> int:
    """Return the characters Discord counts towards the 6000 limit across `embeds`."""
    return sum(len(embed) for embed in embeds)


def fit_total(embeds: list[discord.Embed], limit: int = EMBED_TOTAL) -> list[discord.Embed]:
    """Drop trailing fields (then shorten descriptions) until all embeds together fit `limit`."""
    # Builders size text to fit by construction; this is the last guard, and dropping whole
    # fields keeps every remaining masked link intact.
    for embed in reversed(embeds):
        while embed_total(embeds) > limit and len(embed.fields) > 1:
            embed.remove_field(len(embed.fields) - 1)
    for embed in reversed(embeds):
        excess = embed_total(embeds) - limit
        if excess > 0 and embed.description:
            embed.description = truncate(embed.description, max(1, len(embed.description) - excess))
    return embeds
