"""Cut a feed into its items without interpreting them, so that only new or changed items are parsed.

feedparser is thorough but slow (milliseconds per item); a feed with a thousand items changes one
at a time. The XML is read once with lxml (in C), each item is serialised and hashed, and the items
whose hash is new are handed to feedparser in small documents: the feed's own head (channel title,
people, namespaces) with just those items.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from bot.feeds.parse import ITEM_TAGS, PODCAST_NAMESPACES, plain_xml

# Part of every item's hash: raise it whenever reading or writing items changes, so that a new
# version of the bot rewrites every cached item once instead of keeping the old rendering.
ITEM_FORMAT = 3
_TITLES = frozenset({"title", "{http://www.w3.org/2005/Atom}title", "{http://purl.org/rss/1.0/}title"})
_PEOPLE = frozenset(f"{{{namespace}}}person" for namespace in PODCAST_NAMESPACES)


@dataclass
class SplitFeed:
    """Hold a feed's tree with its items taken out, and one hash per item, in feed order."""

    root: etree._Element
    parent: etree._Element
    items: list[etree._Element]
    digests: list[str]

    def document(self, positions: Sequence[int] = ()) -> bytes:
        """Return the feed as XML with only the items at `positions` (0-based, in this order)."""
        chosen = [self.items[n] for n in positions]
        self.parent.extend(chosen)
        try:
            document: bytes = etree.tostring(self.root, encoding="utf-8", xml_declaration=True)
            return document
        finally:
            for item in chosen:
                self.parent.remove(item)


def split_feed(body: bytes, context: str) -> SplitFeed | None:
    """Return the feed cut into items, or None when it is not plain well-formed XML (feedparser then
    reads it whole, as it copes with broken feeds).

    `context` is whatever else an item's rendering depends on (the owner's show name); it goes into
    every hash, with the feed's title and people, so that changing them rewrites every item.
    """
    root = plain_xml(body)
    if root is None:
        return None
    items = list(root.iter(*ITEM_TAGS))
    # Compared as objects held in a list: lxml makes a new proxy for each getparent() call, so
    # the id() of one already freed can differ for the same element (then a feed looked as if
    # its items were at several places, and was read whole without item hashes).
    parents = [item.getparent() for item in items]
    parent = parents[0] if items else root
    if parent is None or any(other is not parent for other in parents):
        return None  # items at several places (or the root): let feedparser make sense of it
    if any(_inside_item(item) for item in items):
        return None  # nested items: likewise
    for item in items:
        parent.remove(item)
    head = hashlib.blake2b(f"{ITEM_FORMAT}\n{context}\n".encode(), digest_size=16)
    for element in root.iter(*_TITLES, *_PEOPLE):
        head.update(etree.tostring(element, with_tail=False))
    digests = []
    for item in items:
        digest = head.copy()
        digest.update(etree.tostring(item, with_tail=False))
        digests.append(digest.hexdigest())
    return SplitFeed(root, parent, items, digests)


def _inside_item(element: etree._Element) -> bool:
    return any(ancestor.tag in ITEM_TAGS for ancestor in element.iterancestors())
