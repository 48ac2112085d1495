"""Answers to free-text questions: ranked passages, each cited with episode, speaker and moment."""

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
from bot.model import Passage

KIND_NAMES = {
    "takeaway": "Key takeaway",
    "quote": "Quote",
    "description": "Episode description",
    "moment": "Transcript",
}
NOTHING_FOUND = "I found nothing about that. Try other words, or `/quote search` for a line you remember."


def ask_page(question: str, passages: Sequence[Passage], info: PageInfo) -> Reply:
    """Return one page of passages answering `question`, best first."""
    body = embed(f"“{question}”")
    body.set_footer(text=info.footer("passage"))
    names = [limits.fit(_heading(p), limits.FIELD_NAME) for p in passages]
    budget = field_budget(body, names)
    for name, passage in zip(names, passages, strict=True):
        body.add_field(name=name, value=passage_value(passage, budget), inline=False)
    return Reply(embeds=[body], links=_links(passages))


def nothing_found() -> Reply:
    """Return the honest answer when no passage matches."""
    return Reply(content=NOTHING_FOUND, ephemeral=True)


def passage_value(passage: Passage, budget: int) -> str:
    """Return the passage text, then its citation line, shortened to fit `budget`."""
    name = episode_name(passage.episode)
    if passage.chapter:
        name += f" · *{limits.fit(passage.chapter, 80)}*"
    options = [f"\n{name}"]
    if passage.seconds is not None:
        unlinked = moment(passage.seconds, None)
        options = [
            f"\n{name} · {moment(passage.seconds, passage.link)}",
            f"\n{name} · {unlinked}",
            f"\n{unlinked}",
        ]
    # A link too long for the field is dropped rather than squeezing out the passage.
    suffix = first_within(options, budget // 2)
    text = limits.fit(passage.text, budget - len(suffix) - 2)
    return (f"“{text}”" if passage.kind in ("quote", "moment") else text) + suffix


def _heading(passage: Passage) -> str:
    kind = KIND_NAMES.get(passage.kind, passage.kind.capitalize())
    return f"{kind} · {passage.speaker.name}" if passage.speaker else kind


def _links(passages: Sequence[Passage]) -> list[Link]:
    found = []
    for p in passages:
        if p.seconds is not None:
            link = moment_link(p.seconds, p.link, p.speaker.name if p.speaker else None)
            if link:
                found.append(link)
    return found[: limits.BUTTONS_PER_ROW]
