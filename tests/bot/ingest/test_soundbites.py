"""Soundbites take the transcript's speaker at their second; labels naming nobody are not used."""

from bot.ingest.soundbites import name_soundbite_speakers, speaker_at
from bot.model import EpisodeSource, Moment, SourceQuote

MOMENTS = [
    Moment(0.0, 20.0, "Marina Okafor", None, "Welcome to the show."),
    Moment(21.0, 60.0, "Priya Raman", None, "The question is the answer."),
    Moment(90.0, 120.0, "SPEAKER_02", None, "Someone unnamed."),
]


def test_the_speaker_is_the_one_of_the_moment_holding_the_second():
    assert speaker_at(MOMENTS, 30) == "Priya Raman"
    assert speaker_at(MOMENTS, 20.5) == "Marina Okafor"  # a breath after her moment: still her
    assert speaker_at(MOMENTS, 75) is None  # nobody speaks there
    assert speaker_at([], 30) is None


def test_soundbites_get_the_transcripts_speaker_and_other_quotes_keep_theirs():
    quotes = (
        SourceQuote("The question is the answer.", "The Tidal Hour", 30, soundbite=True),
        SourceQuote("Someone unnamed.", "The Tidal Hour", 100, soundbite=True),
        SourceQuote("Nobody at all.", "The Tidal Hour", 75, soundbite=True),
        SourceQuote("Welcome to the show.", "Written By Hand", 5),
    )
    src = EpisodeSource(key="k", title="T", quotes=quotes)
    named = name_soundbite_speakers(src, MOMENTS, lambda label: not label.startswith("SPEAKER_"))
    assert [q.speaker for q in named.quotes] == [
        "Priya Raman",
        "The Tidal Hour",
        "The Tidal Hour",
        "Written By Hand",
    ]
    assert name_soundbite_speakers(src, [], lambda label: True) is src
