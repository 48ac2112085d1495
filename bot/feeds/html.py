"""Turn show notes written in HTML into plain text, keeping each link's address beside its words."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
from inscriptis import Inscriptis

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;")


def html_to_text(html: str) -> str:
    """Return the text of `html` with paragraphs and list items on their own lines.

    A link keeps its words and, when they differ from it, its address in parentheses after them
    ("the book (https://example.com/book)"), so nothing the notes pointed to is lost.
    """
    if not _LOOKS_LIKE_HTML.search(html):
        return _tidy(html)
    try:
        tree = lxml.html.document_fromstring(f"<html><body>{html}</body></html>")
    except (lxml.etree.ParserError, ValueError):
        return _tidy(html)
    for anchor in tree.iter("a"):
        _append_address(anchor)
    return _tidy(Inscriptis(tree).get_text())


def _append_address(anchor: lxml.html.HtmlElement) -> None:
    href = (anchor.get("href") or "").strip()
    words = anchor.text_content().strip()
    if not href.lower().startswith(("http://", "https://", "mailto:")) or _same(words, href):
        return
    anchor.tail = f" ({href.removeprefix('mailto:')})" + (anchor.tail or "")


def _same(words: str, href: str) -> bool:
    """Tell whether a link's words already show its address (`example.com/x` for `https://example.com/x`)."""

    def bare(text: str) -> str:
        return re.sub(r"^(?:https?://|mailto:)(?:www\.)?", "", text.lower()).rstrip("/")

    return not words or bare(words) == bare(href)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()
