"""Shared pieces of every answer: the reply shape, timestamp links and citations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import discord

from bot.app import limits
from bot.links import format_offset, http_url
from bot.model import EpisodeRef

COLOR = discord.Colour(0x5865F2)
# Longest episode label shown inside a citation; the full title is one click away.
LABEL_IN_CITATION = 120


@dataclass(frozen=True, slots=True)
class Link:
    """Describe one link button: a short label and the URL it opens."""

    label: str
    url: str


@dataclass(slots=True)
class Reply:
    """Hold one answer as Discord will show it, before it is sent."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    ephemeral: bool = False
    controls: list[discord.ui.Item[Any]] = field(default_factory=list)  # paging buttons, added by paging


# Characters a URL keeps as they are (besides letters and digits); quote() percent-encodes the
# rest (spaces, quotes, <, >, non-ASCII), so what is sent is a well-formed address.
_URL_KEEPS = "/:?#[]@!$&'()*+,;=%~-._"


def sendable_url(url: str | None, limit: int) -> str | None:
    """Return an http(s) URL as Discord is sent it, or None when it is not one or is over `limit`."""
    checked = http_url(url)
    if checked is None:
        return None
    sent = quote(checked, safe=_URL_KEEPS)
    return sent if len(sent) <= limit else None  # measured as sent: an over-long link is left out


def moment(seconds: int, link: str | None) -> str:
    """Return `▶ 2:46:45` as a masked link to the moment, or plain text when there is no usable link."""
    label = f"▶ {format_offset(seconds)}"
    target = markdown_url(link)
    return f"[{label}]({target})" if target else label


def markdown_url(url: str | None) -> str | None:
    """Return a URL ready for a masked link `[label](url)` within LINK_URL characters, or None."""
    sent = sendable_url(url, limits.LINK_URL)
    target = sent and safe_url(sent)
    return target if target and len(target) <= limits.LINK_URL else None


def safe_url(url: str) -> str:
    """Percent-encode the few characters that would end a markdown link early."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def moment_link(seconds: int, link: str | None, who: str | None = None) -> Link | None:
    """Return a link button that opens the episode at `seconds`, or None without a usable URL."""
    url = sendable_url(link, limits.LINK_URL)
    if url is None:
        return None
    label = f"▶ {format_offset(seconds)}" + (f" · {who}" if who else "")
    return Link(limits.plain(label, limits.BUTTON_LABEL), url)


def episode_link(episode: EpisodeRef, label: str = "Open episode") -> Link | None:
    """Return a link button to the episode itself, or None without a usable URL."""
    return url_link(label, episode.url)


def url_link(label: str, url: str | None) -> Link | None:
    """Return a link button to `url`, or None when it is not a usable http(s) URL."""
    sent = sendable_url(url, limits.LINK_URL)
    return None if sent is None else Link(label, sent)


def first_within(options: Sequence[str], room: int) -> str:
    """Return the first of `options` at most `room` characters long (else the last, the shortest)."""
    return next((option for option in options if len(option) <= room), options[-1])


def episode_name(episode: EpisodeRef, limit: int = LABEL_IN_CITATION) -> str:
    """Return the episode's `Title | Show #N` label, escaped and shortened for inline use."""
    return limits.fit(episode.label, limit)


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Say which page of a list is shown: index from 0, page count, items, and if the list was capped."""

    index: int = 0
    count: int = 1
    total: int = 0
    capped: bool = False  # more items exist than were loaded

    def footer(self, noun: str) -> str:
        """Return `Page 2/5 · 23 quotes` (just the count on a single page; `100+` when capped)."""
        plural = "" if self.total == 1 and not self.capped else "s"
        count = f"{self.total}{'+' if self.capped else ''} {noun}{plural}"
        return f"Page {self.index + 1}/{self.count} · {count}" if self.count > 1 else count


def share(budget: int, parts: int) -> int:
    """Return how many characters each of `parts` items may use out of `budget`."""
    return max(0, math.floor(budget / max(1, parts)))


def field_budget(body: discord.Embed, names: Sequence[str]) -> int:
    """Return how long each field value may be when `body` gets one field per name."""
    fixed = len(body.title or "") + len(body.footer.text or "") + sum(map(len, names))
    return min(limits.FIELD_VALUE, share(limits.EMBED_TOTAL - fixed, len(names)))


def embed(title: str, *, description: str | None = None, url: str | None = None) -> discord.Embed:
    """Return an embed in the bot's colour with an escaped, fitted title."""
    return discord.Embed(
        title=limits.fit(title, limits.EMBED_TITLE),
        description=description,
        url=sendable_url(url, limits.EMBED_URL),
        colour=COLOR,
    )
