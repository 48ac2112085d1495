"""Read a podcast feed (RSS 2.0, Atom, iTunes and Podcasting 2.0 tags) into plain item records."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser
from defusedxml.ElementTree import iterparse
from lxml import etree

from bot.feeds.html import html_to_text
from bot.links import http_url, is_media_file, parse_offset

PODCAST_NAMESPACES = (
    "https://podcastindex.org/namespace/1.0",
    "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
)
_ATOM = "http://www.w3.org/2005/Atom"
ITEM_TAGS = frozenset({"item", "entry", f"{{{_ATOM}}}entry", "{http://purl.org/rss/1.0/}item"})
# Where Podcasting 2.0 tags sit: the channel (the feed, in Atom) and its items.
_HOLDERS = ITEM_TAGS | {"channel", "{http://purl.org/rss/1.0/}channel", f"{{{_ATOM}}}feed"}
_NUMBER_IN_TITLE = re.compile(r"#\s?(\d{1,6})\b")
MAX_NUMBER = 10**6  # larger "episode numbers" are ids or typos, not numbers members type
MAX_SECONDS = 7 * 24 * 3600
SOUNDBITE_TEXT = 128  # the namespace's limit for a soundbite title


@dataclass(frozen=True, slots=True)
class Transcript:
    """Point at one transcript the item offers."""

    url: str
    type: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Soundbite:
    """Hold a publisher-chosen highlight: where it starts and its words."""

    seconds: int
    text: str


@dataclass(frozen=True, slots=True)
class FeedItem:
    """Hold what one feed item says about its episode."""

    guid: str  # the stable key: the item's guid, else a fallback (see `_guid`)
    title: str
    number: int | None = None
    season: int | None = None
    published: dt.date | None = None
    duration_seconds: int | None = None
    description: str = ""
    audio_url: str | None = None  # the enclosure
    video_url: str | None = None  # only when the item declares a video
    link: str | None = None  # the item's web page
    hosts: tuple[str, ...] = ()
    guests: tuple[str, ...] = ()
    transcripts: tuple[Transcript, ...] = ()
    chapters_url: str | None = None
    soundbites: tuple[Soundbite, ...] = ()
    guid_declared: bool = True


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """Hold a feed's title, its items in feed order, and what was odd about it."""

    title: str | None
    items: tuple[FeedItem, ...]
    warnings: tuple[str, ...] = ()


class FeedError(ValueError):
    """Raise when the bytes are not a feed at all."""


@dataclass(frozen=True, slots=True)
class ParsedEntries:
    """Hold a feed's title and one record per entry, in feed order (None: skipped, see warnings)."""

    title: str | None
    items: tuple[FeedItem | None, ...]
    warnings: tuple[str, ...] = ()


def parse_feed(body: bytes) -> ParsedFeed:
    """Return the items of a feed; raise FeedError when `body` is not a readable feed."""
    parsed = parse_entries(body)
    warnings = list(parsed.warnings)
    items = first_of_each_guid(enumerate(parsed.items, 1), warnings)
    return ParsedFeed(parsed.title, tuple(items), tuple(warnings))


def first_of_each_guid(
    numbered: Iterable[tuple[int, FeedItem | None]], warnings: list[str]
) -> list[FeedItem]:
    """Return the items in order, dropping (with a warning) any that repeats an earlier item's guid."""
    items: list[FeedItem] = []
    seen: dict[str, int] = {}  # guid -> item number
    for position, item in numbered:
        if item is None:
            continue
        if item.guid in seen:
            warnings.append(f"item {position} repeats the guid {item.guid!r} of item {seen[item.guid]}; "
                            "kept the first")  # fmt: skip
            continue
        seen[item.guid] = position
        items.append(item)
    return items


