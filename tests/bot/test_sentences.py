from hypothesis import given
from hypothesis import strategies as st

from bot.sentences import pack, unpack


def test_sentence_starts_round_trip_in_two_bytes_each():
    starts = [(0, 100), (41, 104), (97, 111), (180, 130)]
    packed = pack(starts, 100)
    assert len(packed) == 6
    assert unpack(packed, 100) == starts


def test_a_moment_of_one_sentence_needs_no_bytes():
    assert pack([(0, 7)], 7) == b""
    assert unpack(None, 7) == [(0, 7)]


@given(
    st.lists(st.tuples(st.integers(1, 50_000), st.integers(0, 200_000)), max_size=30), st.integers(0, 90_000)
)
def test_any_ascending_starts_round_trip(steps, start):
    offset, second, starts = 0, start, [(0, start)]
    for text_step, second_step in steps:
        offset, second = offset + text_step, second + second_step
        starts.append((offset, second))
    assert unpack(pack(starts, start), start) == starts
