"""Feed parsing: every field of RSS 2.0, iTunes and Podcasting 2.0 items, Atom, and odd input."""

import datetime as dt

import pytest

from bot.feeds.parse import FeedError, Soundbite, Transcript, parse_entries, parse_feed
from tests.bot.feeds.conftest import FIXTURES

BASE = "https://pod.example"


def tidal():
    return parse_feed((FIXTURES / "tidal.xml").read_bytes().replace(b"{base}", BASE.encode()))


def test_rss_item_maps_every_field():
    feed = tidal()
    assert feed.title == "The Tidal Hour"
    ep12 = feed.items[0]
    assert ep12.guid == "tidal-0012"
    assert ep12.guid_declared
    assert ep12.title == "Deep Listening with Priya Raman"
    assert (ep12.number, ep12.season) == (12, 2)
    assert ep12.published == dt.date(2024, 1, 2)
    assert ep12.duration_seconds == 3723
    assert ep12.audio_url == f"{BASE}/audio/ep12.mp3"
    assert ep12.video_url is None
    assert ep12.link == f"{BASE}/episodes/12"
    assert ep12.description.startswith("Priya talks about her book (https://example.org/book) & sleep.")
    assert "00:00 Intro\n05:10 Whale song\n41:07 Listening" in ep12.description
    assert ep12.hosts == ("Marina Okafor",)
    assert ep12.guests == ("Priya Raman",)
    assert ep12.chapters_url == f"{BASE}/c/ep12.json"
    assert ep12.transcripts == (
        Transcript(f"{BASE}/t/ep12.srt", "application/x-subrip"),
        Transcript(f"{BASE}/t/ep12.vtt", "text/vtt", "en"),
        Transcript(f"{BASE}/t/ep12.html", "text/html"),
    )
    # The empty soundbite has no words to quote.
    assert ep12.soundbites == (Soundbite(2467, "The question is the answer, most of the time."),)


def test_item_without_guid_falls_back_to_the_enclosure_without_its_token():
    ep11 = tidal().items[1]
    assert ep11.guid == f"{BASE}/audio/ep11.mp3"
    assert not ep11.guid_declared
    assert ep11.number == 11  # "#11" in the title
    assert ep11.duration_seconds == 2710
    assert ep11.description == "Plain text notes, no HTML."
    assert ep11.video_url == f"{BASE}/video/ep11.mp4"  # podcast:alternateEnclosure type video/*
    assert ep11.audio_url == f"{BASE}/audio/ep11.mp3?token=abc123"


def test_item_level_host_replaces_the_channel_host_and_a_video_enclosure_is_the_video():
    trailer = tidal().items[2]
    assert trailer.hosts == ("Guest Host Sam",)
    assert trailer.duration_seconds is None  # "not a time"
    assert trailer.number is None
    assert trailer.video_url == f"{BASE}/video/trailer.mp4"
    assert trailer.audio_url is None


def test_atom_entries_are_read():
    body = (FIXTURES / "atom.xml").read_bytes().replace(b"{base}", BASE.encode())
    feed = parse_feed(body)
    (entry,) = feed.items
    assert feed.title == "Atom Cast"
    assert entry.title == "Episode #3: Atoms"
    assert entry.number == 3
    assert entry.audio_url == f"{BASE}/audio/atom3.m4a"
    assert entry.link == f"{BASE}/atom/3"
    assert entry.description == "Small things."
    assert entry.published == dt.date(2024, 3, 1)


@pytest.mark.parametrize("duration", ["3723", "1:02:03", "62:03", "3723.4"])
def test_duration_in_seconds_or_clock_time(duration):
    body = f"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
    <title>S</title><item><title>E</title><guid>g</guid><itunes:duration>{duration}</itunes:duration>
    </item></channel></rss>""".encode()
    assert parse_feed(body).items[0].duration_seconds == 3723


def test_repeated_guid_keeps_the_first_item_with_a_warning():
    body = b"""<rss version="2.0"><channel><title>S</title>
    <item><title>New</title><guid>same</guid></item><item><title>Old</title><guid>same</guid></item>
    </channel></rss>"""
    feed = parse_feed(body)
    assert [item.title for item in feed.items] == ["New"]
    assert "repeats the guid 'same'" in feed.warnings[0]


def test_huge_episode_numbers_are_not_numbers():
    body = b"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
    <title>S</title><item><title>E</title><guid>g</guid><itunes:episode>99999999999999999999999</itunes:episode>
    </item></channel></rss>"""
    assert parse_feed(body).items[0].number is None


