"""`/announce set|stop|status` and the posts that announce each new episode once per server.

The update loop (bot/live) calls the announcement pass after every catalogue swap and when a
retry is due; bot/announce decides and claims, this module only talks to Discord.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.announce.announcer import RATE, Announcer, Post
from bot.announce.service import AnnounceService
from bot.app import limits, respond
from bot.app.posting import MANAGE_SERVER, missing_permissions, postable_channel, send_post
from bot.app.render import Reply, messages
from bot.app.render import announce as render
from bot.app.render.daily import ChannelOf
from bot.errors import UserError
from bot.shards import rate_share

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot

log = logging.getLogger(__name__)
NOT_READY_RETRY_S = 2.0
NOT_MENTIONABLE = (
    "Note: {role} is not mentionable and I lack Mention @everyone, @here and All Roles here, so Discord "
    "will show the mention without notifying anyone. Make the role mentionable (Server Settings > Roles) "
    "or give me that permission."
)


class Announce(commands.Cog):
    """Announce each new episode once in a channel of the server's choosing."""

    announce = app_commands.Group(
        name="announce",
        description="Post new episodes to a channel (needs Manage Server)",
        guild_only=True,
        default_permissions=MANAGE_SERVER,
    )

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot
        self.service = AnnounceService(bot.db, bot.clock)
        shards = bot.settings.shards
        rate = rate_share(RATE, shards)
        self.announcer = Announcer(
            bot.db, bot.kb, self.post, bot.clock, visible=self.serves, shards=shards, rate=rate
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only members with Manage Server use /announce (admins can open the commands to all)."""
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def cog_load(self) -> None:
        """Run an announcement pass after every update of the data."""
        if self.bot.updater is not None:
            self.bot.updater.listeners.append(self.announce_new)

    async def cog_unload(self) -> None:
        """Stop announcing."""
        if self.bot.updater is not None and self.announce_new in self.bot.updater.listeners:
            self.bot.updater.listeners.remove(self.announce_new)

    def serves(self, guild_id: int) -> bool:
        """Tell whether this process sees the server, with its channels (not cut off by an outage)."""
        guild = self.bot.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    async def announce_new(self) -> float | None:
        """Post what is new in every server; return seconds until a pass is due regardless."""
        if not self.bot.is_ready():
            return NOT_READY_RETRY_S  # the servers' channels are not known yet
        stats = await self.announcer.run_once()
        if stats.claimed:
            log.info("Announcements: %s", stats)
        return await self.announcer.next_wait(stats)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Announce what arrived while the bot was away, now that the servers are known."""
        if self.bot.updater is not None:
            self.bot.updater.wake(listeners=True)

    async def post(self, post: Post) -> int:
        """Send a claimed announcement; raise a PostError saying what to do when it fails."""
        channel = postable_channel(self.bot, post.guild_id, post.channel_id)
        reply = (
            render.summary_post(post.cards, post.role_id)
            if post.summary
            else render.episode_post(post.cards[0], post.role_id)
        )
        return await send_post(
            channel,
            **respond.message_kwargs(reply),
            allowed_mentions=render.allowed_mentions(post.role_id),
            nonce=post.nonce,
        )

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget a server the bot left."""
        await self.service.forget(guild.id)

    @announce.command(name="set")
    @app_commands.describe(
        channel="Where to post each new episode",
        role="A role to ping with each post (default: nobody)",
    )
    async def set_(
        self, interaction: discord.Interaction, channel: discord.TextChannel, role: discord.Role | None = None
    ) -> None:
        """Announce each new episode in a channel, optionally pinging a role (also resumes a paused one)."""

        async def work() -> Reply:
            guild = _guild(interaction)
            missing = missing_permissions(channel, guild.me)
            if missing:
                refused = f"I can't post in {channel.mention}: I am missing {missing} there."
                raise messages.MarkupError(refused)
            if role is not None and role.is_default():
                raise UserError("I never ping everyone at once: pick a role, or leave the role option empty.")
            saved, newly_on = await self.service.set(guild.id, channel.id, role.id if role else None)
            warning = _mention_warning(role, channel, guild.me)
            name = role.name if role else None
            text = render.set_reply(saved, self.channel_of(guild), name, newly_on=newly_on, warning=warning)
            return Reply(content=text, ephemeral=True)

        await respond.answer(interaction, work())

    @announce.command(name="stop")
    async def stop(self, interaction: discord.Interaction) -> None:
        """Stop announcing new episodes in this server."""
        stopped = await self.service.stop(_guild(interaction).id)
        text = "New episodes will no longer be announced." if stopped else "Announcements were not on here."
        await respond.send(interaction, Reply(content=text, ephemeral=True))

    @announce.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show where new episodes are announced, the last announcement, and why it is paused if it is."""
        guild = _guild(interaction)
        status = await self.service.status(guild.id)
        role = guild.get_role(status.settings.role_id) if status and status.settings.role_id else None
        text = render.status_reply(status, self.channel_of(guild), role.name if role else None)
        await respond.send(interaction, Reply(content=text, ephemeral=True))

    def channel_of(self, guild: discord.Guild) -> ChannelOf:
        """Return what finds one of the server's channels by id (also one deleted since)."""
        return functools.partial(self.bot.get_partial_messageable, guild_id=guild.id)


def _mention_warning(
    role: discord.Role | None, channel: discord.TextChannel, me: discord.Member
) -> str | None:
    """Say when Discord would show the role's mention without notifying its members."""
    if role is None or role.mentionable or channel.permissions_for(me).mention_everyone:
        return None
    return NOT_MENTIONABLE.format(role="@" + limits.escape(role.name))


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This command only works in a server.")
    return interaction.guild


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Announce(bot))
