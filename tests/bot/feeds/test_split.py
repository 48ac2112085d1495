"""Cutting a feed into items: the same items as a whole-feed parse, and only changed items parsed."""

import sys
import threading

import pytest
from lxml import etree

from bot.feeds.parse import FeedError, parse_entries, parse_feed
from bot.feeds.split import split_feed
from bot.feeds.work import Renderer, render
from tests.bot.feeds.conftest import FIXTURES

BASE = "https://pod.example"


def fixture(name):
    return (FIXTURES / name).read_bytes().replace(b"{base}", BASE.encode())


def many_items(count, title="Many"):
    items = "".join(
        f"""<item><title>Episode {n}: &lt;b&gt;bold&lt;/b&gt; notes</title><guid>g-{n}</guid>
        <itunes:episode>{n}</itunes:episode><enclosure url="{BASE}/a/{n}" type="audio/mpeg" length="1"/>
        <description><![CDATA[<p>Notes for {n} with <a href="https://example.org/{n}">a link</a>.</p>]]>
        </description>
        <podcast:person role="guest">Guest {n}</podcast:person></item>"""
        for n in range(count, 0, -1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>{title}</title>
<podcast:person role="host">Hannah Host</podcast:person>{items}</channel></rss>""".encode()


def pieces(body):
    """Parse a feed item by item through the split, as a poll does."""
    cut = split_feed(body, "")
    head = parse_entries(cut.document())
    items = [parse_entries(cut.document([n])).items[0] for n in range(len(cut.items))]
    return head.title, items


@pytest.mark.parametrize(
    "body", [fixture("tidal.xml"), fixture("atom.xml"), many_items(5)], ids=["rss", "atom", "many"]
)
def test_items_parsed_one_by_one_equal_the_whole_feed(body):
    whole = parse_feed(body)
    title, items = pieces(body)
    assert title == whole.title
    assert tuple(items) == whole.items


def test_the_hash_ignores_channel_noise_but_not_the_title_or_people():
    body = many_items(3)
    digests = split_feed(body, "").digests
    noisy = body.replace(b"</title>", b"</title><lastBuildDate>Mon, 01 Jan 2024</lastBuildDate>", 1)
    assert split_feed(noisy, "").digests == digests
    assert split_feed(many_items(3, title="Renamed"), "").digests[0] != digests[0]
    assert split_feed(body.replace(b"Hannah Host", b"Other Host"), "").digests[0] != digests[0]
    assert split_feed(body, "The owner's name").digests[0] != digests[0]
    changed = body.replace(b"Notes for 2 ", b"New notes for 2 ")
    same = [a == b for a, b in zip(split_feed(changed, "").digests, digests, strict=True)]
    assert same == [True, False, True]


@pytest.mark.parametrize(
    "body",
    [
        b"<rss><channel><title>x</ti",  # malformed
        b'<!DOCTYPE rss [<!ENTITY e "boom">]><rss version="2.0"><channel><title>&e;</title></channel></rss>',
        b"<rss version='2.0'><channel><title>A&nbsp;B</title><item><title>x</title></item></channel></rss>",
    ],
    ids=["malformed", "dtd", "html-entity"],
)
def test_what_is_not_plain_xml_is_left_to_feedparser_whole(body):
    assert split_feed(body, "") is None


def test_a_script_in_show_notes_never_becomes_text():
    body = many_items(1).replace(
        b"<p>Notes for 1", b"<script>alert('x')</script><style>p {color: red}</style><p>Notes for 1"
    )
    (item,) = parse_feed(body).items
    assert "alert" not in item.description
    assert "color" not in item.description
    assert item.description.startswith("Notes for 1 with a link (https://example.org/1).")


def test_an_html_title_becomes_plain_text():
    (item,) = parse_feed(many_items(1)).items
    assert item.title == "Episode 1: bold notes"


def test_not_a_feed_is_still_an_error_through_the_split():
    cut = split_feed(b"<html><body><p>Not found</p></body></html>", "")
    with pytest.raises(FeedError):
        render(cut.document(), None, f"{BASE}/feed.xml")


async def test_worker_processes_render_what_a_thread_renders():
    body = many_items(60)
    cut = split_feed(body, "")
    docs = [cut.document(range(n, min(n + 25, 60))) for n in range(0, 60, 25)]
    async with Renderer(2) as pool:
        in_processes = [await pool.render(doc, "Show", f"{BASE}/feed.xml") for doc in docs]
    async with Renderer(0) as threads:
        in_threads = [await threads.render(doc, "Show", f"{BASE}/feed.xml") for doc in docs]
    assert in_processes == in_threads
    assert sum(len(r.items) for r in in_processes) == 60


def test_a_feed_is_cut_while_other_threads_make_elements():
    items = "".join(f"<item><title>t{n}</title><guid>g{n}</guid></item>" for n in range(2000))
    body = f"<rss version='2.0'><channel><title>x</title>{items}</channel></rss>".encode()
    stop = threading.Event()

    def make_elements():
        made = []
        while not stop.is_set():
            made.append(etree.Element("x"))
            del made[:-500]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy process does now and then
    maker = threading.Thread(target=make_elements)
    maker.start()
    try:
        cuts = [split_feed(body, "") for _ in range(10)]
    finally:
        stop.set()
        maker.join()
        sys.setswitchinterval(interval)
    assert all(cut is not None and len(cut.items) == 2000 for cut in cuts)
