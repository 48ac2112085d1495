"""Transcripts: pages of moments found by `/search`, and an episode's chapters, each linked to its second."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.app import limits
from bot.app.render.common import (
    Link,
    PageInfo,
    Reply,
    embed,
    episode_link,
    episode_name,
    field_budget,
    markdown_url,
    moment,
    moment_link,
    share,
)
from bot.links import format_offset
from bot.model import ChapterItem, EpisodeRef, MomentHit

UNKNOWN_SPEAKER = "Unknown speaker"


@dataclass(frozen=True, slots=True)
class SearchTitle:
    """Say what was searched for and within what, for the page title."""

    text: str
    episode: EpisodeRef | None = None
    speaker: str | None = None

    def title(self) -> str:
        """Return `Said: “text” · by Priya Raman · in Green Hour #13`."""
        parts = [f"Said: “{self.text}”"]
        if self.speaker:
            parts.append(f"by {self.speaker}")
        if self.episode:
            parts.append(f"in {self.episode.show_and_number or self.episode.title}")
        return " · ".join(parts)


def moments_page(search: SearchTitle, hits: Sequence[MomentHit], info: PageInfo) -> Reply:
    """Return one page of moments: speaker, words around the match, moment link, episode, chapter."""
    body = embed(search.title())
    body.set_footer(text=info.footer("moment"))
    names = [limits.fit(hit.speaker or UNKNOWN_SPEAKER, limits.FIELD_NAME) for hit in hits]
    budget = field_budget(body, names)
    for name, hit in zip(names, hits, strict=True):
        body.add_field(name=name, value=moment_value(hit, budget), inline=False)
    return Reply(embeds=[body], links=_links(hits))


def moment_value(hit: MomentHit, budget: int) -> str:
    """Return the context with the typed words in bold, then `▶ 1:02:33 · episode · chapter`."""
    cite = [moment(hit.seconds, hit.link), episode_name(hit.episode)]
    if hit.chapter:
        cite.append(f"*{limits.fit(hit.chapter, 80)}*")
    suffix = "\n" + " · ".join(cite)
    if len(suffix) > budget // 2:
        suffix = "\n" + moment(hit.seconds, hit.link)
    return emphasised(hit.context, hit.matched, budget - len(suffix)) + suffix


def emphasised(text: str, spans: Sequence[tuple[int, int]], limit: int) -> str:
    """Return `text` escaped, with each span in bold, within `limit` characters (bold dropped if not)."""
    parts, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        parts += [limits.escape(text[at:start]), "**" + limits.escape(text[start:end]) + "**"]
        at = end
    parts.append(limits.escape(text[at:]))
    shown = "".join(parts).replace("****", "")
    return shown if len(shown) <= limit else limits.fit(text, limit)


def _links(hits: Sequence[MomentHit]) -> list[Link]:
    found = (moment_link(h.seconds, h.link, h.speaker) for h in hits)
    return [link for link in found if link][: limits.BUTTONS_PER_ROW]


def chapters_page(episode: EpisodeRef, items: Sequence[ChapterItem], info: PageInfo) -> Reply:
    """Return one page of an episode's chapters, each linked to where it starts."""
    body = embed(f"Chapters · {episode.label}", url=episode.url)
    body.set_footer(text=info.footer("chapter"))
    each = share(min(limits.EMBED_DESCRIPTION, limits.EMBED_TOTAL - len(body.title or "") - 100), len(items))
    body.description = "\n".join(chapter_line(item, each) for item in items)
    link = episode_link(episode)
    return Reply(embeds=[body], links=[link] if link else [])


def chapter_line(item: ChapterItem, budget: int) -> str:
    """Return `[▶ 12:00](link) Title`, the title shortened to fit `budget`."""
    stamp = f"▶ {format_offset(item.seconds)}"
    url = markdown_url(item.link)
    head = f"[{stamp}]({url})" if url and len(url) + 30 <= budget else stamp
    title = limits.fit(item.title or f"Chapter {item.position}", max(10, budget - len(head) - 1))
    return f"{head} {title}"


def transcript_summary(moments: int, covered: int | None, chapters: int) -> str | None:
    """Return `412 moments up to 3:02:11 · 14 chapters`, or None when there is neither."""
    parts = []
    if moments:
        upto = f" up to {format_offset(covered)}" if covered else ""
        parts.append(f"{moments:,} moment{'s' if moments != 1 else ''}{upto}")
    if chapters:
        parts.append(f"{chapters} chapter{'s' if chapters != 1 else ''}")
    return " · ".join(parts) or None
