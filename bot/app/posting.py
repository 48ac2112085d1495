"""Send the bot's own posts (daily takeaways, new-episode announcements) to a server's channel.

Both posters run unattended, so every way a send can fail is turned into what the schedule
should do next: pause (an owner must act), retry later, or drop this one post.
"""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp
import discord

from bot.daily.sweep import DropError, PauseError, PostError, RetryError

MANAGE_SERVER = discord.Permissions(manage_guild=True)
CHANNEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links")
SEND_ERRORS = (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError)


class Guilds(Protocol):
    """What finding a channel needs of the client."""

    def get_guild(self, guild_id: int, /) -> discord.Guild | None:
        """Return a cached server."""


def postable_channel(client: Guilds, guild_id: int, channel_id: int) -> discord.abc.Messageable:
    """Return the channel to post in; raise a PostError saying why it cannot be used now."""
    guild = client.get_guild(guild_id)
    if guild is None or guild.unavailable:  # an outage empties the cache; the channel is not gone
        raise RetryError("the server is unavailable")
    channel = guild.get_channel_or_thread(channel_id)
    if channel is None:
        raise PauseError("the channel no longer exists")
    if not isinstance(channel, discord.abc.Messageable):  # a category or forum: nowhere to post
        raise PauseError(f"{channel.mention} cannot hold messages")
    missing = missing_permissions(channel, guild.me)
    if missing:
        raise PauseError(f"I am missing {missing} in {channel.mention}")
    return channel


async def send_post(channel: discord.abc.Messageable, **message: Any) -> int:
    """Send one post and return its message id; raise a PostError saying what to do when it fails."""
    try:
        sent = await channel.send(**message)
    except SEND_ERRORS as exc:
        raise classify(exc) from exc
    return sent.id


def missing_permissions(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member) -> str:
    """Name what the bot lacks to post an embed in `channel` ("" when nothing is missing)."""
    perms = channel.permissions_for(me)
    needed = list(CHANNEL_PERMISSIONS)
    if isinstance(channel, discord.Thread):
        needed[1] = "send_messages_in_threads"
    missing = [name for name in needed if not getattr(perms, name)]
    return ", ".join(name.replace("_", " ").title() for name in missing)


def classify(exc: BaseException) -> PostError:
    """Say what a failed send means for the schedule: pause, retry later, or give up on this post."""
    if isinstance(exc, discord.NotFound) and exc.code == 10003:
        return PauseError("the channel was deleted (Unknown Channel)")
    if isinstance(exc, discord.Forbidden):
        what = "I can't see the channel" if exc.code == 50001 else "I may not post in the channel"
        return PauseError(f"{what} (Discord code {exc.code})")
    if isinstance(exc, discord.RateLimited):
        return RetryError("rate limited by Discord", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429 or exc.status >= 500:
            return RetryError(f"Discord answered {exc.status}")
        # Resending the same rejected payload would fail the same way (and 404s count as invalid).
        return DropError(f"Discord rejected the post ({exc.status}, code {exc.code})")
    return RetryError(f"network error ({type(exc).__name__})")