def test_not_a_feed_is_an_error():
    with pytest.raises(FeedError, match="expected an RSS or Atom feed"):
        parse_feed(b"<html><body>Not found</body></html")
    with pytest.raises(FeedError):
        parse_feed(b"\x00\x01binary")


def test_malformed_feed_reads_what_it_can_and_warns():
    body = (FIXTURES / "tidal.xml").read_bytes().replace(b"{base}", BASE.encode())
    broken = body.replace(b"</channel>", b"<unclosed></channel>")
    feed = parse_feed(broken)
    assert feed.items
    assert any("not well-formed" in warning for warning in feed.warnings)


def test_an_enclosure_is_audio_by_its_type_not_its_address():
    body = f"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>S</title>
    <item><title>A</title><guid>a</guid><enclosure url="{BASE}/play/1" type="audio/mpeg" length="1"/></item>
    <item><title>B</title><guid>b</guid>
      <enclosure url="{BASE}/notes.pdf" type="application/pdf" length="1"/></item>
    <item><title>C</title><guid>c</guid><enclosure url="{BASE}/ep3.mp3" length="1"/></item>
    <item><title>D</title><guid>d</guid><media:content url="{BASE}/stream/4" type="audio/aac"/></item>
    <item><title>E</title><guid>e</guid><link>https://www.youtube.com/watch?v=ID</link>
      <enclosure url="{BASE}/play/5" type="audio/mpeg; charset=binary" length="1"/></item>
    </channel></rss>""".encode()
    media = {item.guid: (item.audio_url, item.video_url) for item in parse_feed(body).items}
    assert media == {
        "a": (f"{BASE}/play/1", None),
        "b": (None, None),  # a PDF is nothing to play
        "c": (f"{BASE}/ep3.mp3", None),  # no type: an audio file by its ending
        "d": (f"{BASE}/stream/4", None),
        "e": (f"{BASE}/play/5", None),  # a YouTube page as the item's link is not its video
    }


PODCAST = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'


def podcast_feed(items, channel=""):
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {PODCAST}><channel><title>T</title>'
        f"{channel}{items}</channel></rss>"
    ).encode()


ITEM = "<item><title>a</title><guid>g</guid>"
TREE_CASES = [
    (FIXTURES / "tidal.xml").read_bytes().replace(b"{base}", BASE.encode()),
    (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" {PODCAST}><title>A</title>'
        "<podcast:person>Host</podcast:person><entry><title>e</title><id>i1</id>"
        '<podcast:person role="guest">G</podcast:person><content type="html">&lt;p&gt;x&lt;/p&gt;</content>'
        "</entry></feed>"
    ).encode(),
    podcast_feed(f'{ITEM}<podcast:person role="guest">Ann<!-- c --> Lee</podcast:person></item>'),
    podcast_feed(
        f"{ITEM}before<podcast:person>Ann</podcast:person> after <description>d</description></item>"
    ),
    podcast_feed(
        f'{ITEM}<podcast:alternateEnclosure type="video/mp4"><podcast:source uri="https://x.org/v.mp4"/>'
        "</podcast:alternateEnclosure></item>"
    ),
    podcast_feed(
        f'{ITEM}<podcast:soundbite startTime="12.5"><![CDATA[Hi & <b>x</b>]]></podcast:soundbite></item>'
    ),
    podcast_feed(
        f"{ITEM}<description>x <podcast:person>In</podcast:person> y</description></item>",
        '<image><podcast:person role="guest">Odd</podcast:person></image>',
    ),
    podcast_feed(
        "<item><title>a &amp; b &#233;</title><guid>g</guid><podcast:person>Ann &amp; Bo</podcast:person>"
        '<podcast:transcript url="https://x.org/t.vtt" type="text/vtt"/></item>'
    ),
    (
        f'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0" {PODCAST}><channel><title>Caf\xe9'
        "</title><item><title>\xe9t\xe9</title><guid>g</guid><podcast:person>Z\xf6e</podcast:person>"
        "</item></channel></rss>"
    ).encode("latin-1"),
]


@pytest.mark.parametrize("body", TREE_CASES)
def test_podcast_tags_read_from_the_tree_give_what_reading_the_bytes_gives(body, monkeypatch):
    from bot.feeds import parse

    assert parse._podcast_tree(body) is not None  # the tree path is the one under test
    from_tree = parse_entries(body)
    monkeypatch.setattr(parse, "_podcast_tree", lambda _: None)
    assert from_tree == parse_entries(body)
    tags = [
        (i.hosts, i.guests, i.transcripts, i.chapters_url, i.soundbites, i.video_url)
        for i in from_tree.items
        if i
    ]
    assert any(any(found) for found in tags)  # the feed's Podcasting 2.0 tags were read
