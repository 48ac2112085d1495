"""Feed episodes in the knowledge base: alone, and merged under local files key by key."""

import re

from bot.feeds.feedlist import add_feed, feeds_path
from bot.feeds.poll import poll_feeds
from bot.feeds.sources import feed_sources
from bot.knowledge import KnowledgeBase
from bot.storage import load_migrations

PAGE = """Deep Listening (local title) | The Tidal Hour #12
The page's own description.
Key takeaways
- • Listen first.
Quotes (1)
"Silence is a tide."
Marina Okafor · ▶ 1:00
"""


async def loaded(db, server, settings):
    add_feed(feeds_path(settings.data_dir), server.url("/feed.xml"))
    await poll_feeds(db, settings)
    kb = KnowledgeBase(db)
    report = await kb.ingest([settings.data_dir], feed_sources(settings)[0])
    return kb, report


async def test_feed_episode_alone_is_a_complete_episode(db, server, feed_settings):
    kb, report = await loaded(db, server, feed_settings)
    assert report.ok, report.failed
    assert len(report.loaded) == 3
    ep = await kb.resolve_episode("12")
    assert ep.title == "Deep Listening with Priya Raman"
    assert ep.show == "The Tidal Hour"
    assert ep.url == server.url("/audio/ep12.mp3")
    card = await kb.episode_card(ep)
    assert card.duration_seconds == 3723
    assert card.hosts == ("Marina Okafor",)
    assert card.guests == ("Priya Raman",)
    assert "her book (https://example.org/book)" in card.description
    # The soundbite at 41:07 is said by whom the transcript names there, not by the show.
    speaker = kb.resolve_speaker("Priya Raman")
    (hit,) = await kb.quotes_by_speaker(speaker, ep)
    assert hit.text == "The question is the answer, most of the time."
    assert hit.link == server.url("/audio/ep12.mp3") + "#t=2467"
    video = await kb.resolve_episode("11")
    assert video.url == server.url("/video/ep11.mp4")


async def test_local_page_with_same_show_and_number_wins_key_by_key(db, server, feed_settings):
    (feed_settings.data_dir / "tidal-12.txt").write_text(PAGE)
    kb, report = await loaded(db, server, feed_settings)
    assert report.ok, report.failed
    assert len(report.loaded) == 3  # the page and the feed item are one episode
    ep = await kb.resolve_episode("12")
    assert ep.key == "tidal-12"
    assert ep.title == "Deep Listening (local title)"
    assert ep.url == server.url("/audio/ep12.mp3")  # the page has none: the feed's stays
    card = await kb.episode_card(ep)
    assert card.description == "The page's own description."
    assert card.duration_seconds == 3723
    assert card.guests == ("Priya Raman",)
    assert [t.text for t in await kb.takeaways(ep)] == ["Listen first."]
    # The page's quotes replace the feed's soundbite, as a metadata list replaces a page's.
    assert [q.text for q in await kb.quotes_by_speaker(kb.resolve_speaker("Marina Okafor"), ep)] == [
        "Silence is a tide."
    ]


async def test_local_metadata_with_the_guid_pairs_and_wins(db, server, feed_settings):
    (feed_settings.data_dir / "special.toml").write_text(
        'guid = "tidal-trailer"\ntitle = "The Trailer, Corrected"\nnumber = 0\nguests = ["Nobody"]\n'
    )
    kb, report = await loaded(db, server, feed_settings)
    assert report.ok, report.failed
    ep = await kb.resolve_episode("special")
    assert ep.title == "The Trailer, Corrected"
    assert ep.show == "The Tidal Hour"
    card = await kb.episode_card(ep)
    assert card.hosts == ("Guest Host Sam",)
    assert card.guests == ("Nobody",)


async def test_unchanged_feed_and_files_reingest_nothing(db, server, feed_settings):
    (feed_settings.data_dir / "tidal-12.txt").write_text(PAGE)
    kb, _ = await loaded(db, server, feed_settings)
    await poll_feeds(db, feed_settings, force=True)
    report = await kb.ingest([feed_settings.data_dir], feed_sources(feed_settings)[0])
    assert report.loaded == ()
    assert len(report.unchanged) == 3


async def test_removing_the_feed_from_the_list_removes_its_episodes_but_not_local_ones(
    db, server, feed_settings
):
    (feed_settings.data_dir / "tidal-12.txt").write_text(PAGE)
    kb, _ = await loaded(db, server, feed_settings)
    feeds_path(feed_settings.data_dir).write_text("# no feeds\n")
    report = await kb.ingest([feed_settings.data_dir], feed_sources(feed_settings)[0])
    assert len(report.removed) == 2
    ep = await kb.resolve_episode("12")
    assert ep.title == "Deep Listening (local title)"
    card = await kb.episode_card(ep)
    assert card.duration_seconds is None  # the feed's facts left with it