def parse_entries(body: bytes) -> ParsedEntries:
    """Return every entry of a feed as an item (None where one is unusable); raise FeedError for a non-feed.

    feedparser's HTML sanitiser is off: show notes only ever become plain text (bot.feeds.html drops
    scripts and styles), and sanitising every item cost more than all the rest of the parse.
    """
    warnings: list[str] = []
    tagged = any(ns.encode() in body for ns in PODCAST_NAMESPACES)
    tree = _podcast_tree(body) if tagged else None
    if tree is not None:
        # The Podcasting 2.0 tags are read from lxml's tree and taken out of what feedparser
        # reads: it keeps nothing of them, and each element costs it as much as a mapped one.
        found = _scan(etree.iterwalk(tree, events=("start", "end")))
        _strip_podcast_tags(tree)
        body = etree.tostring(tree, encoding="utf-8", xml_declaration=True)
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo:
        reason = _one_line(str(parsed.get("bozo_exception", "malformed XML")))
        if not parsed.entries and not parsed.feed.get("title"):
            raise FeedError(f"expected an RSS or Atom feed, got {reason}")
        warnings.append(f"the feed is not well-formed XML ({reason}); read what could be read")
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise FeedError("expected an RSS or Atom feed, got a document without a channel or items")
    if tree is not None:
        extras = _matched(found, len(parsed.entries), warnings)
    elif tagged:
        extras = _podcast_tags(body, len(parsed.entries), warnings)
    else:
        extras = _PodcastTags()
    channel_hosts = _people(extras.channel_people)[0]
    items = [
        _item(entry, extras.items[position] if extras.items else _ItemTags(), channel_hosts, warnings)
        for position, entry in enumerate(parsed.entries)
    ]
    title = _text_of(parsed.feed, "title")
    return ParsedEntries(title or None, tuple(items), tuple(warnings))


def _item(
    entry: dict[str, Any], tags: _ItemTags, channel_hosts: tuple[str, ...], warnings: list[str]
) -> FeedItem | None:
    title = _text_of(entry, "title")
    audio, video = _enclosures(entry, tags)
    link = http_url(entry.get("link"))
    guid, declared = _guid(entry, audio or video, link, title)
    if not title or not guid:
        warnings.append(f"skipped an item without a {'title' if not title else 'guid, link or enclosure'}")
        return None
    hosts, guests = _people(tags.people)
    return FeedItem(
        guid=guid,
        title=title,
        number=_number(entry.get("itunes_episode")) or _title_number(title),
        season=_number(entry.get("itunes_season")),
        published=_date(entry),
        duration_seconds=_duration(entry.get("itunes_duration")),
        description=_description(entry),
        audio_url=audio,
        video_url=video,
        link=link,
        hosts=hosts or channel_hosts,
        guests=guests,
        transcripts=tags.transcripts,
        chapters_url=tags.chapters,
        soundbites=tags.soundbites,
        guid_declared=declared,
    )


def _guid(entry: dict[str, Any], media: str | None, link: str | None, title: str) -> tuple[str, bool]:
    """Return the item's stable key and whether the feed declared it.

    Without a guid, the enclosure's address without its query string comes next (hosts add
    per-request tokens there), then the item's page, then the title with its date.
    """
    declared = _clean(entry.get("id") or entry.get("guid"))
    if declared:
        return declared, True
    if media:
        return media.split("?", 1)[0].split("#", 1)[0], False
    if link:
        return link, False
    published = entry.get("published") or entry.get("updated") or ""
    return (f"{title} {published}".strip() if title else ""), False


def _enclosures(entry: dict[str, Any], tags: _ItemTags) -> tuple[str | None, str | None]:
    """Return the item's audio and video, each known by its declared type (`audio/mpeg` is audio
    whatever its address ends with); an enclosure without a type counts by its file ending."""
    found = [
        (link.get("href"), link.get("type"), None)
        for link in entry.get("links", ())
        if link.get("rel") == "enclosure"
    ]
    found += [
        (media.get("url"), media.get("type"), media.get("medium")) for media in entry.get("media_content", ())
    ]
    audio = video = None
    for address, kind, medium in found:
        url = http_url(address)
        what = _media(url, (kind or "").split(";", 1)[0].strip().lower(), medium) if url else None
        if what == "video":
            video = video or url
        elif what == "audio":
            audio = audio or url
    return audio, video or tags.video


