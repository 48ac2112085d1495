"""`/daily set|stop|status|preview` and the sweep that posts one takeaway a day per server.

The sweep runs every `SweepOptions.interval` seconds over the schedules due in the database
(bot/daily/sweep.py decides and claims; this module only talks to Discord). Time comes from the
bot's clock and the sweep's pace from its sweep options, both given to EpisodeBot when it is built
(tests and benchmarks pass a ManualClock and their own options).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app import limits, respond
from bot.app.posting import MANAGE_SERVER, missing_permissions, postable_channel, send_post
from bot.app.render import Reply, messages
from bot.app.render import daily as render
from bot.app.render.daily import ChannelOf
from bot.app.tree import safe_autocomplete
from bot.daily import schedule
from bot.daily.service import DailyService
from bot.daily.sweep import (
    FINISH_ON_STOP_S,
    Claim,
    Sweeper,
    SweepStats,
)
from bot.errors import UserError
from bot.shards import rate_share

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot

log = logging.getLogger(__name__)

COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo",
    "Asia/Shanghai", "Asia/Singapore", "Australia/Sydney", "Pacific/Auckland", "Africa/Lagos",
)  # fmt: skip
# Free-text option lengths: `09:00` with room for stray spaces; the longest IANA zone name is 32.
TIME_MAX, ZONE_MAX, SHOW_MAX = 16, 64, 100
STOP_TIMEOUT_S = FINISH_ON_STOP_S + 0.5  # the sweep's own grace for a post in flight, and its record


@safe_autocomplete
def zone_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Suggest IANA zones containing what was typed (common ones first when nothing was)."""
    needle = current.strip().casefold().replace(" ", "_")
    if not needle:
        return [app_commands.Choice(name=name, value=name) for name in COMMON_ZONES]
    names = schedule.zone_names()
    starts = [n for key, n in names.items() if key.startswith(needle) or f"/{needle}" in key]
    seen = set(starts)
    inside = [n for key, n in names.items() if needle in key and n not in seen]
    return [app_commands.Choice(name=name, value=name) for name in (starts + inside)[: limits.CHOICES]]


