"""Fetch feeds and the files they point to over HTTP, within fixed limits."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.ingest.files import MAX_TRANSCRIPT_BYTES

TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
FEED_LIMIT = 50 * 1024 * 1024
FILE_LIMIT = MAX_TRANSCRIPT_BYTES  # a transcript or a chapters file: what ingest reads
USER_AGENT = "episode-bot (podcast feed reader)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchError(Exception):
    """Raise when a URL cannot be fetched; the message is one line saying why."""


@dataclass(frozen=True, slots=True)
class Response:
    """Hold what a fetch brought: the body (None for 304 Not Modified) and the validators."""

    status: int
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    url: str = ""  # after redirects
    content_type: str = ""


def is_public(address: str) -> bool:
    """Tell whether an IP address is a public one (not loopback, private, link-local or reserved)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified
    )  # fmt: skip


class _PublicResolver(AbstractResolver):
    """Resolve names like aiohttp does, refusing any that lead to a non-public address."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of `host`; raise OSError when one is not public."""
        found = await self._inner.resolve(host, port, family)
        for info in found:
            if not is_public(info["host"]):
                raise OSError(
                    f"{host} resolves to {info['host']}, a private address (FEEDS_ALLOW_PRIVATE=1 allows it)"
                )
        return found

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()


class Fetcher:
    """Two HTTP sessions: one for the owner's feed URLs, one for URLs found inside feeds.

    URLs inside a feed come from whoever publishes it, so unless `allow_private` they may not lead
    (by name, literal address or redirect) to loopback, private or link-local addresses.
    """

    def __init__(self, *, allow_private: bool = False, timeout: float = TIMEOUT_S) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._owner: aiohttp.ClientSession | None = None
        self._inside: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        self._owner = aiohttp.ClientSession(headers=headers)
        connector = None if self.allow_private else aiohttp.TCPConnector(resolver=_PublicResolver())
        self._inside = aiohttp.ClientSession(headers=headers, connector=connector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in (self._owner, self._inside):
            if session is not None:
                await session.close()

    async def feed(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch a feed the owner listed, conditionally when validators are known."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._get(url, headers, FEED_LIMIT, inside=False)

    async def file(self, url: str) -> Response:
        """Fetch a transcript or chapters file a feed points to."""
        return await self._get(url, {}, FILE_LIMIT, inside=True)

    async def _get(self, url: str, headers: dict[str, str], limit: int, *, inside: bool) -> Response:
        session = self._inside if inside else self._owner
        if session is None:
            raise RuntimeError("use the Fetcher in `async with`")
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(session, url, headers, limit, inside)
        except TimeoutError:
            raise FetchError(f"no answer within {self.timeout:g} s") from None
        except aiohttp.ClientConnectorError as err:
            raise FetchError(f"cannot connect: {_reason(err)}") from None
        except (aiohttp.ClientError, OSError) as err:
            raise FetchError(f"network error: {_reason(err)}") from None

    async def _follow(
        self, session: aiohttp.ClientSession, url: str, headers: dict[str, str], limit: int, inside: bool
    ) -> Response:
        for _ in range(MAX_REDIRECTS + 1):
            await self._check(url, inside)
            async with session.get(url, headers=headers, allow_redirects=False) as resp:
                if resp.status in _REDIRECTS and "Location" in resp.headers:
                    url = urljoin(url, resp.headers["Location"])
                    continue
                if resp.status == 304:
                    return Response(304, None, _header(resp, "ETag"), _header(resp, "Last-Modified"), url)
                if resp.status != 200:
                    raise FetchError(f"HTTP {resp.status} {resp.reason or ''}".strip())
                body = await _read(resp, limit)
                return Response(
                    200, body, _header(resp, "ETag"), _header(resp, "Last-Modified"), url,
                    resp.headers.get("Content-Type", ""),
                )  # fmt: skip
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    async def _check(self, url: str, inside: bool) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError(f"only http and https URLs are fetched, got {url[:200]!r}")
        if inside and not self.allow_private:
            host = parts.hostname
            try:
                ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:
                return  # a name: the resolver checks every address it leads to
            if not is_public(host):
                raise FetchError(f"refused {host}: a private address (FEEDS_ALLOW_PRIVATE=1 allows it)")


async def _read(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """Return the (decompressed) body, refusing one larger than `limit` before reading it all."""
    declared = resp.content_length
    if declared is not None and declared > limit and not resp.headers.get("Content-Encoding"):
        raise FetchError(f"larger than {limit // (1024 * 1024)} MB ({declared} bytes)")
    parts, size = [], 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise FetchError(f"larger than {limit // (1024 * 1024)} MB")
        parts.append(chunk)
    return b"".join(parts)


def _header(resp: aiohttp.ClientResponse, name: str) -> str | None:
    value = resp.headers.get(name, "").strip()
    return value[:500] or None


def _reason(err: Any) -> str:
    text = str(getattr(err, "os_error", None) or err) or type(err).__name__
    return " ".join(text.split())[:300]