def _media(url: str, kind: str, medium: object) -> str | None:
    if medium in ("audio", "video"):
        return str(medium)
    if kind.startswith(("audio/", "video/")):
        return kind.split("/", 1)[0]
    if kind in ("", "application/octet-stream", "binary/octet-stream") and is_media_file(url):
        return "audio"  # a media file of no stated kind: its time links work like audio's
    return None  # a transcript, an image, a PDF: not something to play


def _description(entry: dict[str, Any]) -> str:
    """Return the fullest description (content:encoded, else the summary) as plain text."""
    candidates = [*entry.get("content", ()), entry.get("summary_detail")]
    values = [detail for detail in candidates if detail and detail.get("value")]
    best = ""
    # Longest source first: text is never longer than its HTML, so a shorter source that cannot
    # beat the text found so far is not converted at all.
    for detail in sorted(values, key=lambda d: len(d["value"]), reverse=True):
        value = detail["value"]
        if len(value) <= len(best):
            break
        text = value if detail.get("type") == "text/plain" else html_to_text(value)
        if len(text) > len(best):
            best = text
    return best


def _number(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_NUMBER else None


def _title_number(title: str) -> int | None:
    match = _NUMBER_IN_TITLE.search(title)
    return _number(match.group(1)) if match else None


def _date(entry: dict[str, Any]) -> dt.date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC).date()
    except (OverflowError, ValueError, OSError):
        return None


def _duration(value: object) -> int | None:
    """Return `itunes:duration` in whole seconds: seconds, `mm:ss` or `h:mm:ss`."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parse_offset(text.split(".", 1)[0])
        except ValueError:
            return None
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_SECONDS:
        return None
    return round(seconds)


def _people(people: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    hosts: dict[str, None] = {}
    guests: dict[str, None] = {}
    for name, role in people:
        if role == "host":
            hosts[name] = None
        elif role == "guest":
            guests[name] = None
    return tuple(hosts), tuple(guests)


def _text_of(record: dict[str, Any], name: str) -> str:
    """Return a title as one line of plain text (feedparser keeps markup where it saw HTML)."""
    value = record.get(name)
    detail = record.get(f"{name}_detail") or {}
    if value and detail.get("type") in ("text/html", "application/xhtml+xml"):
        value = html_to_text(str(value))
    return _clean(value)


def _clean(value: object) -> str:
    return " ".join(str(value).split()) if value else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


@dataclass
class _ItemTags:
    """Podcasting 2.0 tags of one item, which feedparser does not keep (repeats, attributes)."""

    people: list[tuple[str, str]] = field(default_factory=list)
    transcripts: tuple[Transcript, ...] = ()
    chapters: str | None = None
    soundbites: tuple[Soundbite, ...] = ()
    video: str | None = None


@dataclass
class _PodcastTags:
    channel_people: list[tuple[str, str]] = field(default_factory=list)
    items: list[_ItemTags] = field(default_factory=list)


def _podcast_tags(body: bytes, entries: int, warnings: list[str]) -> _PodcastTags:
    """Read the Podcasting 2.0 tags of the channel and of each item, in item order."""
    try:
        found = _scan(iterparse(io.BytesIO(body), events=("start", "end")))
    except ET.ParseError as err:
        warnings.append(f"Podcasting 2.0 tags not read: the XML is malformed ({_one_line(str(err))})")
        return _PodcastTags()
    return _matched(found, entries, warnings)


def _matched(found: _PodcastTags, entries: int, warnings: list[str]) -> _PodcastTags:
    if len(found.items) != entries:
        warnings.append("Podcasting 2.0 tags not read: items could not be matched")
        return _PodcastTags()
    return found


def plain_xml(body: bytes, *, remove_comments: bool = False) -> etree._Element | None:
    """Return the document's root when it is well-formed XML without a DTD, else None."""
    # No DTDs, no entities, no network: a feed is untrusted input (and feedparser reads what lxml
    # refuses).
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_pis=True, remove_comments=remove_comments,
    )  # fmt: skip
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None
    return root


