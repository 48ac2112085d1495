from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.moments import build_moments
from bot.model import Chapter, Cue, Moment


def cue(start: float, end: float, text: str, speaker: str | None = "Ann", turn: bool = False) -> Cue:
    return Cue(start, end, text, speaker, 0, turn)


def talk(speaker: str, start: float, seconds: int, sentence_every: int = 5) -> list[Cue]:
    """Return one cue per second of one speaker, a sentence ending every `sentence_every` cues."""
    return [
        cue(start + n, start + n + 1, f"word{n}." if (n + 1) % sentence_every == 0 else f"word{n}", speaker)
        for n in range(seconds)
    ]


def test_consecutive_text_of_one_speaker_is_merged():
    moments = build_moments([cue(0, 2, "Hello there."), cue(2, 4, "How are you?")], [], {})
    assert [(m.start, m.end, m.speaker, m.text) for m in moments] == [
        (0, 4, "Ann", "Hello there. How are you?")
    ]


def test_a_speaker_change_always_cuts():
    moments = build_moments(
        [cue(0, 1, "Hi,", "Ann"), cue(1, 2, "hello", "Bo"), cue(2, 3, "again", "Ann")], [], {}
    )
    assert [(m.speaker, m.text) for m in moments] == [("Ann", "Hi,"), ("Bo", "hello"), ("Ann", "again")]


def test_a_bare_turn_cuts_even_without_a_name():
    moments = build_moments([cue(0, 1, "Hi", None), cue(1, 2, "who?", None, turn=True)], [], {})
    assert [m.text for m in moments] == ["Hi", "who?"]


def test_a_chapter_start_always_cuts():
    chapters = [Chapter(0, "Intro"), Chapter(3, "Main")]
    moments = build_moments([cue(0, 2, "one"), cue(2, 3, "two"), cue(3, 4, "three")], chapters, {})
    assert [(m.chapter, m.text) for m in moments] == [(0, "one two"), (1, "three")]


def test_cues_before_the_first_chapter_have_none():
    moments = build_moments([cue(0, 2, "music"), cue(10, 12, "talk")], [Chapter(5, "Start")], {})
    assert [(m.chapter, m.text) for m in moments] == [(None, "music"), (0, "talk")]


def test_chapter_index_refers_to_the_list_given_even_unsorted():
    chapters = [Chapter(60, "Second"), Chapter(0, "First")]
    moments = build_moments([cue(1, 2, "a."), cue(61, 62, "b.")], chapters, {})
    assert [m.chapter for m in moments] == [1, 0]


def test_long_speech_is_cut_at_sentence_ends_into_15_to_45_second_pieces():
    moments = build_moments(talk("Ann", 0, 600, sentence_every=7), [], {})
    assert all(15 <= m.end - m.start <= 45 for m in moments[:-1])
    assert all(m.text.endswith(".") for m in moments[:-1])
    assert " ".join(m.text for m in moments) == " ".join(c.text for c in talk("Ann", 0, 600, 7))


def test_speech_without_sentence_ends_is_cut_by_45_seconds():
    moments = build_moments(talk("Ann", 0, 200, sentence_every=1000), [], {})
    assert all(m.end - m.start <= 45 for m in moments)
    assert len(moments) == 5


def test_a_sentence_ending_mid_cue_cuts_there_and_times_it_by_its_place():
    cues = [cue(0, 14, "one two three four five six."), cue(14, 24, "Seven eight. Nine ten eleven twelve.")]
    first, second = build_moments(cues, [], {})
    assert first.text == "one two three four five six. Seven eight."
    assert second.text == "Nine ten eleven twelve."
    assert 14 < second.start < 24
    assert first.end == second.start


def test_each_sentence_keeps_its_second():
    moments = build_moments([cue(10, 20, "First one. Second one here."), cue(20, 25, "Third.")], [], {})
    (moment,) = moments
    assert moment.text == "First one. Second one here. Third."
    offsets = [offset for offset, _ in moment.sentences]
    assert offsets == [0, moment.text.index("Second"), moment.text.index("Third")]
    seconds = [second for _, second in moment.sentences]
    assert seconds[0] == 10
    assert 10 < seconds[1] < 20
    assert seconds[2] == 20
    assert moment.second_at(moment.text.index("here")) == seconds[1]
    assert moment.second_at(0) == 10


