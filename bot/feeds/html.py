"""Turn show notes written in HTML into plain text, keeping each link's address beside its words."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
from inscriptis import Inscriptis

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[#a-zA-Z0-9]+;")


# The show notes most hosts write: paragraphs of text, links and line breaks, nothing else.
_SIMPLE = re.compile(
    r"<p>|</p>|<br ?/?>|<a href=(?:'([^'\s<>&\"]+)'|\"([^'\s<>&\"]+)\")>|</a>"
    r"|&(amp|lt|gt|quot|#39);|([^<>&]+)"
)
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#39": "'"}
_ODD_SPACE = re.compile(r"[^\S \t\n]")  # whitespace HTML does not collapse (no-break space, ...)
_SPACES = re.compile(r"[ \t\n]+")


def html_to_text(html: str) -> str:
    """Return the text of `html` with paragraphs and list items on their own lines.

    A link keeps its words and, when they differ from it, its address in parentheses after them
    ("the book (https://example.com/book)"), so nothing the notes pointed to is lost.
    """
    if not _LOOKS_LIKE_HTML.search(html):
        return _tidy(html)
    simple = simple_paragraphs(html)
    return _tidy(simple) if simple is not None else full_conversion(html)


def full_conversion(html: str) -> str:
    """Return the text of any HTML, as `html_to_text` does (lxml's HTML parser, then inscriptis)."""
    try:
        tree = lxml.html.document_fromstring(f"<html><body>{html}</body></html>")
    except (lxml.etree.ParserError, ValueError):
        return _tidy(html)
    for anchor in tree.iter("a"):
        _append_address(anchor)
    return _tidy(Inscriptis(tree).get_text())


def simple_paragraphs(html: str) -> str | None:
    """Return the text of notes made only of `<p>` paragraphs holding text, `<br>` and `<a href>`
    links, as the full conversion below renders them (tests compare the two); None for any other
    HTML. A quarter of the full conversion's cost (a thousand items' notes: 0.6 s with it).
    """
    if _ODD_SPACE.search(html):
        return None
    reader = _Paragraphs()
    position = 0
    for match in _SIMPLE.finditer(html):
        # Something the pattern does not know (a tag, an attribute, a stray `<`) leaves a gap.
        if match.start() != position or not reader.take(match):
            return None
        position = match.end()
    if position != len(html) or reader.lines is not None or not reader.paragraphs:
        return None
    return "\n\n".join(reader.paragraphs)


class _Paragraphs:
    """Build the text of simple notes token by token; `take` says False for what is not simple."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.lines: list[str] | None = None  # the open paragraph's lines, the last one growing
        self.words: list[str] | None = None  # the open link's text
        self.href = ""

    def take(self, match: re.Match[str]) -> bool:
        text = match.group(4)
        if text is None and match.group(3):
            text = _ENTITIES[match.group(3)]
        if text is not None:
            return self._text(text)
        tag = match.group()
        if self.lines is None:  # between paragraphs only a paragraph may start
            if tag != "<p>":
                return False
            self.lines = [""]
            return True
        if self.words is not None:  # inside a link only its end may come
            if tag != "</a>":
                return False
            shown = "".join(self.words)
            self.lines[-1] += shown + _address(shown.strip(" \t\n"), self.href)
            self.words = None
            return True
        return self._in_paragraph(self.lines, tag, match.group(1) or match.group(2))

    def _text(self, text: str) -> bool:
        if self.lines is None:
            return not text.strip(" \t\n")  # text outside a paragraph is not simple
        if self.words is not None:
            self.words.append(text)
        else:
            self.lines[-1] += text
        return True

    def _in_paragraph(self, lines: list[str], tag: str, href: str | None) -> bool:
        if tag == "</p>":
            self.paragraphs.append("\n".join(_SPACES.sub(" ", line).strip(" ") for line in lines))
            self.lines = None
        elif tag.startswith("<br"):
            lines.append("")
        elif href is not None:
            self.words, self.href = [], href
        else:
            return False  # a paragraph inside a paragraph, or a link's end without its start
        return True


def _address(words: str, href: str) -> str:
    """Return what follows a link's words: its address in parentheses, unless the words show it."""
    if not href.lower().startswith(("http://", "https://", "mailto:")) or _same(words, href):
        return ""
    return f" ({href.removeprefix('mailto:')})"


def _append_address(anchor: lxml.html.HtmlElement) -> None:
    address = _address(anchor.text_content().strip(), (anchor.get("href") or "").strip())
    if address:
        anchor.tail = address + (anchor.tail or "")


def _same(words: str, href: str) -> bool:
    """Tell whether a link's words already show its address (`example.com/x` for `https://example.com/x`)."""

    def bare(text: str) -> str:
        return re.sub(r"^(?:https?://|mailto:)(?:www\.)?", "", text.lower()).rstrip("/")

    return not words or bare(words) == bare(href)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\xa0", " ")
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()
