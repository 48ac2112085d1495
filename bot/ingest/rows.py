"""Turn a parsed episode into the plain rows storage writes, every name normalized for matching."""

from __future__ import annotations

from bot.ingest.page import split_title_line
from bot.model import EpisodeSource
from bot.storage.episodes import EpisodeRows
from bot.text import normalize


def episode_rows(src: EpisodeSource) -> EpisodeRows:
    """Return the rows that store `src`, with every name and title normalized for matching."""
    published = src.published.isoformat() if src.published else None
    speakers = dict.fromkeys(q.speaker for q in src.quotes)
    people = {}
    for names, role in ((src.hosts, "host"), (src.guests, "guest"), (speakers, "speaker")):
        for n, name in enumerate(names, 1):
            people.setdefault((name, role), n)
    segments = [("description", 1, None, None, 0, src.description)] if src.description.strip() else []
    segments += [("takeaway", n, None, None, 0, text) for n, text in enumerate(src.takeaways, 1)]
    segments += [
        ("quote", n, q.speaker, q.seconds, int(q.truncated), q.text) for n, q in enumerate(src.quotes, 1)
    ]
    return EpisodeRows(
        key=src.key,
        show=src.show,
        episode=(
            src.title,
            normalize(src.title),
            src.number,
            src.url,
            published,
            src.duration_seconds,
            src.quotes_declared,
            src.mentions_declared,
        ),
        aliases=tuple(dict.fromkeys(src.aliases)),
        people=tuple((name, role, n) for (name, role), n in people.items()),
        person_aliases=tuple(
            (p.name, alias, normalize(alias)) for p in src.people for alias in p.aliases if normalize(alias)
        ),
        segments=tuple(segments),
        mentions=tuple((n, text, normalize(text)) for n, text in enumerate(src.mentions, 1)),
        related=tuple((n, line, *_related_parts(line)) for n, line in enumerate(src.related, 1)),
        warnings=src.warnings,
    )


def _related_parts(line: str) -> tuple[str, str | None, int | None]:
    title, show, number = split_title_line(line)
    return normalize(title), normalize(show) if show else None, number
