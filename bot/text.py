"""Text helpers shared by parsing, search, speaker resolution and every answer that shortens text."""

from __future__ import annotations

import functools
import re
import unicodedata

# Letters that carry no combining mark under NFKD but that people type without the stroke.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


# Per byte of ASCII text: a letter in lower case, a digit as it is, anything else a space.
_ASCII_KEY = bytes((c | 0x20) if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(256))


def normalize_passage(s: str) -> str:
    """Return the matching key of `s` (as normalize) without remembering it: for passages ranked once."""
    if s.isascii():  # most text: the same key, an order of magnitude faster (search ranks hundreds)
        # One table lookup per byte: about 4x faster than lower() and a regular expression.
        return b" ".join(s.encode("ascii").translate(_ASCII_KEY).split()).decode("ascii")
    # NFKD on both sides of casefold: each can produce what the other must then fold ("ℌ", "İ").
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", s).casefold()).translate(_FOLD)
    kept = (ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch))
    return " ".join("".join(kept).split())


# Rebuilding the in-memory catalogue normalizes every title and name again; remembering them makes
# a reload of 10,000 episodes about three times faster. Bounded, since typed text passes here too.
@functools.lru_cache(maxsize=1 << 17)
def normalize(s: str) -> str:
    """Return a case- and accent-insensitive matching key: letters and digits separated by single spaces."""
    return normalize_passage(s)


ELLIPSIS = "…"


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Return `text` cut to at most `limit` characters, ending in `ellipsis` when it was cut."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))].rstrip()
    # A trailing backslash of markdown-escaped text would escape the ellipsis instead of its own
    # character; an odd run of them means the cut split an escape pair.
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return (cut + ellipsis)[:limit]


# Characters that would change what a terminal or a log shows rather than appear in it: C0 and
# C1 controls (newline, ESC of terminal escapes), DEL, line and paragraph separators, the bidi
# controls that reorder a line, and lone surrogates (a file name's bytes that are not UTF-8).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def plural(count: int, noun: str) -> str:
    """Return `count` with `noun`, in the plural unless it is one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def printable(text: str) -> str:
    """Return `text` as one safe line for a terminal or a log, every unsafe character as an escape.

    `\\n`, `\\x1b` or `\\u202e` appear as those characters; a byte of a file name that is not
    UTF-8 (a surrogate escape) appears as `\\xe9`.
    """
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Return `text` with its line breaks kept and every other unsafe character escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def storable(text: str) -> str:
    """Return `text` as SQLite can store it: a file name's undecodable bytes become `\\xNN`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text
