"""The daily post and the /daily answers as Discord shows them; pure functions, nothing is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import discord

from bot.app import limits
from bot.app.render.common import embed, episode_link
from bot.daily.service import Status
from bot.model import EpisodeRef, Takeaway
from bot.storage import daily as store

HEADING = "Takeaway of the day"
# A server's channel by id, e.g. bot.get_partial_messageable(id, guild_id=...): what mentions and
# message links are built from, even for a channel deleted since.
ChannelOf = Callable[[int], discord.PartialMessageable]
STATES = {
    store.SENDING: "being posted (if the bot stopped meanwhile, whether it went out is unknown)",
    store.SENT: "posted",
    store.RETRY: "not posted yet",
    store.FAILED: "not posted",
}


def daily_post(takeaway: Takeaway) -> discord.Embed:
    """Return the embed of a daily post: the takeaway, its episode linked, and where to read more."""
    episode = takeaway.episode
    link = episode_link(episode)
    body = embed(
        episode.title,
        description=limits.fit(takeaway.text, limits.EMBED_DESCRIPTION),
        url=link.url if link else None,
    )
    body.set_author(name=HEADING)
    if where := episode.show_and_number:
        body.add_field(name="Episode", value=limits.fit(where, limits.FIELD_VALUE))
    body.set_footer(text=limits.plain(f"More from this episode: {takeaways_hint(episode)}", limits.FOOTER))
    return body


def takeaways_hint(episode: EpisodeRef) -> str:
    """Return the command that lists the episode's takeaways, e.g. `/takeaways episode:490`."""
    return f"/takeaways episode:{episode.typed_name}"


def when(moment: dt.datetime) -> str:
    """Return Discord markup that shows `moment` in each reader's own zone, plus a relative time."""
    return f"{discord.utils.format_dt(moment, 'F')} ({discord.utils.format_dt(moment, 'R')})"


def last_sent_line(label: str, sent: tuple[int, int, int] | None, channel_of: ChannelOf) -> str:
    """Return a status line for the last post, (channel id, message id, unix seconds), linked."""
    if sent is None:
        return f"**{label}:** none yet"
    channel_id, message_id, posted_at = sent
    channel = channel_of(channel_id)
    link = channel.get_partial_message(message_id).jump_url
    moment = dt.datetime.fromtimestamp(posted_at, dt.UTC)
    return f"**{label}:** {when(moment)} in {channel.mention} ([open]({link}))"


def schedule_line(schedule: store.Schedule, channel_of: ChannelOf) -> str:
    """Return `#channel every day at 09:00 (Europe/Paris), all shows`."""
    shows = f"only {limits.escape(schedule.show)}" if schedule.show else "all shows"
    where = channel_of(schedule.channel_id).mention
    return f"{where} every day at {schedule.post_time} ({schedule.timezone}), {shows}"


def set_reply(schedule: store.Schedule, next_post: dt.datetime, channel_of: ChannelOf) -> str:
    """Return the confirmation of /daily set."""
    return f"Daily takeaway set: {schedule_line(schedule, channel_of)}.\nNext post: {when(next_post)}."


def status_reply(status: Status | None, channel_of: ChannelOf) -> str:
    """Return what /daily status says."""
    if status is None:
        return "No daily takeaway is set up here. Use `/daily set` to start one."
    lines = [f"**Schedule:** {schedule_line(status.schedule, channel_of)}"]
    # Reasons and errors are written by the bot (cogs/daily.py), not taken from the data, and may
    # mention the channel, which should stay a link.
    if status.schedule.paused_reason:
        reason = status.schedule.paused_reason
        lines.append(f"**Paused:** {reason}. Fix it, then run `/daily set` again to resume.")
    elif status.next_post is not None:
        lines.append(f"**Next post:** {when(status.next_post)}")
    post = status.last_post
    last = (post.channel_id, post.message_id, post.posted_at) if post is not None else None
    lines.append(last_sent_line("Last post", last, channel_of))
    latest = status.latest
    if latest is not None and latest.state != store.SENT:
        detail = f": {latest.error}" if latest.error else ""
        lines.append(f"**{latest.local_date.isoformat()}:** {STATES[latest.state]}{detail}")
    return limits.content("\n".join(lines))