def _podcast_tree(body: bytes) -> etree._Element | None:
    """Return the feed's tree when it is plain well-formed XML whose items hold no items (else None:
    feedparser and the scan below read the bytes as they are)."""
    root = plain_xml(body, remove_comments=True)
    if root is None:
        return None
    if any(ancestor.tag in ITEM_TAGS for item in root.iter(*ITEM_TAGS) for ancestor in item.iterancestors()):
        return None
    return root


def _strip_podcast_tags(root: etree._Element) -> None:
    """Take the Podcasting 2.0 elements of the channel and of its items out of the tree (not those
    inside other elements: feedparser may keep their text), keeping the text that follows each."""
    wildcards = [f"{{{namespace}}}*" for namespace in PODCAST_NAMESPACES]
    for element in list(root.iter(*wildcards)):
        parent = element.getparent()
        if parent is None or parent.tag not in _HOLDERS:
            continue
        if element.tail:
            before = element.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)


def _scan(events: Iterable[tuple[str, Any]]) -> _PodcastTags:
    found = _PodcastTags()
    current: _ItemTags | None = None
    pending: dict[str, list[Any]] = {}
    for event, element in events:
        tag = element.tag
        if event == "start":
            if tag in ITEM_TAGS:
                current, pending = _ItemTags(), {"transcripts": [], "soundbites": []}
            continue
        if tag in ITEM_TAGS and current is not None:
            current.transcripts = tuple(pending["transcripts"])
            current.soundbites = tuple(pending["soundbites"])
            found.items.append(current)
            current = None
            if isinstance(element, ET.Element):
                element.clear()  # read as a stream: the items read are not kept
            continue
        name = _podcast_name(tag)
        if name is None:
            continue
        if current is None:
            if name == "person":
                found.channel_people.extend(_person(element))
            continue
        _read_tag(name, element, current, pending)
    return found


def _podcast_name(tag: object) -> str | None:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    namespace, _, name = tag[1:].partition("}")
    return name if namespace in PODCAST_NAMESPACES else None


def _read_tag(name: str, element: ET.Element, item: _ItemTags, pending: dict[str, list[Any]]) -> None:
    if name == "person":
        item.people.extend(_person(element))
    elif name == "transcript":
        url = http_url(element.get("url"))
        if url:
            pending["transcripts"].append(
                Transcript(url, (element.get("type") or "").strip().lower(), element.get("language"))
            )
    elif name == "chapters":
        item.chapters = item.chapters or http_url(element.get("url"))
    elif name == "soundbite":
        pending["soundbites"].extend(_soundbite(element))
    elif name == "alternateEnclosure" and (element.get("type") or "").lower().startswith("video/"):
        item.video = item.video or next(_sources(element), None)


def _person(element: ET.Element) -> Iterator[tuple[str, str]]:
    name = _clean(element.text)
    if name:
        yield name, (element.get("role") or "host").strip().lower()


def _soundbite(element: ET.Element) -> Iterator[Soundbite]:
    text = _clean(element.text)[:SOUNDBITE_TEXT]
    try:
        start = float(element.get("startTime") or "")
    except ValueError:
        return
    if text and math.isfinite(start) and 0 <= start <= MAX_SECONDS:
        yield Soundbite(int(start), text)


def _sources(element: ET.Element) -> Iterator[str]:
    for child in element:
        if _podcast_name(child.tag) == "source":
            url = http_url(child.get("uri"))
            if url:
                yield url
