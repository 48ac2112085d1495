"""Polling feeds from a local server: caching, conditional GET, failures, limits and backoff."""

import asyncio
import dataclasses
import json

import pytest

from bot.feeds import fetch, poll, update, work
from bot.feeds.cache import FeedCache, cache_root
from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import RETRY_FIRST_S, poll_feeds
from bot.storage.feeds import load_feed_states
from tests.bot.feeds.conftest import with_private_refused


def listed(settings, *urls):
    for url in urls:
        add_feed(feeds_path(settings.data_dir), url)


def cache_of(settings, url):
    return FeedCache.open(cache_root(settings.database_path), url)


async def test_first_poll_caches_items_transcripts_and_chapters(db, server, feed_settings):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    result = await poll_feeds(db, feed_settings)
    (outcome,) = result.outcomes
    assert outcome.ok, outcome.result
    assert outcome.first_read
    assert len(outcome.new) == 3
    assert result.seeded == outcome.new
    assert result.new_episodes == ()
    assert result.ingest_needed
    cache = cache_of(feed_settings, url)
    by_guid = {entry.guid: (key, entry) for key, entry in cache.entries.items()}
    key, entry = by_guid["tidal-0012"]
    # VTT is preferred over SRT (and HTML is never read).
    assert entry.transcript_url == server.url("/t/ep12.vtt")
    assert (cache.path / f"{key}.vtt").read_bytes() == server.fixture("ep12.vtt")
    chapters = json.loads((cache.path / f"{key}.chapters.json").read_bytes())["chapters"]
    assert chapters[1]["title"] == "Whale song"
    meta = (cache.path / f"{key}.toml").read_text()
    assert 'guid = "tidal-0012"' in meta
    assert "number = 12" in meta
    assert server.hits("/t/ep12.srt") == []


async def test_unchanged_feed_is_asked_conditionally_and_skipped(db, server, feed_settings):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    transcript_requests = len(server.hits("/t/ep12.vtt"))
    result = await poll_feeds(db, feed_settings, force=True)
    (outcome,) = result.outcomes
    assert outcome.result == "not modified"
    assert not result.ingest_needed
    second = server.hits("/feed.xml")[-1]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Tue, 02 Jan 2024 11:00:00 GMT"
    assert len(server.hits("/t/ep12.vtt")) == transcript_requests  # cached, not fetched again


async def test_not_due_feed_is_not_fetched(db, server, feed_settings):
    listed(feed_settings, server.url("/feed.xml"))
    await poll_feeds(db, feed_settings)
    result = await poll_feeds(db, feed_settings)
    assert result.outcomes == ()
    assert len(server.hits("/feed.xml")) == 1
    assert result.next_due is not None


async def test_changed_feed_reports_only_the_new_item_as_new(db, server, feed_settings):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    body = server.fixture("tidal.xml").replace(
        b"<item>", b"<item><title>Brand new</title><guid>tidal-0013</guid></item><item>", 1
    )
    server.serve("/feed.xml", body, etag='"v2"')
    result = await poll_feeds(db, feed_settings, force=True)
    (outcome,) = result.outcomes
    assert not outcome.first_read
    assert len(outcome.new) == 1
    assert result.new_episodes == outcome.new
    assert outcome.changed == outcome.new  # the other items' files are byte for byte the same


async def test_item_dropped_from_the_feed_keeps_its_file(db, server, feed_settings):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    files = sorted(cache_of(feed_settings, url).path.glob("*.toml"))
    body = server.fixture("tidal.xml")
    start, end = body.index(b"<item>"), body.index(b"</item>") + len(b"</item>")
    server.serve("/feed.xml", body[:start] + body[end:], etag='"v3"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert outcome.ok
    assert sorted(cache_of(feed_settings, url).path.glob("*.toml")) == files


async def test_a_changed_guid_with_the_same_enclosure_and_title_keeps_its_episode(db, server, feed_settings):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    keys = set(cache_of(feed_settings, url).entries)
    server.serve("/feed.xml", server.fixture("tidal.xml").replace(b"tidal-0012", b"reissued-12"), etag='"v4"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert outcome.new == ()
    assert set(cache_of(feed_settings, url).entries) == keys


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda s: s.status("/bad.xml", 404), "HTTP 404"),
        (lambda s: s.status("/bad.xml", 500), "HTTP 500"),
        (lambda s: s.status("/bad.xml", 302, Location="/bad.xml"), "more than 5 redirects"),
        (lambda s: s.serve("/bad.xml", b"<rss><channel><title>x</ti"), "expected an RSS or Atom feed"),
        (lambda s: s.serve("/bad.xml", b"<html><p>gone</p></html>"), "expected an RSS or Atom feed"),
        (lambda s: s.slow("/bad.xml", 4), "no answer within 2 s"),
        (lambda s: s.endless("/bad.xml"), "larger than 50 MB"),
        (lambda s: s.endless("/bad.xml", declare=60 * 1024 * 1024), "larger than 50 MB"),
    ],
    ids=["404", "500", "redirect-loop", "malformed", "html", "timeout", "oversized", "declared-oversized"],
)
async def test_a_failing_feed_is_reported_and_the_others_still_load(db, server, feed_settings, setup, reason):
    setup(server)
    listed(feed_settings, server.url("/bad.xml"), server.url("/feed.xml"))
    # The timeout applies to the good feed too: long enough for it on a busy machine.
    async with Fetcher(allow_private=True, timeout=2 if "within 2 s" in reason else 20) as fetcher:
        result = await poll_feeds(db, feed_settings, fetcher=fetcher)
    bad, good = result.outcomes
    assert not bad.ok
    assert reason in bad.result
    assert good.ok
    assert len(good.new) == 3


