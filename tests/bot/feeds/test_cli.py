"""`python -m bot feeds ...` end to end against the local feed server."""

import asyncio

from bot.cli import main


def run(monkeypatch, settings, *argv):
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("FEEDS_ALLOW_PRIVATE", "1")
    return main(["feeds", *argv])


async def test_add_list_fetch_remove(monkeypatch, capsys, server, feed_settings):
    url = server.url("/feed.xml")
    code = await asyncio.to_thread(run, monkeypatch, feed_settings, "add", url, "--show", "Tidal")
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"Added {url}" in out
    assert "3 items, 3 new" in out
    assert "Loaded: 3 new or changed" in out

    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "list") == 0
    out = capsys.readouterr().out
    assert url in out
    assert "(show: Tidal)" in out
    assert "result:     3 items, 3 new, 0 updated" in out
    assert "episodes:   3 cached" in out

    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "fetch") == 0
    out = capsys.readouterr().out
    assert f"{url}: not modified" in out
    assert "Loaded: 0 new or changed, 3 unchanged" in out

    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "remove", url) == 0
    out = capsys.readouterr().out
    assert "3 removed" in out
    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "list") == 0
    assert "No feeds" in capsys.readouterr().out


async def test_failed_fetch_exits_1_and_keeps_the_entry(monkeypatch, capsys, caplog, server, feed_settings):
    server.status("/gone.xml", 404)
    url = server.url("/gone.xml")
    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "add", url) == 1
    assert f"{url}: failed: HTTP 404" in capsys.readouterr().out
    assert [r for r in caplog.records if r.name == "bot.feeds.poll"] == []  # said once, in the report
    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "list") == 0
    out = capsys.readouterr().out
    assert "result:     failed: HTTP 404" in out
    assert "1 failure in a row" in out


async def test_bad_url_and_unknown_feed_are_one_line_errors(monkeypatch, capsys, feed_settings):
    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "add", "ftp://x") == 1
    assert "is not a feed URL" in capsys.readouterr().err
    assert await asyncio.to_thread(run, monkeypatch, feed_settings, "fetch", "https://nope.example/") == 1
    assert "not in feeds.toml" in capsys.readouterr().err