async def test_unreadable_feed_list_keeps_feed_episodes(db, server, feed_settings):
    kb, _ = await loaded(db, server, feed_settings)
    feeds_path(feed_settings.data_dir).write_text("[[feed]\n")
    feeds, error = feed_sources(feed_settings)
    assert error is not None
    report = await kb.ingest([feed_settings.data_dir], feeds)
    assert report.removed == ()
    assert report.failed == ()  # feeds.toml is never read as an episode's metadata
    assert (await kb.resolve_episode("12")).show == "The Tidal Hour"


LINKS_FEED = """<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Links Show</title>
<item><title>Audio only</title><guid>links-7</guid>
 <itunes:episode>7</itunes:episode><itunes:season>3</itunes:season>
 <link>https://www.youtube.com/watch?v=NOTSAID</link>
 <enclosure url="{base}/play/7?id=x" type="audio/mpeg" length="1"/>
 <podcast:soundbite startTime="95" duration="10">Said at ninety-five.</podcast:soundbite></item>
<item><title>With video</title><guid>links-8</guid><itunes:episode>8</itunes:episode><link>{base}/ep/8</link>
 <enclosure url="{base}/play/8" type="audio/mpeg" length="1"/>
 <podcast:alternateEnclosure type="video/youtube"><podcast:source uri="https://www.youtube.com/watch?v=VID8"/>
 </podcast:alternateEnclosure>
 <podcast:soundbite startTime="95" duration="10">Seen at ninety-five.</podcast:soundbite></item>
</channel></rss>"""


async def test_feed_facts_are_stored_and_moment_links_play_the_audio_unless_the_item_has_a_video(
    db, server, feed_settings
):
    server.serve("/links.xml", LINKS_FEED.replace("{base}", server.base).encode())
    add_feed(feeds_path(feed_settings.data_dir), server.url("/links.xml"))
    await poll_feeds(db, feed_settings)
    kb = KnowledgeBase(db)
    report = await kb.ingest([feed_settings.data_dir], feed_sources(feed_settings)[0])
    assert report.ok, report.failed
    async with db.conn.execute(
        "SELECT guid, season, audio_url, page_url FROM episodes WHERE number = 7"
    ) as cursor:
        assert await cursor.fetchone() == (
            "links-7",
            3,
            server.url("/play/7?id=x"),
            "https://www.youtube.com/watch?v=NOTSAID",
        )
    audio_only, with_video = await kb.resolve_episode("7"), await kb.resolve_episode("8")
    (quote,) = await kb.quotes_by_speaker(kb.resolve_speaker("Links Show"), audio_only)
    assert quote.link == server.url("/play/7?id=x#t=95")  # no file ending, but the type says audio
    (quote,) = await kb.quotes_by_speaker(kb.resolve_speaker("Links Show"), with_video)
    assert quote.link == "https://www.youtube.com/watch?v=VID8&t=95s"
    card = await kb.episode_card(audio_only)
    assert (card.season, card.page_url) == (3, "https://www.youtube.com/watch?v=NOTSAID")


async def test_episodes_stored_before_the_feed_columns_existed_are_read_again(db, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "ep.toml").write_text(
        'title = "T"\nguid = "g-1"\nseason = 2\naudio = "https://a.example/play/1"\nlink = "https://a.example/1"\n'
    )
    kb = KnowledgeBase(db)
    await kb.ingest([data])
    # As the episode was before the migration: stored without the columns it adds.
    migration = next(m for m in load_migrations() if m.name.endswith("_feed_fields.sql"))
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE episodes SET guid = NULL, season = NULL, audio_url = NULL, page_url = NULL"
        )
        await conn.execute(re.search(r"^UPDATE episodes .*?;", migration.sql, re.MULTILINE | re.DOTALL)[0])
    report = await kb.ingest([data])
    assert len(report.loaded) == 1
    async with db.conn.execute("SELECT guid, season, audio_url, page_url FROM episodes") as cursor:
        assert await cursor.fetchone() == ("g-1", 2, "https://a.example/play/1", "https://a.example/1")


async def test_a_soundbite_without_a_transcript_is_credited_to_the_show(db, server, feed_settings):
    server.status("/t/ep12.vtt", 404)
    server.status("/t/ep12.srt", 404)
    kb, report = await loaded(db, server, feed_settings)
    assert report.ok, report.failed
    ep = await kb.resolve_episode("12")
    (hit,) = await kb.quotes_by_speaker(kb.resolve_speaker("The Tidal Hour"), ep)
    assert hit.text == "The question is the answer, most of the time."


