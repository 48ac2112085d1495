"""Show notes as plain text: the quick path for simple notes gives exactly the full conversion's text."""

import random

import pytest

from bot.feeds.html import full_conversion, html_to_text, simple_paragraphs

SPACES = [" ", "  ", "\n", " \n ", "\t", "", "", ""]
WORDS = ["alpha", "beta", "e.org/x", "https://e.org/x", "a&amp;b", "&lt;tag&gt;", "&quot;q&quot;", "it&#39;s",
         "x,", "(y)", "0:00", "café"]  # fmt: skip
HREFS = ["https://e.org/x", "http://e.org/x/", "https://www.e.org/x", "mailto:a@b.org", "MAILTO:a@b.org",
         "ftp://e.org", "/rel", "https://q"]  # fmt: skip


def simple_notes(rng):
    """Return random notes of paragraphs, links and line breaks, with odd spacing everywhere."""

    def text():
        return "".join(rng.choice(SPACES) + rng.choice(WORDS) for _ in range(rng.randint(0, 4))) + rng.choice(
            SPACES
        )

    def inline():
        parts = []
        for _ in range(rng.randint(0, 5)):
            kind = rng.random()
            if kind < 0.4:
                parts.append(text())
            elif kind < 0.6:
                parts.append(rng.choice(["<br>", "<br/>", "<br />"]))
            else:
                quote, href = rng.choice(["'", '"']), rng.choice(HREFS)
                words = rng.choice([text(), rng.choice(HREFS), f" {href} ", ""])
                parts.append(f"<a href={quote}{href}{quote}>{words}</a>")
        return "".join(parts)

    paragraphs = [f"<p>{inline()}</p>" for _ in range(rng.randint(1, 5))]
    return rng.choice(SPACES).join(paragraphs) + rng.choice(["", "\n", " "])


def test_simple_notes_read_exactly_as_the_full_conversion_reads_them():
    rng = random.Random(11)  # noqa: S311 (test data)
    for _ in range(2000):
        notes = simple_notes(rng)
        assert simple_paragraphs(notes) is not None, notes
        assert html_to_text(notes) == full_conversion(notes), notes


def test_typical_notes_keep_paragraphs_breaks_and_link_addresses():
    notes = "<p>Talk <a href='https://e.org/b'>the book</a> &amp; more.</p><p>0:00 Intro<br/>5:10 End</p>"
    assert simple_paragraphs(notes) is not None
    assert html_to_text(notes) == "Talk the book (https://e.org/b) & more.\n\n0:00 Intro\n5:10 End"


@pytest.mark.parametrize(
    "notes",
    [
        "<p>bold <b>words</b></p>",
        "<p class='x'>attributes</p>",
        "<p>one<p>two</p></p>",
        "text outside <p>a paragraph</p>",
        "<p>unclosed",
        "<p>no-break\xa0space</p>",
        "<p>a &nbsp; b</p>",
        "<p><a href='https://e.org/?a=1&amp;b=2'>query</a></p>",
        "<P>upper case</P>",
        "<ul><li>a list</li></ul>",
        "<p>a <a href='https://e.org'>link <br> split</a></p>",
    ],
)
def test_other_notes_take_the_full_conversion(notes):
    assert simple_paragraphs(notes) is None
    assert html_to_text(notes) == full_conversion(notes)