def test_labels_are_mapped_to_people_ignoring_case_and_underscores():
    cues = [cue(0, 1, "a", "Guest 1"), cue(1, 2, "b", "SPEAKER_00"), cue(2, 3, "c", "GUEST 2")]
    moments = build_moments(cues, [], {"guest 1": "Priya Raman", "SPEAKER 00": "Lex Fridman"})
    assert [m.speaker for m in moments] == ["Priya Raman", "Lex Fridman", "GUEST 2"]


def test_labels_mapping_to_the_same_person_merge():
    cues = [cue(0, 1, "a", "SPEAKER_00"), cue(1, 2, "b", "Lex Fridman")]
    moments = build_moments(cues, [], {"SPEAKER_00": "Lex Fridman"})
    assert [(m.speaker, m.text) for m in moments] == [("Lex Fridman", "a b")]


def test_unmapped_generic_labels_are_shown_as_written():
    moments = build_moments([cue(0, 1, "a", "Guest 1"), cue(1, 2, "b", "SPEAKER_01")], [], {"Guest 2": "Bo"})
    assert [m.speaker for m in moments] == ["Guest 1", "SPEAKER_01"]


def test_word_per_segment_punctuation_joins_without_a_space():
    cues = [cue(0, 1, "Hello"), cue(1, 2, ","), cue(2, 3, "world"), cue(3, 4, ".")]
    assert [m.text for m in build_moments(cues, [], {})] == ["Hello, world."]


def test_no_cues_no_moments():
    assert build_moments([], [Chapter(0, "x")], {}) == []


def test_moments_are_records():
    (moment,) = build_moments([cue(0, 1, "a")], [], {})
    assert moment == Moment(0, 1, "Ann", None, "a", ((0, 0),))


WORDS = st.sampled_from(
    ["yes.", "no", "maybe?", "well,", "so", "it", "works!", "Dr.", "…", "(laughs)", "ok."]
)
CUES = st.lists(
    st.tuples(
        st.floats(0, 5, allow_nan=False),  # gap before the cue
        st.floats(0, 12, allow_nan=False),  # its length
        st.lists(WORDS, min_size=1, max_size=12).map(" ".join),
        st.sampled_from(["Ann", "Bo", "Guest 1", None]),
        st.booleans(),
    ),
    max_size=60,
)


def as_cues(drawn) -> list[Cue]:
    cues, now = [], 0.0
    for gap, length, text, speaker, turn in drawn:
        now += gap
        cues.append(Cue(now, now + length, text, speaker, len(cues) + 1, turn and speaker is None))
        now += length
    return cues


@settings(max_examples=120, deadline=None)
@given(CUES, st.lists(st.floats(0, 300, allow_nan=False), max_size=4))
def test_moments_keep_every_word_in_order_and_never_cross_a_boundary(drawn, chapter_starts):
    cues = as_cues(drawn)
    chapters = [Chapter(at, f"c{n}") for n, at in enumerate(chapter_starts)]
    moments = build_moments(cues, chapters, {"Guest 1": "Priya Raman"})
    # Every character in order: only a cue of punctuation alone (",") joins the word before it.
    assert "".join(m.text for m in moments).replace(" ", "") == "".join(c.text for c in cues).replace(" ", "")
    ordered = sorted(chapters, key=lambda c: c.start)
    for moment in moments:
        assert moment.speaker in ("Ann", "Bo", "Priya Raman", None)
        assert moment.sentences[0] == (0, moment.start)
        assert all(0 <= offset < len(moment.text) for offset, _ in moment.sentences)
        assert [s for _, s in moment.sentences] == sorted(s for _, s in moment.sentences)
        inside = [c for c in ordered if moment.start < c.start < moment.end]
        assert not inside or all(c.start >= moment.end - 12 for c in inside)  # only a cue spanning it
        if moment.chapter is not None:
            assert chapters[moment.chapter].start <= moment.start + 1e-9


@settings(max_examples=100, deadline=None)
@given(CUES)
def test_a_moment_is_at_most_45_seconds_unless_one_cue_is_longer(drawn):
    cues = as_cues(drawn)
    longest = max((c.end - c.start for c in cues), default=0)
    for moment in build_moments(cues, [], {}):
        assert moment.end - moment.start <= max(45, longest) + 12
