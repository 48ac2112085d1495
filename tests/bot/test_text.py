import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.text import normalize


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
