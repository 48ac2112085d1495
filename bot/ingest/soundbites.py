"""Name who says a soundbite: the transcript's speaker at its second, when the transcript names one."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence

from bot.model import EpisodeSource
from bot.storage.episodes import MomentRow

# A soundbite may start a little after the moment before it ends (a pause, a breath): still that
# speaker. Later than this, nobody is known to speak there.
SLACK_SECONDS = 2


def speaker_at(moments: Sequence[MomentRow], second: int) -> str | None:
    """Return the person speaking the moment (moments in order of start) that holds `second`, if known."""
    # Rows as the writer takes them: position, person, label, seconds, end_seconds, text, marks.
    index = bisect.bisect_right([moment[3] for moment in moments], second) - 1
    if index < 0:
        return None
    _, person, _, _, end, _, _ = moments[index]
    return person if second <= end + SLACK_SECONDS else None


def name_soundbite_speakers(src: EpisodeSource, moments: Sequence[MomentRow]) -> EpisodeSource:
    """Return `src` with each soundbite said by the transcript's speaker at its second.

    A moment's person is None where the transcript names nobody (no label, or one a machine gave an
    unnamed voice, like `SPEAKER_01`): such a soundbite keeps its fallback speaker (the show).
    """
    if not moments or not any(quote.soundbite for quote in src.quotes):
        return src
    quotes = []
    for quote in src.quotes:
        who = speaker_at(moments, quote.seconds) if quote.soundbite else None
        quotes.append(dataclasses.replace(quote, speaker=who) if who else quote)
    return dataclasses.replace(src, quotes=tuple(quotes))
