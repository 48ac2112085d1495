"""Quotes: one quote as a card, or a page of quotes as fields, each with its moment link."""

from __future__ import annotations

from collections.abc import Sequence

from bot.app import limits
from bot.app.render.common import (
    Link,
    PageInfo,
    Reply,
    embed,
    episode_name,
    field_budget,
    first_within,
    moment,
    moment_link,
)
from bot.app.render.transcripts import SearchTitle, moments_page
from bot.model import MomentHit, QuoteHit


def quote_card(hit: QuoteHit, heading: str | None = None) -> Reply:
    """Return one quote as an embed: text, speaker, episode, moment link and a button."""
    signature = f"\n\n— **{limits.fit(hit.speaker.name, 200)}** · {moment(hit.seconds, hit.link)}"
    text = limits.fit(hit.text, limits.EMBED_DESCRIPTION - len(signature) - 2)
    card = embed(heading or hit.episode.label, description=f"“{text}”{signature}", url=hit.episode.url)
    if heading:
        card.add_field(name="Episode", value=episode_name(hit.episode, limits.FIELD_VALUE), inline=False)
    return Reply(embeds=[card], links=_links([hit], with_speaker=False))


def quotes_page(title: str, hits: Sequence[QuoteHit], info: PageInfo) -> Reply:
    """Return one page of quotes: a field per quote and a moment button per quote."""
    page_embed = embed(title)
    page_embed.set_footer(text=info.footer("quote"))
    names = [limits.fit(hit.speaker.name, limits.FIELD_NAME) for hit in hits]
    budget = field_budget(page_embed, names)
    for name, hit in zip(names, hits, strict=True):
        page_embed.add_field(name=name, value=quote_value(hit, budget), inline=False)
    return Reply(embeds=[page_embed], links=_links(hits, with_speaker=len({h.speaker for h in hits}) > 1))


def quote_value(hit: QuoteHit, budget: int) -> str:
    """Return `“text”` then the moment link and episode, with the text shortened to fit `budget`."""
    linked, unlinked, name = (
        moment(hit.seconds, hit.link),
        moment(hit.seconds, None),
        episode_name(hit.episode),
    )
    # An absurd title or link must not squeeze out the quote itself: drop the title, then the link.
    options = [f"\n{linked} · {name}", f"\n{linked}", f"\n{unlinked} · {name}", f"\n{unlinked}"]
    suffix = first_within(options, budget // 2)
    text = limits.fit(hit.text, budget - len(suffix) - 2)
    return f"“{text}”{suffix}"


def _links(hits: Sequence[QuoteHit], *, with_speaker: bool) -> list[Link]:
    links = (moment_link(h.seconds, h.link, h.speaker.name if with_speaker else None) for h in hits)
    return [link for link in links if link][: limits.BUTTONS_PER_ROW]


def search_page(text: str, hits: Sequence[QuoteHit] | Sequence[MomentHit], info: PageInfo) -> Reply:
    """Return one page of quotes matching the searched words (or of transcript moments), best first."""
    if hits and isinstance(hits[0], MomentHit):
        return moments_page(SearchTitle(text), hits, info)  # type: ignore[arg-type]
    return quotes_page(f"Quotes matching “{text}”", hits, info)  # type: ignore[arg-type]
