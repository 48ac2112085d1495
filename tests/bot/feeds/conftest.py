"""A local feed server on 127.0.0.1 and settings that point the bot's feeds at it."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"


class FeedServer:
    """Serve fixture files and injected failures; remember every request's path and headers."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[web.Request], object]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str) -> str:
        """Return the absolute URL of `path`."""
        return self.base + path

    def fixture(self, name: str) -> bytes:
        """Return a fixture file with `{base}` replaced by this server's address."""
        return (FIXTURES / name).read_bytes().replace(b"{base}", self.base.encode())

    def serve(self, path: str, body: bytes, *, etag: str | None = None, modified: str | None = None,
              content_type: str = "application/rss+xml", compress: bool = False) -> None:  # fmt: skip
        """Answer GET `path` with `body`, honouring If-None-Match / If-Modified-Since with a 304."""

        async def handler(request: web.Request) -> web.StreamResponse:
            if etag and request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            if modified and not etag and request.headers.get("If-Modified-Since") == modified:
                return web.Response(status=304)
            headers = {k: v for k, v in (("ETag", etag), ("Last-Modified", modified)) if v}
            data = body
            if compress:
                data = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            return web.Response(body=data, headers=headers, content_type=content_type)

        self.routes[path] = handler

    def status(self, path: str, code: int, **headers: str) -> None:
        """Answer GET `path` with a bare status."""
        self.routes[path] = lambda request: web.Response(status=code, headers=headers)

    def slow(self, path: str, seconds: float) -> None:
        """Answer GET `path` only after `seconds`."""

        async def handler(request: web.Request) -> web.Response:
            await asyncio.sleep(seconds)
            return web.Response(text="late")

        self.routes[path] = handler

    def endless(self, path: str, chunk: int = 1024 * 1024, declare: int | None = None) -> None:
        """Stream zeros on GET `path` until the client hangs up (optionally declaring a length)."""

        async def handler(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse(headers={"Content-Length": str(declare)} if declare else {})
            await response.prepare(request)
            block = b"<" * chunk
            try:
                for _ in range(200):
                    await response.write(block)
            except (ConnectionError, RuntimeError):
                pass
            return response

        self.routes[path] = handler

    def hits(self, path: str) -> list[dict[str, str]]:
        """Return the headers of every request made for `path`."""
        return [headers for seen, headers in self.requests if seen == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        result = handler(request)
        if asyncio.iscoroutine(result):
            result = await result
        return result  # type: ignore[return-value]


@pytest.fixture
async def server():
    """Start a local feed server serving the fixtures under /t, /c and /feed.xml."""
    feeds = FeedServer()
    await feeds.start()
    modified = "Tue, 02 Jan 2024 11:00:00 GMT"
    feeds.serve("/feed.xml", feeds.fixture("tidal.xml"), etag='"v1"', modified=modified)
    feeds.serve("/t/ep12.vtt", feeds.fixture("ep12.vtt"), content_type="text/vtt")
    feeds.serve("/t/ep12.srt", feeds.fixture("ep12.srt"), content_type="application/x-subrip")
    feeds.serve("/t/ep11.json", feeds.fixture("ep11.json"), content_type="application/json")
    feeds.serve("/c/ep12.json", feeds.fixture("ep12-chapters.json"), content_type="application/json")
    yield feeds
    await feeds.stop()


@pytest.fixture
def feed_settings(tmp_path):
    """Return settings with an empty DATA_DIR and a database in tmp_path; private URLs allowed."""
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data, database_path=tmp_path / "bot.db", feeds_allow_private=True)


def with_private_refused(settings: Settings) -> Settings:
    """Return the settings as a real deployment has them: private addresses refused."""
    return dataclasses.replace(settings, feeds_allow_private=False)
