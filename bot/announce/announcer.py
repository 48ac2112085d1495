"""The announcement pass: for each server, claim the new episodes' posts, send them, record outcomes.

A post is claimed in the ledger ('sending', one row per episode) in the transaction that decides
it, before anything is sent, so two passes, two processes or a restart never post it twice; the
outcome is written afterwards, as the daily sweep does. Episodes present when a server switched
announcements on, and a feed's back catalogue, are never candidates (silent seeding, see
storage/migrations). More than MAX_SINGLE new episodes at once make one summary post.
Nothing here imports discord: the poster passed in does the talking and raises daily's PostErrors.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from bot.daily.clock import Clock
from bot.daily.sweep import FINISH_ON_STOP_S, DropError, PauseError, RetryError, epoch, retry_delay
from bot.errors import NotFoundError
from bot.knowledge import KnowledgeBase
from bot.model import EpisodeCard, EpisodeRef
from bot.shards import Shards
from bot.storage import Database
from bot.storage import announce as store

log = logging.getLogger(__name__)

MAX_SINGLE = 3  # more new episodes than this in one pass: one summary post instead
MAX_ATTEMPTS = 8  # about four hours of backoff, then the post is given up
NOT_VISIBLE_RETRY_S = 5.0  # a server not in the cache yet (start, outage): look again soon
REMOVED = "the episode was removed before it was posted"
RATE = 40.0  # posts per second, under Discord's 50 requests/s per bot


@dataclass(frozen=True, slots=True)
class Post:
    """Hold one claimed post: one episode's card, or a summary of several."""

    guild_id: int
    channel_id: int
    role_id: int | None
    nonce: int
    keys: tuple[str, ...]
    attempt: int
    cards: tuple[EpisodeCard, ...] = ()

    @property
    def summary(self) -> bool:
        """Tell whether this post lists several episodes."""
        return len(self.keys) > 1


@dataclass(slots=True)
class PassStats:
    """Count what one pass did."""

    servers: int = 0
    not_visible: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    paused: int = 0
    dropped: int = 0
    errors: int = 0


Poster = Callable[[Post], Awaitable[int]]


def post_nonce(guild_id: int, keys: Sequence[str]) -> int:
    """Return the nonce every attempt of this post sends (fits Discord's 25 characters)."""
    raw = hashlib.blake2b(f"announce:{guild_id}:{'|'.join(keys)}".encode(), digest_size=8).digest()
    return int.from_bytes(raw) >> 1


