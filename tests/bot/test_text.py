import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import ELLIPSIS, normalize, normalize_passage, printable, storable, truncate


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Zoë Ångström-Okafor", "zoe angstrom okafor"),
        ("Seán O'Neill-Kaur", "sean o neill kaur"),
        ("Seán O’Neill–Kaur", "sean o neill kaur"),
        ("Tomasz Wiśniewski", "tomasz wisniewski"),
        ("Łukasz Øster", "lukasz oster"),
        ("STRASSE Straße", "strasse strasse"),
        ("  Nathan\tLambert \n", "nathan lambert"),
        ("Lex Fridman Podcast #490", "lex fridman podcast 490"),
        ("“Recursive”… language-model!", "recursive language model"),
        ("", ""),
        ("--- ...", ""),
    ],
)
def test_normalize_examples(raw, key):
    assert normalize(raw) == key


def test_normalize_matches_accented_and_plain_spellings():
    assert normalize("ZOË ÅNGSTRÖM") == normalize("zoe angstrom")


@given(st.text())
def test_normalize_is_idempotent_and_clean(raw):
    key = normalize(raw)
    assert normalize(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert not any(unicodedata.combining(ch) for ch in key)
    assert all(ch.isalnum() or ch == " " for ch in key)


def test_truncate_keeps_short_text():
    assert truncate("hello", 5) == "hello"


def test_truncate_ends_with_ellipsis_at_the_limit():
    cut = truncate("a" * 50, 10)
    assert len(cut) == 10
    assert cut.endswith(ELLIPSIS)


def test_truncate_drops_whitespace_before_the_ellipsis():
    assert truncate("one two three", 5) == "one…"


def test_truncate_to_nothing():
    assert truncate("abc", 0) == ""


def test_truncate_with_another_ellipsis_stays_within_the_limit():
    assert truncate("abcdefgh", 6, "...") == "abc..."
    assert truncate("abcdefgh", 2, "...") == ".."


def test_truncate_never_leaves_half_an_escape_before_the_ellipsis():
    assert truncate("ab\\*cd", 4) == "ab…"  # "ab\" would escape the ellipsis
    assert truncate("a\\\\bcd", 4) == "a\\\\…"  # a whole escaped backslash stays


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_truncate_fits_and_marks_every_cut(text, limit):
    cut = truncate(text, limit)
    assert len(cut) <= limit
    assert cut == text or cut.endswith(ELLIPSIS) or limit == 0


def _slow_normalize(s):
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", s).casefold())
    kept = (ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(kept).split())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_normalize_of_ascii_text_takes_the_short_way_to_the_same_key(text):
    assert normalize(text) == _slow_normalize(text)


def test_passage_key_of_every_ascii_character_is_the_slow_key():
    every = "".join(map(chr, range(128)))
    letters = "abcdefghijklmnopqrstuvwxyz"
    assert normalize_passage(every) == _slow_normalize(every) == f"0123456789 {letters} {letters}"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain café 🎙", "plain café 🎙"),
        ("a\nfake: line", "a\\nfake: line"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("tab\tcr\r", "tab\\tcr\\r"),
        ("left\u202eright", "left\\u202eright"),
        ("line\u2028sep\x85", "line\\u2028sep\\x85"),
        ("caf\udce9", "caf\\xe9"),  # a file name byte that is not UTF-8
    ],
)
def test_printable_escapes_what_would_change_a_terminal_line(raw, shown):
    assert printable(raw) == shown


@given(st.text())
def test_printable_is_always_one_storable_line(raw):
    shown = printable(raw)
    assert "\n" not in shown
    assert "\x1b" not in shown
    shown.encode("utf-8")


def test_storable_keeps_utf8_and_escapes_the_bytes_of_a_name_that_is_not():
    assert storable("café") == "café"
    assert storable("caf\udce9.txt") == "caf\\xe9.txt"
    storable("caf\udce9").encode("utf-8")
