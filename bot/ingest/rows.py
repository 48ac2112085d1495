"""Turn a parsed episode into the plain rows storage writes, every name normalized for matching."""

from __future__ import annotations

from bot.ingest.page import split_title_line
from bot.ingest.timed import Timed
from bot.model import EpisodeSource
from bot.storage.episodes import EpisodeFields, EpisodeRows, RelatedRow, SegmentRow, TimedEntry
from bot.text import normalize


def episode_rows(src: EpisodeSource, timed: Timed | None = None, linked: str | None = None) -> EpisodeRows:
    """Return the rows that store `src` and its moments, every name and title normalized for matching."""
    # Plain tuples throughout (see EpisodeRows): they go to the writer through a pipe.
    timed = timed or Timed()
    moment_people = [m[1] for m in timed.moments if m[1]]  # a moment row's second field is its person
    speakers = dict.fromkeys([q.speaker for q in src.quotes] + moment_people)
    people: dict[tuple[str, str], int] = {}  # (name, role) -> position of the first listing
    for names, role in ((src.hosts, "host"), (src.guests, "guest"), (speakers, "speaker")):
        for n, name in enumerate(names, 1):
            people.setdefault((name, role), n)
    segments: list[SegmentRow] = (
        [("description", 1, None, None, 0, src.description)] if src.description.strip() else []
    )
    segments += [("takeaway", n, None, None, 0, text) for n, text in enumerate(src.takeaways, 1)]
    segments += [
        ("quote", n, q.speaker, q.seconds, int(q.truncated), q.text) for n, q in enumerate(src.quotes, 1)
    ]
    return EpisodeRows(
        key=src.key,
        show=src.show,
        episode=EpisodeFields(
            title=src.title,
            title_norm=normalize(src.title),
            number=src.number,
            url=src.url,
            published=src.published.isoformat() if src.published else None,
            duration_seconds=src.duration_seconds,
            quotes_declared=src.quotes_declared,
            mentions_declared=src.mentions_declared,
            guid=src.guid,
            season=src.season,
            audio_url=src.audio_url,
            page_url=src.page_url,
        ),
        aliases=tuple(dict.fromkeys(src.aliases)),
        people=tuple((name, role, n) for (name, role), n in people.items()),
        person_aliases=tuple(
            (p.name, alias, normalize(alias)) for p in src.people for alias in p.aliases if normalize(alias)
        ),
        segments=tuple(segments),
        mentions=tuple((n, text, normalize(text)) for n, text in enumerate(src.mentions, 1)),
        related=tuple(_related(n, line) for n, line in enumerate(src.related, 1)),
        warnings=src.warnings + timed.warnings,
        moments=timed.moments,
        chapters=timed.chapters,
        timed=TimedEntry(timed.transcript, linked, timed.digest),
    )


def _related(position: int, line: str) -> RelatedRow:
    title, show, number = split_title_line(line)
    return (position, line, normalize(title), normalize(show) if show else None, number)
