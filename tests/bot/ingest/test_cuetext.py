from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.cuetext import SingleWordLabels, cue_parts, labelled_cue, voice_cue

SINGLE = SingleWordLabels("Lex: a\nLex: b\nLex: c\n")
LABELS = st.sampled_from(
    ["Nathan Lambert", "[Dana Whitfield]", "SPEAKER_01", "Guest 2", "Speaker A", "Lex", "Note", "So Lex",
     "the end", "Ann 2 Lee", "Zoë Ångström-Okafor", "Ludwig van Beethoven", "A B C D E", "Speakers"]
)  # fmt: skip
TEXT = st.text(alphabet=st.sampled_from("abc XYZ.,!?'\n\t"), max_size=40)


def general(payload: str) -> list[tuple[bool, str | None, str]]:
    return list(cue_parts(payload[1:], SINGLE))


@settings(max_examples=150, deadline=None)
@given(LABELS, st.sampled_from([":", ": ", " : ", ":\t"]), TEXT)
def test_the_labelled_cue_shortcut_agrees_with_the_general_reading(label, colon, text):
    payload = f"\n{label}{colon}{text}"
    found = labelled_cue(payload, SINGLE)
    if found is not None:
        assert general(payload) == [(True, *found)]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["<v Ann Lee>", "<v.loud Bo>", "<v  Cy  Dee >"]), TEXT, st.booleans())
def test_the_voice_cue_shortcut_agrees_with_the_general_reading(voice, text, closed):
    payload = f"\n{voice}{text}{'</v>' if closed else ''}"
    found = voice_cue(payload)
    assert found is not None
    parts = general(payload)
    assert parts == [(True, found[0], found[1])]


def test_a_label_then_more_labels_is_left_to_the_general_reading():
    assert labelled_cue("\nAnn Lee: hi\nBo Chen: yo", SINGLE) is None
    assert general("\nAnn Lee: hi\nBo Chen: yo") == [(True, "Ann Lee", "hi"), (True, "Bo Chen", "yo")]


def test_single_word_labels_are_counted_once_on_demand():
    single = SingleWordLabels("Lex: a\nLex: b\n>> Lex: c\nNote: x\nNote: y\nNote: z\nBo: once\n")
    assert "Lex" in single
    assert "Note" not in single
    assert "Bo" not in single


def test_voice_span_mid_line_splits_the_line():
    parts = general("\n<v Ann>Hi there <v Bo>hello</v>")
    assert parts == [(True, "Ann", "Hi there"), (True, "Bo", "hello")]


def test_text_before_a_voice_span_keeps_the_previous_speaker():
    assert general("\nwell, <v Bo>hello") == [(False, None, "well,"), (True, "Bo", "hello")]
