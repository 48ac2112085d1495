"""New-episode posts and the /announce answers as Discord shows them; pure functions, nothing is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from bot.announce.service import Status
from bot.app import limits
from bot.app.render.common import Reply, embed, episode_link, markdown_url
from bot.app.render.daily import ChannelOf, last_sent_line, takeaways_hint
from bot.links import format_offset
from bot.model import EpisodeCard
from bot.storage import announce as store

HEADING = "New episode"
DESCRIPTION_START = 600  # the start of the description; the whole of it is one click away
SUMMARY_LINES = 15
STATES = {
    store.SENDING: "being posted (if the bot stopped meanwhile, whether it went out is unknown)",
    store.SENT: "posted",
    store.RETRY: "not posted yet",
    store.FAILED: "not posted",
}


def episode_post(card: EpisodeCard, role_id: int | None) -> Reply:
    """Return one new episode's card: title, number, date, length, description start, listen link."""
    ep = card.episode
    link = episode_link(ep, "Listen")
    body = embed(
        ep.title,
        description=limits.fit(card.description, DESCRIPTION_START) or None,
        url=link.url if link else None,
    )
    body.set_author(name=HEADING)
    if ep.show:
        body.add_field(name="Show", value=limits.fit(ep.show, limits.FIELD_VALUE))
    if ep.number:
        body.add_field(name="Episode", value=f"#{ep.number}")
    if ep.published:
        body.add_field(name="Published", value=_day(ep.published))
    if card.duration_seconds:
        body.add_field(name="Length", value=format_offset(card.duration_seconds))
    body.set_footer(text=limits.plain(f"Takeaways: {takeaways_hint(ep)}", limits.FOOTER))
    return Reply(content=ping(role_id), embeds=[body], links=[link] if link else [])


def summary_post(cards: Sequence[EpisodeCard], role_id: int | None) -> Reply:
    """Return one post listing several new episodes (a burst is announced once, not one by one)."""
    body = embed(f"{len(cards)} new episodes")
    shown = cards[:SUMMARY_LINES]
    each = limits.EMBED_DESCRIPTION // (len(shown) + 1) - 4
    lines = [f"• {_summary_line(card, each)}" for card in shown]
    if len(cards) > len(shown):
        lines.append(f"…and {len(cards) - len(shown)} more: see `/episode`")
    body.description = "\n".join(lines)
    return Reply(content=ping(role_id), embeds=[body])


def ping(role_id: int | None) -> str | None:
    """Return the role mention a post starts with, or None when nobody is pinged."""
    return f"<@&{role_id}>" if role_id else None


def allowed_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Return mentions that can ping exactly the chosen role (nobody else, never @everyone)."""
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False
    )


def set_reply(
    settings: store.Settings, channel_of: ChannelOf, role: str | None, *, newly_on: bool, warning: str | None
) -> str:
    """Return the confirmation of /announce set (`role`: the pinged role's name)."""
    lines = [f"New episodes will be announced in {_where(settings, channel_of, role)}."]
    if newly_on:
        lines.append("Episodes already here are not announced; the next new one is.")
    if warning:
        lines.append(warning)
    return limits.content("\n".join(lines))


def status_reply(status: Status | None, channel_of: ChannelOf, role: str | None) -> str:
    """Return what /announce status says (`role`: the pinged role's name)."""
    if status is None:
        return "New episodes are not announced here. Use `/announce set` to start."
    lines = [f"**Announcing in:** {_where(status.settings, channel_of, role)}"]
    # Reasons and errors are written by the bot (cogs/announce.py), not taken from the data, and
    # may mention the channel, which should stay a link.
    if status.settings.paused_reason:
        reason = status.settings.paused_reason
        lines.append(f"**Paused:** {reason}. Fix it, then run `/announce set` again to resume.")
    sent = status.last_sent
    last = (
        (sent.channel_id, sent.message_id, sent.claimed_at) if sent and sent.message_id is not None else None
    )
    lines.append(last_sent_line("Last announcement", last, channel_of))
    latest = status.latest
    if latest is not None and latest.state != store.SENT:
        detail = f": {latest.error}" if latest.error else ""
        lines.append(f"**Latest episode:** {STATES[latest.state]}{detail}")
    return limits.content("\n".join(lines))


def _where(settings: store.Settings, channel_of: ChannelOf, role: str | None) -> str:
    # The role by name: a mention in this reply would be defused into unreadable text anyway.
    if settings.role_id is None:
        pinged = "pinging nobody"
    else:
        pinged = f"pinging @{limits.escape(role)}" if role else "pinging a role that no longer exists"
    return f"{channel_of(settings.channel_id).mention}, {pinged}"


def _summary_line(card: EpisodeCard, budget: int) -> str:
    ep = card.episode
    facts = [part for part in (_day(ep.published) if ep.published else None, _length(card)) if part]
    tail = f" · {' · '.join(facts)}" if facts else ""
    title = limits.fit(ep.label, max(20, budget // 2))
    target = markdown_url(ep.url)  # measured as it goes into the link, brackets encoded
    if target and len(title) + len(target) + len(tail) + 4 <= budget:
        return f"[{title}]({target}){tail}"
    return f"**{title}**{tail}"


def _length(card: EpisodeCard) -> str | None:
    return format_offset(card.duration_seconds) if card.duration_seconds else None


def _day(day: dt.date) -> str:
    return day.isoformat()  # a calendar date: a Discord timestamp would shift it in some zones
