"""Episode offsets as text and as links that start playback at that moment."""

from __future__ import annotations

import functools
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

_OFFSET = re.compile(r"(?:([0-9]{1,3}):)?([0-9]{1,3}):([0-9]{2})")
_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".m4b", ".mp4", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".webm")


def format_offset(seconds: int) -> str:
    """Return an offset as `m:ss` under an hour and `h:mm:ss` from an hour on."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_offset(text: str) -> int:
    """Return the whole seconds of `m:ss`, `mm:ss` or `h:mm:ss`; raise ValueError otherwise."""
    match = _OFFSET.fullmatch(text.strip())
    if not match:
        raise ValueError(f"not a timestamp like 1:23 or 1:02:03: {text!r}")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    # Without hours a page may still write 75:00; with hours, minutes must be a clock field.
    if seconds > 59 or (match.group(1) and minutes > 59):
        raise ValueError(f"minutes and seconds must be below 60: {text!r}")
    return hours * 3600 + minutes * 60 + seconds


def timestamp_url(url: str | None, seconds: int) -> str | None:
    """Return `url` set to start at `seconds`, the URL itself when it has no time parameter, or None."""
    return moment_url(url, seconds)


def moment_url(url: str | None, seconds: int, audio: str | None = None) -> str | None:
    """Return the link that plays an episode from `seconds`.

    That is the episode's own link when its player takes a start time (YouTube, Spotify, a media
    file), else its audio (a feed's enclosure, audio by its declared type whatever its address
    ends with) with `#t=`, else the episode's link unchanged; None when it has neither.
    """
    at = str(max(0, int(seconds)))
    if _MARK in (url or "") or _MARK in (audio or ""):
        return _link(url, at, audio)
    template = _link_template(url, audio)
    return template[0] + at + template[1] if isinstance(template, tuple) else template


# An episode's link is built once with this in place of the seconds, then joined around them
# (a list of a guest's quotes builds hundreds of links to a few episodes).
_MARK = "\x00"


@functools.lru_cache(maxsize=1 << 14)
def _link_template(url: str | None, audio: str | None) -> tuple[str, str] | str | None:
    """Return the text before and after the seconds in an episode's links, or its one link (or None)."""
    link = _link(url, _MARK, audio)
    if link is None or _MARK not in link:
        return link
    before, after = link.split(_MARK)
    return before, after


def _link(url: str | None, at: str, audio: str | None) -> str | None:
    """Return moment_url's link with `at` written where the seconds go."""
    parts = _http_parts(url)
    timed = _at_time(parts, at) if parts is not None else None
    if timed is not None:
        return urlunsplit(timed)
    audio_parts = _http_parts(audio)
    if audio_parts is not None:
        return urlunsplit(audio_parts._replace(fragment=f"t={at}"))
    return urlunsplit(parts) if parts is not None else None


def is_media_file(url: str) -> bool:
    """Tell whether a URL's path ends like an audio or video file."""
    parts = _http_parts(url)
    return parts is not None and parts.path.lower().endswith(_AUDIO_SUFFIXES)


def http_url(url: str | None) -> str | None:
    """Return `url` as an http(s) URL with a host (scheme in lowercase), or None when it is not one."""
    parts = _http_parts(url)
    return None if parts is None else urlunsplit(parts)


def _http_parts(url: str | None) -> SplitResult | None:
    """Return the parts of an http(s) URL with a host, else None."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    return parts if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _at_time(parts: SplitResult, seconds: str) -> SplitResult | None:
    """Return the URL parts with the start-time parameter its player understands (None: it has none)."""
    host, path = (parts.hostname or "").lower(), parts.path
    if host in _YOUTUBE_HOSTS and path.startswith("/embed/"):
        return parts._replace(query=_set_param(parts.query, "start", seconds))
    if host in _YOUTUBE_HOSTS:
        return parts._replace(query=_set_param(parts.query, "t", f"{seconds}s"))
    if host == "youtu.be" or (host == "open.spotify.com" and "/episode/" in path):
        return parts._replace(query=_set_param(parts.query, "t", seconds))
    if path.lower().endswith(_AUDIO_SUFFIXES):
        return parts._replace(fragment=f"t={seconds}")
    return None


def _set_param(query: str, name: str, value: str) -> str:
    """Return `query` with every `name=` parameter removed and `name=value` appended."""
    # Splitting by hand keeps the other parameters byte for byte as the page gave them.
    kept = [part for part in query.split("&") if part and part.split("=", 1)[0] != name]
    return "&".join([*kept, f"{name}={value}"])
