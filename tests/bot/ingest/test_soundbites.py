"""Soundbites take the transcript's speaker at their second; labels naming nobody are not used."""

from bot.ingest.soundbites import name_soundbite_speakers, speaker_at
from bot.model import EpisodeSource, SourceQuote
from bot.storage.episodes import MomentEntry


def moment(start, end, person):
    return MomentEntry(0, person, None, start, end, "words", b"")


MOMENTS = [
    moment(0, 20, "Marina Okafor"),
    moment(21, 60, "Priya Raman"),
    moment(90, 120, None),  # a voice the transcript names nobody for (SPEAKER_02)
]


def test_the_speaker_is_the_one_of_the_moment_holding_the_second():
    assert speaker_at(MOMENTS, 30) == "Priya Raman"
    assert speaker_at(MOMENTS, 21) == "Priya Raman"
    assert speaker_at(MOMENTS, 20) == "Marina Okafor"
    assert speaker_at(MOMENTS, 75) is None  # nobody speaks there
    assert speaker_at(MOMENTS, 100) is None
    assert speaker_at([], 30) is None


def test_soundbites_get_the_transcripts_speaker_and_other_quotes_keep_theirs():
    quotes = (
        SourceQuote("The question is the answer.", "The Tidal Hour", 30, soundbite=True),
        SourceQuote("Someone unnamed.", "The Tidal Hour", 100, soundbite=True),
        SourceQuote("Nobody at all.", "The Tidal Hour", 75, soundbite=True),
        SourceQuote("Welcome to the show.", "Written By Hand", 5),
    )
    src = EpisodeSource(key="k", title="T", quotes=quotes)
    speakers = [q.speaker for q in name_soundbite_speakers(src, MOMENTS).quotes]
    assert speakers == ["Priya Raman", "The Tidal Hour", "The Tidal Hour", "Written By Hand"]
    assert name_soundbite_speakers(src, []) is src
