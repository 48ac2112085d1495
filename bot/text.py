"""Text helpers shared by parsing, search and speaker resolution."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining mark under NFKD but that people type without the stroke.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def normalize(s: str) -> str:
    """Return a case- and accent-insensitive matching key: letters and digits separated by single spaces."""
    # NFKD on both sides of casefold: each can produce what the other must then fold ("ℌ", "İ").
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", s).casefold()).translate(_FOLD)
    kept = (ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(kept).split())
