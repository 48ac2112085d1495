"""A feed item's downloaded transcript and chapters load like files beside an episode."""

from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.poll import poll_feeds
from bot.feeds.sources import feed_sources
from bot.knowledge import KnowledgeBase
from tests.bot.feeds.test_merge import PAGE

LOCAL_VTT = "WEBVTT\n\n00:00:05.000 --> 00:00:09.000\n<v Marina Okafor>Driftwood remembers every storm.\n"


async def loaded(db, server, settings):
    add_feed(feeds_path(settings.data_dir), server.url("/feed.xml"))
    await poll_feeds(db, settings)
    kb = KnowledgeBase(db)
    report = await kb.ingest([settings.data_dir], feed_sources(settings)[0])
    assert report.ok, report.failed
    return kb


async def test_a_feed_items_transcript_and_chapters_are_searchable(db, server, feed_settings):
    kb = await loaded(db, server, feed_settings)
    ep = await kb.resolve_episode("12")
    (hit,) = await kb.search_moments("the question is the answer")
    assert (hit.speaker, hit.seconds, hit.episode.id) == ("Priya Raman", 2467, ep.id)
    assert hit.link == server.url("/audio/ep12.mp3") + "#t=2467"
    assert [c.title for c in await kb.chapters(ep)]


async def test_a_transcript_beside_the_local_page_wins_over_the_feeds(db, server, feed_settings):
    (feed_settings.data_dir / "tidal-12.txt").write_text(PAGE)
    (feed_settings.data_dir / "tidal-12.vtt").write_text(LOCAL_VTT)
    kb = await loaded(db, server, feed_settings)
    (hit,) = await kb.search_moments("driftwood storm")
    assert hit.episode.key == "tidal-12"
    assert await kb.search_moments("the question is the answer") == []


async def test_chapter_lines_in_an_items_notes_are_its_chapters_when_it_has_no_chapters_file(
    db, server, feed_settings
):
    notes = b"<description><![CDATA[<p>Notes.</p><p>00:00 Start<br/>02:30 Middle part<br/>1:10:00 End</p>]]>"
    body = server.fixture("tidal.xml").replace(b"<description>Plain text notes, no HTML.", notes)
    server.serve("/feed.xml", body, etag='"v2"')
    kb = await loaded(db, server, feed_settings)
    chapters = await kb.chapters(await kb.resolve_episode("11"))
    assert [(c.seconds, c.title) for c in chapters] == [(0, "Start"), (150, "Middle part"), (4200, "End")]