async def test_failing_feed_backs_off_exponentially_and_recovers(db, server, feed_settings):
    url = server.url("/bad.xml")
    server.status("/bad.xml", 500)
    listed(feed_settings, url)
    delays = []
    now = 1_000_000
    for _ in range(3):
        await poll_feeds(db, feed_settings, force=True, now=now)
        state = (await load_feed_states(db))[url]
        delays.append(state.next_due - now)
    assert state.failures == 3
    for delay, expected in zip(delays, (RETRY_FIRST_S, 2 * RETRY_FIRST_S, 4 * RETRY_FIRST_S), strict=True):
        assert 0.9 * expected <= delay <= 1.1 * expected
    assert (await poll_feeds(db, feed_settings, now=now + 1)).outcomes == ()  # not due during backoff
    server.serve("/bad.xml", server.fixture("tidal.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings, now=now + delays[-1] * 2)).outcomes
    assert outcome.ok
    state = (await load_feed_states(db))[url]
    assert state.failures == 0
    interval = feed_settings.feed_poll_minutes * 60
    assert 0.9 * interval <= state.next_due - (now + delays[-1] * 2) <= 1.1 * interval


async def test_gzip_feed_is_read(db, server, feed_settings):
    server.serve("/gz.xml", server.fixture("tidal.xml"), compress=True)
    listed(feed_settings, server.url("/gz.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert outcome.ok
    assert "gzip" in server.hits("/gz.xml")[0]["Accept-Encoding"]


async def test_transcript_on_a_private_address_is_refused_unless_allowed(db, server, feed_settings):
    settings = with_private_refused(feed_settings)
    url = server.url("/feed.xml")
    listed(settings, url)
    (outcome,) = (await poll_feeds(db, settings)).outcomes
    assert outcome.ok  # the owner's own feed URL may be anywhere
    assert any("private address" in warning for warning in outcome.warnings)
    assert server.hits("/t/ep12.vtt") == []
    assert server.hits("/c/ep12.json") == []
    assert len(outcome.new) == 3


async def test_private_name_is_refused_by_the_resolver(server):
    async with Fetcher(allow_private=False) as fetcher:
        with pytest.raises(fetch.FetchError, match="private address"):
            await fetcher.file(server.url("/t/ep12.vtt").replace("127.0.0.1", "localhost"))


async def test_only_http_and_https_are_fetched(server):
    async with Fetcher(allow_private=True) as fetcher:
        with pytest.raises(fetch.FetchError, match="only http and https"):
            await fetcher.file("file:///etc/passwd")
        server.status("/to-file", 302, Location="file:///etc/passwd")
        with pytest.raises(fetch.FetchError, match="only http and https"):
            await fetcher.feed(server.url("/to-file"))


async def test_oversized_transcript_is_skipped_with_a_warning(db, server, feed_settings, monkeypatch):
    monkeypatch.setattr(fetch, "FILE_LIMIT", 10)
    listed(feed_settings, server.url("/feed.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert outcome.ok
    assert any("larger than" in warning for warning in outcome.warnings)


async def test_unlisted_feed_is_forgotten_and_asks_for_ingest(db, server, feed_settings):
    listed(feed_settings, server.url("/feed.xml"))
    await poll_feeds(db, feed_settings)
    feeds_path(feed_settings.data_dir).write_text("")
    result = await poll_feeds(db, feed_settings)
    assert result.removed_feeds == (server.url("/feed.xml"),)
    assert result.ingest_needed
    assert result.sources.dirs == ()


async def test_broken_feed_list_polls_nothing(db, server, feed_settings):
    feeds_path(feed_settings.data_dir).write_text("[[feed]]\nurl = 'not a url'\n")
    result = await poll_feeds(db, feed_settings)
    expected = "feeds.toml:1: expected `url = \"https://...\"` in [[feed]], got 'not a url'"
    assert result.list_error.endswith(expected)
    assert not result.sources.complete
    assert not result.ingest_needed


async def test_claimed_feed_is_not_read_twice_at_once(db, server, feed_settings):
    listed(feed_settings, server.url("/feed.xml"))
    settings = dataclasses.replace(feed_settings)
    first = await poll_feeds(db, settings, now=100)
    second = await poll_feeds(db, settings, now=100)
    assert len(first.outcomes) == 1
    assert second.outcomes == ()


async def test_items_are_in_the_index_while_a_download_hangs(db, server, feed_settings, monkeypatch):
    monkeypatch.setattr(update, "DOWNLOADS_GRACE_S", 0.2)
    server.slow("/t/ep12.vtt", 6)  # long enough to still be waited for; the server waits for it at the end
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    polling = asyncio.create_task(poll_feeds(db, feed_settings))
    try:
        for _ in range(50):  # up to 5 s on a busy machine
            if len(cache_of(feed_settings, url).entries) == 3 or polling.done():
                break
            await asyncio.sleep(0.1)
        assert not polling.done()  # still waiting for the transcript
        cache = cache_of(feed_settings, url)
        assert {"tidal-0012", "tidal-trailer"} <= {entry.guid for entry in cache.entries.values()}
        assert all((cache.path / f"{key}.toml").exists() for key in cache.entries)
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)


def count_parsed(monkeypatch, url):
    """Count the entries of the feed at `url` parsed from now on (few items parse in a thread).

    Only this feed's: a thread left parsing by an earlier test in this process calls the same
    patched function.
    """
    parsed = []
    original = work.render

    def counting(doc, show, feed_url):
        result = original(doc, show, feed_url)
        if feed_url == url:
            parsed.extend(item.title for item, _ in filter(None, result.items))
        return result

    monkeypatch.setattr(work, "render", counting)
    return parsed


async def test_only_new_or_changed_items_are_parsed_again(db, server, feed_settings, monkeypatch):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    (first,) = (await poll_feeds(db, feed_settings)).outcomes
    assert first.result == "3 items, 3 new, 0 updated", first.warnings
    assert all(entry.digest for entry in cache_of(feed_settings, url).entries.values())
    parsed = count_parsed(monkeypatch, url)
    body = server.fixture("tidal.xml").replace(
        b"<language>en</language>", b"<language>en</language><lastBuildDate>Wed, 03 Jan 2024</lastBuildDate>"
    )
    new_item = b"<item><title>Brand new</title><guid>n13</guid></item>"
    server.serve("/feed.xml", body.replace(b"<item>", new_item + b"<item>", 1), etag='"v2"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert parsed == ["Brand new"]
    assert outcome.result == "4 items, 1 new, 0 updated"
    server.serve("/feed.xml", body.replace(b"Tides and Time", b"Tides and Times"), etag='"v3"')
    parsed.clear()
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert parsed == ["#11: Tides and Times"]
    assert outcome.result == "3 items, 0 new, 1 updated"  # the new item left the feed; its file stays


async def test_renaming_the_feed_rewrites_every_item(db, server, feed_settings, monkeypatch):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    parsed = count_parsed(monkeypatch, url)
    server.serve("/feed.xml", server.fixture("tidal.xml").replace(b"The Tidal Hour", b"Tidal"), etag='"v2"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert len(parsed) == 3
    assert len(outcome.changed) == 3
    for path in cache_of(feed_settings, url).path.glob("*.toml"):
        assert 'show = "Tidal"' in path.read_text()


async def test_a_damaged_cache_is_read_again_in_full_and_repaired(db, server, feed_settings, monkeypatch):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    cache = cache_of(feed_settings, url)
    key = next(key for key, entry in cache.entries.items() if entry.guid == "tidal-0012")
    meta, transcript = cache.path / f"{key}.toml", cache.path / f"{key}.vtt"
    good = meta.read_bytes()
    meta.write_bytes(b"")  # what a power cut can leave of a file that was never flushed
    transcript.unlink()
    monkeypatch.setattr(poll, "_VERIFIED", set())  # as after a restart
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert "If-None-Match" not in server.hits("/feed.xml")[-1]
    assert meta.read_bytes() == good
    assert transcript.read_bytes() == server.fixture("ep12.vtt")
    assert set(outcome.changed) == {key}
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert outcome.result == "not modified"


async def test_a_failed_download_is_tried_again_at_the_next_read(db, server, feed_settings):
    url = server.url("/feed.xml")
    server.status("/t/ep12.vtt", 503)
    listed(feed_settings, url)
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert any("HTTP 503" in warning for warning in outcome.warnings)
    server.serve("/t/ep12.vtt", server.fixture("ep12.vtt"), content_type="text/vtt")
    server.serve("/feed.xml", server.fixture("tidal.xml").replace(b"Tides and Time", b"Tides"), etag='"v2"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    cache = cache_of(feed_settings, url)
    key = next(key for key, entry in cache.entries.items() if entry.guid == "tidal-0012")
    assert (cache.path / f"{key}.vtt").read_bytes() == server.fixture("ep12.vtt")
    assert key in outcome.changed
    assert outcome.warnings == ()


async def test_a_feed_that_is_not_plain_xml_is_read_whole(db, server, feed_settings):
    body = server.fixture("tidal.xml").replace(b"Conversations about", b"Conversations&nbsp;about")
    server.serve("/feed.xml", body)
    listed(feed_settings, server.url("/feed.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert outcome.ok, outcome.result
    assert len(outcome.new) == 3


async def test_many_changed_items_are_parsed_in_worker_processes(db, server, feed_settings):
    items = "".join(
        f"<item><title>Episode {n}</title><guid>g{n}</guid><description>Notes {n}</description></item>"
        for n in range(work.THREAD_MAX_ITEMS + 30, 0, -1)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    server.serve("/big.xml", body)
    listed(feed_settings, server.url("/big.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    count = work.THREAD_MAX_ITEMS + 30
    assert outcome.result == f"{count} items, {count} new, 0 updated"
    cache = cache_of(feed_settings, server.url("/big.xml"))
    titles = sorted(entry.title for entry in cache.entries.values())
    assert titles == sorted(f"Episode {n}" for n in range(1, work.THREAD_MAX_ITEMS + 31))


async def test_each_warning_is_logged_naming_its_feed(db, server, feed_settings, caplog):
    body = server.fixture("tidal.xml")
    server.serve("/cut.xml", body[: body.index(b"</item>") + 200])  # a feed cut off mid-item
    url = server.url("/cut.xml")
    listed(feed_settings, url)
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert outcome.ok
    records = [r for r in caplog.records if r.name == "bot.feeds.poll" and r.levelname == "WARNING"]
    logged = [r.getMessage() for r in records]
    assert f"Feed {url}: the feed is not well-formed XML" in "\n".join(logged)
    assert len(logged) == len(outcome.warnings)


async def test_five_redirects_are_followed_and_a_sixth_is_refused(server):
    for hop in range(6):
        server.status(f"/hop{hop}", 302, Location=f"/hop{hop + 1}")
    server.serve("/hop6", server.fixture("ep12.vtt"), content_type="text/vtt")
    async with Fetcher(allow_private=True) as fetcher:
        assert (await fetcher.file(server.url("/hop1"))).body == server.fixture("ep12.vtt")
        with pytest.raises(fetch.FetchError, match="more than 5 redirects"):
            await fetcher.file(server.url("/hop0"))


async def test_a_redirect_to_a_private_address_is_refused(server, monkeypatch):
    # 127.0.0.1 stands for a public host here; its redirect leads to another loopback address.
    monkeypatch.setattr(fetch, "is_public", lambda address: address == "127.0.0.1")
    port = server.base.rsplit(":", 1)[1]
    server.status("/moved.vtt", 302, Location=f"http://127.0.0.2:{port}/t/ep12.vtt")
    async with Fetcher(allow_private=False) as fetcher:
        with pytest.raises(fetch.FetchError, match=r"refused 127\.0\.0\.2: a private address"):
            await fetcher.file(server.url("/moved.vtt"))
    assert server.hits("/t/ep12.vtt") == []


async def test_the_size_limit_applies_after_gzip_is_undone(db, server, feed_settings, monkeypatch):
    monkeypatch.setattr(fetch, "FEED_LIMIT", 1024 * 1024)
    server.serve("/bomb.xml", b"<" * (3 * 1024 * 1024), compress=True)  # 3 MB from a few KB on the wire
    listed(feed_settings, server.url("/bomb.xml"))
    (outcome,) = (await poll_feeds(db, feed_settings)).outcomes
    assert not outcome.ok
    assert "larger than 1 MB" in outcome.result


async def test_a_restart_fetches_no_cached_download_again(db, server, feed_settings, monkeypatch):
    url = server.url("/feed.xml")
    listed(feed_settings, url)
    await poll_feeds(db, feed_settings)
    fetched = len(server.hits("/t/ep12.vtt")), len(server.hits("/c/ep12.json"))
    monkeypatch.setattr(poll, "_VERIFIED", set())  # as after a restart
    server.serve("/feed.xml", server.fixture("tidal.xml").replace(b"Tides and Time", b"Tides"), etag='"v2"')
    (outcome,) = (await poll_feeds(db, feed_settings, force=True)).outcomes
    assert outcome.result == "3 items, 0 new, 1 updated"
    assert (len(server.hits("/t/ep12.vtt")), len(server.hits("/c/ep12.json"))) == fetched
