"""Paginated answers whose buttons keep working after a restart: the state lives in the custom_id."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.app import limits, served
from bot.app.render import PageInfo, Reply, messages
from bot.app.respond import update
from bot.app.tree import ShuttingDown, admitted, reply_error
from bot.errors import NotFoundError
from bot.storage import pages as pages_store

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase
    from bot.storage.database import Database

log = logging.getLogger(__name__)

PREFIX = "ep:pg:"
# kind : owner : page : "=" inline argument | "#" digest of an argument kept in bot_state
_STATE = re.compile(r"(?s)(?P<kind>[a-z]):(?P<user>\d{1,20}):(?P<page>\d{1,6}):(?P<ref>[=#].*)")
# Lists stop here: a prolific speaker has thousands of quotes, and nobody pages through them;
# loading one item more than this tells the footer to say "100+".
LIST_CAP = 100

Loader = Callable[["KnowledgeBase", str, int], Awaitable[tuple[Any, Sequence[Any]]]]
Renderer = Callable[[Any, Sequence[Any], PageInfo], Reply]


@dataclass(frozen=True, slots=True)
class Listing:
    """Describe one kind of long list: how to load it again from its argument and draw a page."""

    kind: str  # one lowercase letter, stored in every button's custom_id
    per_page: int
    load: Loader  # (kb, arg, limit) -> (context for the renderer, items); NotFoundError when gone
    render: Renderer  # (context, items on the page, which page) -> Reply
    empty: Callable[[Any], Reply]  # (context) -> what to say when the list is empty


LISTINGS: dict[str, Listing] = {}


def register(listing: Listing) -> Listing:
    """Make a listing's buttons answerable (also after a restart, once its cog is loaded)."""
    LISTINGS[listing.kind] = listing
    return listing


def page_count(total: int, per_page: int) -> int:
    """Return how many pages `total` items fill (at least one)."""
    return max(1, math.ceil(total / per_page))


async def page_reply(
    db: Database, listing: Listing, arg: str, loaded: tuple[Any, Sequence[Any]], *, page: int, user_id: int
) -> Reply:
    """Return page `page` of `items`, with Previous/Next buttons when there is more than one page."""
    context, items = loaded
    capped = len(items) > LIST_CAP
    items = items[:LIST_CAP]
    pages = page_count(len(items), listing.per_page)
    page = min(max(page, 0), pages - 1)
    shown = items[page * listing.per_page : (page + 1) * listing.per_page]
    reply = listing.render(context, shown, PageInfo(page, pages, len(items), capped))
    if pages > 1:
        ref = await _arg_ref(db, listing.kind, user_id, arg)
        reply.controls = [
            _button(listing.kind, user_id, max(page - 1, 0), ref, "◀ Previous", disabled=page == 0),
            _button(
                listing.kind, user_id, min(page + 1, pages - 1), ref, "Next ▶", disabled=page == pages - 1
            ),
        ]
    return reply


async def first_page(client: Any, user_id: int, listing: Listing, arg: str) -> Reply:
    """Load a list for member `user_id` and return its first page (or the listing's empty reply)."""
    context, items = await listing.load(client.kb, arg, LIST_CAP + 1)
    if not items:
        return listing.empty(context)
    return await page_reply(client.db, listing, arg, (context, items), page=0, user_id=user_id)


def pack(*parts: str) -> str:
    """Return several strings as one listing argument that `unpack` splits back exactly."""
    # JSON quotes every part, so no character inside one (`|`, `:`, `"`) can shift the split.
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def unpack(arg: str, count: int) -> list[str]:
    """Return the `count` strings `pack` joined; raise NotFoundError for anything else."""
    try:
        parts = json.loads(arg)
    except ValueError:
        parts = None
    if not isinstance(parts, list) or len(parts) != count or not all(isinstance(p, str) for p in parts):
        raise NotFoundError("list", "")  # not a list this bot made: its pages say they expired
    return parts


def custom_id(kind: str, user_id: int, page: int, ref: str) -> str:
    """Return the button id that encodes one page of one member's list."""
    return f"{PREFIX}{kind}:{user_id}:{page}:{ref}"


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?s)ep:pg:(?P<state>.*)"
):
    """A Previous/Next button that redraws its message at the page named in its custom_id."""

    def __init__(self, custom_id: str, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, custom_id=custom_id, disabled=disabled, style=discord.ButtonStyle.secondary
            )
        )
        self.state = custom_id.removeprefix(PREFIX)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        """Rebuild the button from a pressed message (kept trivial: it must not raise)."""
        if not isinstance(item, discord.ui.Button):  # the template only matches button ids
            return cls(PREFIX + match["state"])
        return cls(item.custom_id or "", item.label or "Page", disabled=item.disabled)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Turn the page for its owner; explain instead when the list is gone or not theirs."""
        served.start(interaction)
        if not admitted(interaction):
            outcome = await reply_error(interaction, ShuttingDown(), f"paging {self.custom_id!r}")
            served.record_interaction(interaction, outcome, "page")
            return
        outcome = "ok"
        try:
            await update(interaction, self._turn(interaction))
        except Exception as exc:  # discord.py would only log it, leaving the member with a failure
            outcome = await reply_error(interaction, exc, f"paging {self.custom_id!r}")
        served.record_interaction(interaction, outcome, "page")

    async def _turn(self, interaction: discord.Interaction) -> Reply:
        """Return the requested page, or an ephemeral note saying why there is none."""
        client: Any = interaction.client
        match = _STATE.fullmatch(self.state)
        listing = LISTINGS.get(match["kind"]) if match else None
        if match is None or listing is None:
            return messages.plain(messages.EXPIRED)
        if int(match["user"]) != interaction.user.id:
            return messages.plain(messages.NOT_YOURS)
        arg = await _arg_from_ref(client.db, match["ref"])
        loaded = await _load(listing, client.kb, arg) if arg is not None else None
        page = int(match["page"])
        if loaded is None or not loaded[1] or page >= page_count(len(loaded[1]), listing.per_page):
            return messages.plain(messages.EXPIRED)
        return await page_reply(client.db, listing, arg or "", loaded, page=page, user_id=interaction.user.id)


async def _load(listing: Listing, kb: KnowledgeBase, arg: str) -> tuple[Any, Sequence[Any]] | None:
    try:
        return await listing.load(kb, arg, LIST_CAP + 1)
    except NotFoundError:  # the episode or person left the data since the list was sent
        return None


def _button(kind: str, user_id: int, page: int, ref: str, label: str, *, disabled: bool) -> PageButton:
    return PageButton(custom_id(kind, user_id, page, ref), label, disabled=disabled)


def now() -> int:
    """Return the time in unix seconds (tests move it)."""
    return int(time.time())


async def _arg_ref(db: Database, kind: str, user_id: int, arg: str) -> str:
    """Return `=arg` when the whole id fits in 100 characters, else `#digest` with arg stored."""
    inline = "=" + arg
    if len(custom_id(kind, user_id, 999_999, inline)) <= limits.CUSTOM_ID:
        return inline
    # Per member, so one member's lists never push out or refresh another's.
    digest = hashlib.sha256(f"{user_id}\n{arg}".encode()).hexdigest()[:24]
    await pages_store.keep(db, digest, arg, user_id, now())
    return "#" + digest


async def _arg_from_ref(db: Database, ref: str) -> str | None:
    if ref.startswith("="):
        return ref[1:]
    return await pages_store.find(db, ref[1:], now())
