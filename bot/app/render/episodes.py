"""Episodes: the `/episode` card, pages of takeaways and pages of related episodes."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.app import limits
from bot.app.render.common import Link, PageInfo, Reply, embed, episode_link, markdown_url, share, url_link
from bot.app.render.transcripts import transcript_summary
from bot.links import format_offset
from bot.model import EpisodeCard, EpisodeRef, RelatedItem, Takeaway

# A card's description is a summary; the full text stays on the episode page.
CARD_DESCRIPTION = 1500
FIELD_LIST = 400


def episode_card(card: EpisodeCard) -> Reply:
    """Return the episode card: title, show and number, date, people, description, counts, link."""
    ep = card.episode
    body = embed(ep.title, description=limits.fit(card.description, CARD_DESCRIPTION) or None, url=ep.url)
    _add_inline(body, "Show", ep.show)
    _add_inline(body, "Episode", f"#{ep.number}" if ep.number else None, escape=False)
    _add_inline(body, "Season", str(card.season) if card.season else None, escape=False)
    _add_inline(body, "Published", ep.published.isoformat() if ep.published else None)
    _add_inline(body, "Length", format_offset(card.duration_seconds) if card.duration_seconds else None)
    _add_inline(body, "Hosts", _names(card.hosts))
    _add_inline(body, "Guests", _names(card.guests))
    body.add_field(name="In this episode", value=_counts(card), inline=False)
    timed = transcript_summary(card.moment_count, card.covered_seconds, card.chapter_count)
    body.add_field(name="Transcript", value=timed or "none", inline=False)
    more = [f"/takeaways episode:{ep.typed_name}", f"/related episode:{ep.typed_name}"]
    if card.moment_count:
        more.append(f"/search episode:{ep.typed_name}")
    if card.chapter_count:
        more.append(f"/chapters episode:{ep.typed_name}")
    body.set_footer(text=limits.plain("More: " + "  ·  ".join(more), 200))
    return Reply(embeds=[body], links=_card_links(card))


def _card_links(card: EpisodeCard) -> list[Link]:
    """Return the episode's link, then its audio and its web page when those are other addresses."""
    ep = card.episode
    found = [episode_link(ep), url_link("Listen", ep.audio_url), url_link("Episode page", card.page_url)]
    links: dict[str, Link] = {}
    for link in found:
        if link is not None:
            links.setdefault(link.url, link)
    return list(links.values())


def takeaways_page(episode: EpisodeRef, items: Sequence[Takeaway], info: PageInfo) -> Reply:
    """Return one page of an episode's key takeaways as a numbered list."""
    body = embed(f"Key takeaways · {episode.label}", url=episode.url)
    body.set_footer(text=info.footer("takeaway"))
    budget = min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - len(body.title or "") - 100)
    each = share(budget, len(items)) - 8  # room for "12. " and the blank line between items
    body.description = "\n\n".join(f"{t.position}. {limits.fit(t.text, each)}" for t in items)
    return Reply(embeds=[body], links=_episode_links(episode))


def related_page(episode: EpisodeRef, items: Sequence[RelatedItem], info: PageInfo) -> Reply:
    """Return one page of related episodes, each with the reason and a link when known."""
    body = embed(f"Related to {episode.label}", url=episode.url)
    body.set_footer(text=info.footer("related episode"))
    each = share(min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - len(body.title or "") - 100), len(items))
    body.description = "\n".join(_related_line(item, each) for item in items)
    return Reply(embeds=[body], links=_episode_links(episode))


def _related_line(item: RelatedItem, budget: int) -> str:
    target = markdown_url(item.episode.url) if item.episode else None
    title = limits.fit(item.title, max(20, budget // 2))
    # Link the title only when the URL fits this line's share, so long URLs cannot push a
    # page of ten past the description limit; the title is still shown, in bold.
    linked = target and len(title) + len(target) + 12 <= budget
    shown = f"[{title}]({target})" if linked else f"**{title}**"
    reason = limits.fit(item.reason, max(0, budget - len(shown) - 6))  # "• " and " — "
    return f"• {shown} — {reason}" if reason else f"• {shown}"


def _episode_links(episode: EpisodeRef) -> list[Link]:
    link = episode_link(episode)
    return [link] if link else []


def _add_inline(body: discord.Embed, name: str, value: str | None, *, escape: bool = True) -> None:
    if value:
        shown = limits.fit(value, limits.FIELD_VALUE) if escape else value
        body.add_field(name=name, value=shown, inline=True)


def _names(names: Sequence[str]) -> str | None:
    return ", ".join(names) or None


def _counts(card: EpisodeCard) -> str:
    parts = [
        _count(card.takeaway_count, None, "takeaway"),
        _count(card.quote_count, card.quotes_declared, "quote"),
        _count(card.related_count, None, "related episode"),
    ]
    if card.mention_count or card.mentions_declared:
        parts.append(_count(card.mention_count, card.mentions_declared, "mention"))
    return " · ".join(parts)


def _count(shown: int, declared: int | None, noun: str) -> str:
    if declared and declared != shown:
        # A page announces "Recommendations (27)" and lists ten: say both, never imply 27 are here.
        return f"{noun}s: the page declares {declared}, shows {shown}"
    return f"{shown} {noun}{'' if shown == 1 else 's'}"