class Announcer:
    """Announce every new episode once per server that asked for it."""

    def __init__(
        self,
        db: Database,
        kb: KnowledgeBase,
        poster: Poster,
        clock: Clock,
        *,
        visible: Callable[[int], bool] = lambda _guild_id: True,
        shards: Shards | None = None,
        rate: float | None = RATE,
    ) -> None:
        self.db, self.kb, self.poster, self.clock = db, kb, poster, clock
        self.visible = visible
        # Only these shards' servers (None: every server). Others are another process's: not even
        # counted as not visible, which would make this process look again every few seconds.
        self.shards = shards
        self.rate = rate  # posts per second
        self._next_send = 0.0

    async def run_once(self) -> PassStats:
        """Announce what is due in every server this process sees, and return the counts."""
        stats = PassStats()
        now = epoch(self.clock.now())
        for guild_id in await store.servers_with_work(self.db.conn, now, shards=self.shards):
            stats.servers += 1
            if not self.visible(guild_id):
                stats.not_visible += 1
                continue
            try:
                await self._serve(guild_id, stats)
            except Exception:
                stats.errors += 1
                log.exception("announcements for guild %s failed unexpectedly", guild_id)
        return stats

    async def next_wait(self, stats: PassStats) -> float | None:
        """Return seconds until a pass has something to do without new data (a retry), or None."""
        if stats.not_visible:
            return NOT_VISIBLE_RETRY_S
        due = await store.next_retry(self.db.conn, shards=self.shards)
        return None if due is None else max(0.0, due - epoch(self.clock.now()))

    async def _serve(self, guild_id: int, stats: PassStats) -> None:
        posts = await self.claim(guild_id)
        stats.claimed += len(posts)
        for index, post in enumerate(posts):
            try:
                outcome = await self._deliver_through_shutdown(post)
            except asyncio.CancelledError:
                await asyncio.shield(self._release(posts[index + 1 :], "the bot stopped"))
                raise
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            if outcome == "paused":  # the channel is unusable: the rest waits for /announce set
                await self._release(posts[index + 1 :], "announcements are paused")
                return

    async def claim(self, guild_id: int) -> list[Post]:
        """Decide this server's posts and claim them in one transaction; return them, cards filled in."""
        snapshot = self.kb.snapshot.cat
        known = {ep.key: ep for ep in snapshot.episodes.values()}
        async with self.db.transaction() as conn:
            settings = await store.get_settings(conn, guild_id)
            if settings is None or settings.paused_reason:
                return []
            now = epoch(self.clock.now())
            posts = []
            groups: dict[int, list[store.Entry]] = {}
            for entry in await store.due_retries(conn, guild_id, now):
                groups.setdefault(entry.nonce, []).append(entry)
            for nonce, entries in groups.items():
                keys = [e.episode_key for e in entries]
                gone = [key for key in keys if key not in known]
                await store.drop_keys(conn, guild_id, gone, REMOVED)
                present = tuple(key for key in keys if key in known)
                if present and await store.claim(
                    conn, guild_id, present, nonce=nonce, channel_id=settings.channel_id, now=now
                ):
                    attempt = max(e.attempts for e in entries) + 1
                    posts.append(self._post(settings, nonce, present, attempt))
            # New episodes the catalogue does not hold yet wait for the swap that brings them.
            new = [key for key in await store.unannounced(conn, guild_id, settings.since_seq) if key in known]
            batches = [tuple(new)] if len(new) > MAX_SINGLE else [(key,) for key in new]
            for batch in batches:
                nonce = post_nonce(guild_id, batch)
                if await store.claim(
                    conn, guild_id, batch, nonce=nonce, channel_id=settings.channel_id, now=now
                ):
                    posts.append(self._post(settings, nonce, batch, 1))
        return [await self._with_cards(post, known) for post in posts]

    def _post(self, settings: store.Settings, nonce: int, keys: tuple[str, ...], attempt: int) -> Post:
        return Post(settings.guild_id, settings.channel_id, settings.role_id, nonce, keys, attempt)

    async def _with_cards(self, post: Post, known: dict[str, EpisodeRef]) -> Post:
        cards = []
        for key in post.keys:
            try:
                cards.append(await self.kb.episode_card(known[key]))
            except NotFoundError:
                continue  # removed since the claim; the others still go out
        return replace(post, cards=tuple(cards))

    async def _deliver_through_shutdown(self, post: Post) -> str:
        """Deliver; if cancelled meanwhile, give the post a moment to finish and be recorded first."""
        task = asyncio.ensure_future(self.deliver(post))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task}, timeout=FINISH_ON_STOP_S)
            raise

    async def deliver(self, post: Post) -> str:
        """Send a claimed post and record the outcome; return the PassStats field it counts as."""
        if not post.cards:
            return await self._finish(post, store.FAILED, error=REMOVED)
        await self._pace()
        try:
            message_id = await self.poster(post)
        except Exception as exc:
            return await self._failed(post, exc)
        await self._finish(post, store.SENT, message_id=message_id)
        return "sent"

    async def _failed(self, post: Post, exc: Exception) -> str:
        """Record why a post did not go out: pause the server, retry later, or give up."""
        if isinstance(exc, PauseError):
            log.warning("announcements for guild %s paused: %s", post.guild_id, exc.reason)
            now = epoch(self.clock.now())
            async with self.db.transaction() as conn:
                # 'retry': once an admin fixes the channel, this post still goes out.
                await store.finish(
                    conn, post.guild_id, post.nonce, store.RETRY, next_attempt=now, error=exc.reason
                )
                await store.pause(conn, post.guild_id, exc.reason, now)
            return "paused"
        if isinstance(exc, RetryError) and post.attempt < MAX_ATTEMPTS:
            log.warning("announcement for guild %s will be retried: %s", post.guild_id, exc.reason)
            when = epoch(self.clock.now()) + retry_delay(post.attempt, exc.retry_after)
            await self._finish(post, store.RETRY, next_attempt=when, error=exc.reason)
            return "retried"
        if isinstance(exc, RetryError | DropError):
            prefix = "gave up: " if isinstance(exc, RetryError) else ""
            return await self._finish(post, store.FAILED, error=prefix + exc.reason)
        # Unknown failure: whether Discord got the post is unknown too, so never resend.
        log.error("announcement for guild %s raised", post.guild_id, exc_info=exc)
        return await self._finish(post, store.FAILED, error=f"unexpected error: {type(exc).__name__}")

    async def _finish(self, post: Post, state: str, **outcome: object) -> str:
        async with self.db.transaction() as conn:
            await store.finish(conn, post.guild_id, post.nonce, state, **outcome)  # type: ignore[arg-type]
        return "dropped" if state == store.FAILED else state

    async def _release(self, posts: Sequence[Post], reason: str) -> None:
        """Put claimed posts that were never attempted back, to be sent once possible."""
        if not posts:
            return
        now = epoch(self.clock.now())
        async with self.db.transaction() as conn:
            for post in posts:
                await store.finish(
                    conn, post.guild_id, post.nonce, store.RETRY, next_attempt=now, error=reason
                )

    async def _pace(self) -> None:
        """Space sends `1/rate` seconds apart (one pass may post in many servers)."""
        if not self.rate:
            return
        wait = self._next_send - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_send = max(self._next_send, time.monotonic()) + 1 / self.rate
