"""feeds.toml: reading with line numbers, and edits that keep the owner's other lines."""

import pytest

from bot.errors import DataError, UserError
from bot.feeds.feedlist import FeedEntry, add_feed, read_feeds, remove_feed

OWNED = """# My feeds (keep this comment)

[[feed]]
url = "https://a.example/feed.rss"   # the main show
show = "Show A"

# second one
[[feed]]
url = "https://b.example/feed.rss"
"""


def test_add_keeps_comments_and_entries(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(OWNED)
    add_feed(path, "https://c.example/rss", "Show C")
    text = path.read_text()
    assert text.startswith(OWNED)
    assert read_feeds(path) == [
        FeedEntry("https://a.example/feed.rss", "Show A"),
        FeedEntry("https://b.example/feed.rss"),
        FeedEntry("https://c.example/rss", "Show C"),
    ]


def test_remove_keeps_every_other_line(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(OWNED)
    remove_feed(path, "https://b.example/feed.rss")
    text = path.read_text()
    assert "# My feeds (keep this comment)" in text
    assert "# the main show" in text
    assert read_feeds(path) == [FeedEntry("https://a.example/feed.rss", "Show A")]


def test_add_creates_the_file_and_refuses_duplicates_and_bad_urls(tmp_path):
    path = tmp_path / "feeds.toml"
    add_feed(path, "https://a.example/feed.rss")
    assert read_feeds(path) == [FeedEntry("https://a.example/feed.rss")]
    with pytest.raises(UserError, match="already in"):
        add_feed(path, "https://a.example/feed.rss")
    for bad in ("ftp://x/feed", "not a url", "file:///etc/passwd"):
        with pytest.raises(UserError, match="not a feed URL"):
            add_feed(path, bad)
    with pytest.raises(UserError, match="is not in"):
        remove_feed(path, "https://nope.example/")


def test_missing_file_is_no_feeds(tmp_path):
    assert read_feeds(tmp_path / "feeds.toml") == []


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("[[feed]]\nurl = 'x'\n", 1, 'expected `url = "https://..."`'),
        ("[[feed]]\nurl = 'https://a/'\nsho = 'x'\n", 1, "expected `url` or `show`"),
        ("feeds = 1\n", 1, "expected only [[feed]] tables"),
        ("[[feed]]\nurl = 'https://a/'\n\n[[feed]]\nurl = 'https://a/'\n", 4, "expected each feed once"),
        ("[[feed]\n", 1, "expected valid TOML"),
    ],
)
def test_bad_file_names_the_line(tmp_path, text, line, expected):
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_feeds(path)
    assert caught.value.line == line
    assert expected in caught.value.expected
