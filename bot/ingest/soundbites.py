"""Name who says a soundbite: the transcript's speaker at its second, when the transcript names one."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Sequence

from bot.model import EpisodeSource, Moment

# A soundbite may start a little after the moment before it ends (a pause, a breath): still that
# speaker. Later than this, nobody is known to speak there.
SLACK_SECONDS = 2.0


def speaker_at(moments: Sequence[Moment], second: float) -> str | None:
    """Return the speaker of the moment (in order of start) that holds `second`, if any."""
    index = bisect.bisect_right([moment.start for moment in moments], second) - 1
    if index < 0:
        return None
    moment = moments[index]
    return moment.speaker if second <= moment.end + SLACK_SECONDS else None


def name_soundbite_speakers(
    src: EpisodeSource, moments: Sequence[Moment], is_name: Callable[[str], bool]
) -> EpisodeSource:
    """Return `src` with each soundbite said by the transcript's speaker at its second.

    `is_name` tells a person's name from a label a machine gave an unnamed voice (`SPEAKER_01`):
    a soundbite is never credited to such a label; it keeps its fallback speaker (the show).
    """
    if not moments or not any(quote.soundbite for quote in src.quotes):
        return src
    quotes = []
    for quote in src.quotes:
        who = speaker_at(moments, quote.seconds) if quote.soundbite else None
        quotes.append(dataclasses.replace(quote, speaker=who) if who and is_name(who) else quote)
    return dataclasses.replace(src, quotes=tuple(quotes))