@safe_autocomplete
def show_choices(
    interaction: discord.Interaction[EpisodeBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest the shows whose name contains what was typed."""
    needle = current.strip().casefold()
    shows = interaction.client.kb.shows()
    return [app_commands.Choice(name=name, value=name) for name in shows if needle in name.casefold()]


class Daily(commands.Cog):
    """Post one takeaway a day to a channel, at the server's local time."""

    daily = app_commands.Group(
        name="daily",
        description="Post one takeaway a day to a channel (needs Manage Server)",
        guild_only=True,
        default_permissions=MANAGE_SERVER,
    )

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot
        self.options = bot.sweep_options
        self.service = DailyService(bot.db, bot.kb.all_takeaways, bot.clock)
        self.sweeper = Sweeper(
            bot.db,
            bot.kb.all_takeaways,
            self.post,
            bot.clock,
            visible=self.serves,
            shards=bot.settings.shards,
            concurrency=self.options.concurrency,
            rate=rate_share(self.options.rate, bot.settings.shards),
        )

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Let only members with Manage Server use /daily.

        Discord hides the commands from others by default (`default_permissions`), but a server's
        admins can open them to anyone, so the bot checks by itself too.
        """
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    def serves(self, guild_id: int) -> bool:
        """Tell whether this process sees the server, with its channels (not cut off by an outage)."""
        guild = self.bot.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    async def cog_load(self) -> None:
        """Read the time zone names (in a thread) and start the sweep."""
        # Scanning tzdata takes about 15 ms: not on the event loop at a member's first /daily set.
        await asyncio.to_thread(schedule.zone_names)
        self.sweep.change_interval(seconds=self.options.interval)
        self.sweep.start()

    async def cog_unload(self) -> None:
        """Stop the sweep, giving posts already on their way the time to finish and be recorded.

        discord.py unloads cogs when the bot closes, before it closes the connection, so a post in
        flight still has its HTTP session; the sweeper lets it finish (FINISH_ON_STOP_S) and claims
        no new day once cancelled.
        """
        task = self.sweep.get_task()
        self.sweep.cancel()
        if task is None or task.done():
            return
        _done, pending = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        if pending:
            log.warning("The daily sweep did not stop within %.1f s", STOP_TIMEOUT_S)

    @tasks.loop(seconds=30)
    async def sweep(self) -> None:
        """Run one sweep; never raise, since an exception would end tasks.loop for good."""
        try:
            await self.sweep_now()
        except Exception:
            log.exception("daily sweep failed; the next one runs as usual")

    @sweep.before_loop
    async def _before_sweep(self) -> None:
        await self.bot.wait_until_ready()

    async def sweep_now(self) -> SweepStats:
        """Post for every schedule due now and return the sweep's counts."""
        return await self.sweeper.run_once()

    async def post(self, claim: Claim) -> int:
        """Send a claimed day's takeaway; raise a PostError saying what to do when it fails."""
        channel = postable_channel(self.bot, claim.schedule.guild_id, claim.schedule.channel_id)
        embed = render.daily_post(claim.pick.takeaway)
        return await send_post(
            channel, embed=embed, allowed_mentions=discord.AllowedMentions.none(), nonce=claim.nonce
        )

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Forget a server the bot left."""
        await self.service.forget(guild.id)

    @daily.command(name="set")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, 24-hour HH:MM, e.g. 09:00 or 18:30",
        timezone="IANA time zone, e.g. Europe/Paris (default UTC)",
        show="Only takeaways from this show (default: every show)",
    )
    @app_commands.autocomplete(timezone=zone_choices, show=show_choices)
    async def set_(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, TIME_MAX],
        timezone: app_commands.Range[str, 1, ZONE_MAX] | None = None,
        show: app_commands.Range[str, 1, SHOW_MAX] | None = None,
    ) -> None:
        """Post one takeaway every day in a channel at a local time (also resumes a paused one)."""

        async def work() -> Reply:
            # discord.py has already resolved `channel` from this server's cache (an unknown one
            # never gets here: the tree explains it), so only the permissions are left to check.
            guild = _guild(interaction)
            missing = missing_permissions(channel, guild.me)
            if missing:
                refused = f"I can't post in {channel.mention}: I am missing {missing} there."
                raise messages.MarkupError(refused)
            saved, when = await self.service.set(guild.id, channel.id, time, timezone, self._show(show))
            return Reply(content=render.set_reply(saved, when, self.channel_of(guild)), ephemeral=True)

        await respond.answer(interaction, work())

    @daily.command(name="stop")
    async def stop(self, interaction: discord.Interaction) -> None:
        """Stop the daily takeaway in this server."""
        stopped = await self.service.stop(_guild(interaction).id)
        text = "Daily takeaways stopped." if stopped else "No daily takeaway was set up here."
        await respond.send(interaction, Reply(content=text, ephemeral=True))

    @daily.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """Show the channel, time, next and last post, and why posting is paused if it is."""
        guild = _guild(interaction)
        text = render.status_reply(await self.service.status(guild.id), self.channel_of(guild))
        await respond.send(interaction, Reply(content=text, ephemeral=True))

    @daily.command(name="preview")
    async def preview(self, interaction: discord.Interaction) -> None:
        """Show exactly what the next daily post will be (only you see it)."""

        async def work() -> Reply:
            guild_id = _guild(interaction).id
            status = await self.service.status(guild_id)
            chosen = await self.service.preview(guild_id, status.schedule.show if status else None)
            if chosen is None:
                return Reply(content="There are no takeaways to post yet.", ephemeral=True)
            intro = "The next daily post will be:" if status else "Not set up yet; the first post would be:"
            return Reply(content=intro, embeds=[render.daily_post(chosen.takeaway)], ephemeral=True)

        await respond.answer(interaction, work())

    def channel_of(self, guild: discord.Guild) -> ChannelOf:
        """Return what finds one of the server's channels by id (also one deleted since)."""
        return functools.partial(self.bot.get_partial_messageable, guild_id=guild.id)

    def _show(self, text: str | None) -> str | None:
        """Return the show's stored name for what was typed, or raise UserError."""
        if not text or not text.strip():
            return None
        shows = self.bot.kb.shows()
        found = next((s for s in shows if s.casefold() == text.strip().casefold()), None)
        if found is None:
            known = ", ".join(shows[:10]) or "none yet"
            raise UserError(f"There is no show called “{text.strip()}”. Shows: {known}.")
        return found


def _guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserError("This command only works in a server.")
    return interaction.guild


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Daily(bot))