async def test_a_page_written_after_the_feed_item_takes_it_over_without_doubling(db, server, feed_settings):
    kb, _ = await loaded(db, server, feed_settings)
    feed_key = (await kb.resolve_episode("12")).key
    page = feed_settings.data_dir / "tidal-12.txt"
    page.write_text(PAGE)
    report = await kb.ingest([feed_settings.data_dir], feed_sources(feed_settings)[0])
    assert report.ok, report.failed
    assert (await kb.stats())["episodes"] == 3  # one episode: the page's, with the feed's facts
    assert [ep.key for ep in kb.suggest_episodes("Deep Listening", 5)] == ["tidal-12"]
    assert (await kb.episode_card(await kb.resolve_episode("12"))).duration_seconds == 3723
    # The same episode under another key: it arrived with the feed item, and is never posted again.
    arrivals = dict(await db.conn.execute_fetchall("SELECT key, announce FROM episode_arrivals"))
    assert arrivals["tidal-12"] == 0
    page.unlink()  # without its page the feed item is the episode again, under its own key
    report = await kb.ingest([feed_settings.data_dir], feed_sources(feed_settings)[0])
    assert report.ok, report.failed
    assert (await kb.stats())["episodes"] == 3
    ep = await kb.resolve_episode("12")
    assert (ep.key, ep.title) == (feed_key, "Deep Listening with Priya Raman")


NEW_ITEM = b"""<item><title>#13: Slack Water</title><guid>tidal-0013</guid><itunes:episode>13</itunes:episode>
<description>Between the tides.</description></item>
"""


async def test_a_polls_written_items_are_read_alone_and_end_as_a_full_read(db, server, feed_settings):
    kb, _ = await loaded(db, server, feed_settings)
    body = server.fixture("tidal.xml").replace(b"Tides and Time", b"Tides and Times")
    server.serve("/feed.xml", body.replace(b"<item>", NEW_ITEM + b"<item>", 1), etag='"v2"')
    result = await poll_feeds(db, feed_settings, force=True)
    assert result.changed_files is not None
    assert len(result.changed_files) == 2  # the new item and the retitled one
    feeds = feed_sources(feed_settings)[0]
    report = await kb.ingest([feed_settings.data_dir], feeds, changed=result.changed_files)
    assert report.ok, report.failed
    assert len(report.loaded) == 2
    assert report.unchanged == ()  # the other items were not even looked at
    assert report.removed == ()
    assert (await kb.resolve_episode("13")).title == "#13: Slack Water"
    assert (await kb.resolve_episode("11")).title == "#11: Tides and Times"
    assert (await kb.stats())["episodes"] == 4
    again = await kb.ingest([feed_settings.data_dir], feeds)  # a full read finds nothing left to do
    assert (again.loaded, again.removed, len(again.unchanged)) == ((), (), 4)


async def test_an_item_a_local_file_claims_is_paired_by_a_full_read(db, server, feed_settings):
    (feed_settings.data_dir / "tidal-12.txt").write_text(PAGE)
    mine = 'show = "The Tidal Hour"\nnumber = 13\ntitle = "Mine"\n'
    (feed_settings.data_dir / "tidal-13.toml").write_text(mine)
    kb, _ = await loaded(db, server, feed_settings)
    assert (await kb.stats())["episodes"] == 4  # the local 13 waits for its item
    body = server.fixture("tidal.xml").replace(b"Priya Raman</podcast:person>", b"P. Raman</podcast:person>")
    server.serve("/feed.xml", body.replace(b"<item>", NEW_ITEM + b"<item>", 1), etag='"v2"')
    result = await poll_feeds(db, feed_settings, force=True)
    assert result.changed_files is not None
    assert len(result.changed_files) == 2
    feeds = feed_sources(feed_settings)[0]
    report = await kb.ingest([feed_settings.data_dir], feeds, changed=result.changed_files)
    assert report.ok, report.failed
    assert len(report.unchanged) == 2  # read in full: pairing the items with the local files needs it
    assert (await kb.stats())["episodes"] == 4  # never doubled: each item joined its local file
    thirteen = await kb.resolve_episode("13")
    assert (thirteen.key, thirteen.title) == ("tidal-13", "Mine")
    assert (await kb.episode_card(thirteen)).description == "Between the tides."
    assert (await kb.episode_card(await kb.resolve_episode("12"))).guests == ("P. Raman",)
