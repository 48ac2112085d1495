"""Start the bot: settings checked, logging redacted, data loaded, signals handled, clean exit."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
from collections.abc import AsyncIterator, Collection

import aiohttp
import discord

import cogs
from bot import heap, logs, shutdown
from bot.app import invite, reach
from bot.app.client import EpisodeBot, build_bot
from bot.config import Settings
from bot.daily.clock import Clock
from bot.daily.sweep import SweepOptions
from bot.errors import ConfigError
from bot.feeds.poll import PollResult, poll_feeds
from bot.feeds.sources import feed_sources
from bot.knowledge import KnowledgeBase
from bot.live.updates import Updater
from bot.live.worker import IngestWorker
from bot.model import IngestReport
from bot.storage.database import Database

log = logging.getLogger(__name__)
IGNORED_NAMED = 10  # files of an unknown type named in the start-up log; the rest are counted

SHUTDOWN_TIMEOUT_S = 4.0  # SIGTERM to exit within 5 s, database included (3 s of it for interactions)
# A worker thread (a reload reading its rows, a feed poll cutting a feed) takes the interpreter lock
# whenever the event loop waits on I/O, and the loop gets it back only after this interval; a
# command needs a dozen or more turns of the loop, so Python's default of 5 ms cost it tens of ms.
SWITCH_INTERVAL_S = 0.0001


def main(settings: Settings, command: str) -> int:
    """Run the bot (`run`) or register its commands and exit (`sync`); return the exit code."""
    token = settings.require_token()  # ConfigError: the CLI prints it as one line, exit code 2
    logs.configure(settings.log_level, secrets=[token])
    serve = _sync if command == "sync" else _serve
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    work = shutdown.run_until_stopped(
        functools.partial(serve, settings, token), stopped=_stopped, exit_process=True
    )
    try:
        return asyncio.run(work)
    except discord.LoginFailure as exc:
        raise ConfigError(
            "Discord rejected DISCORD_TOKEN (401): reset it in the developer portal "
            "(your application > Bot > Reset Token) and update .env."
        ) from exc
    except discord.Forbidden as exc:
        if settings.dev_guild_id is not None:
            app_id = invite.application_id_from_token(token)
            raise ConfigError(invite.dev_guild_missing(settings.dev_guild_id, app_id)) from exc
        raise ConfigError(
            "Discord refused to register the commands (403): invite the bot with the "
            "applications.commands scope (`episode-bot invite` prints the link)."
        ) from exc
    except discord.HTTPException as exc:
        log.error("Discord answered %s %s; giving up", exc.status, exc.text)
        return 1
    except (aiohttp.ClientError, OSError) as exc:
        log.error("Cannot reach Discord at %s: %s", settings.api_base_url, exc)
        return 1


@contextlib.asynccontextmanager
async def knowledge(
    settings: Settings, *, settle_heap: bool = False
) -> AsyncIterator[tuple[Database, KnowledgeBase]]:
    """Open the database and knowledge base and load DATA_DIR; close the database on exit.

    With `settle_heap` (the bot's own process), each loaded catalogue is kept out of garbage
    collections (bot.heap); tests leave it off, since settling a test runner's heap at every
    start costs seconds.
    """
    db = await Database.open(settings.database_path)
    kb: KnowledgeBase | None = None
    try:
        kb = KnowledgeBase(
            db,
            before_reload=heap.pause if settle_heap else None,
            after_reload=heap.settle if settle_heap else None,
        )
        await load_data(kb, settings)
        yield db, kb
    finally:
        if kb is not None:
            await kb.close()  # a passage embedding under way (the [semantic] extra) stops
        if settle_heap:
            heap.release()
        await db.close()


async def load_data(
    kb: KnowledgeBase,
    settings: Settings,
    worker: IngestWorker | None = None,
    changed: Collection[str] | None = None,
) -> None:
    """Ingest DATA_DIR incrementally and log what happened; bad files never stop the bot.

    With a `worker`, in its process (the running bot's reloads; see bot.live.worker), then swap
    the result in; else here (at start, when nothing is being answered yet). `changed`: the files
    the watcher saw change, when those are all that changed (see bot.ingest.run).
    """
    if settings.data_dir.is_dir():
        report_dir = settings.data_dir
        if worker is None:  # at start: nothing is answered yet, so a first load may be one transaction
            report, feeds_error = await _ingest_here(kb, settings, changed, cold_load=True)
        else:
            report, feeds_error = await _ingest_elsewhere(kb, settings, worker, changed)
        if feeds_error:
            log.warning("Feeds not read: %s", feeds_error)
        counts = (len(report.loaded), len(report.unchanged), len(report.removed), len(report.failed))
        log.info("Loaded %s: %d new or changed, %d unchanged, %d removed, %d failed", report_dir, *counts)
        for line in report.failed:
            log.warning("Not loaded: %s", line)
        for line in report.warnings:
            log.warning("Data warning: %s", line)
        if report.ignored:
            names = ", ".join(report.ignored[:IGNORED_NAMED])
            more = (
                f" and {len(report.ignored) - IGNORED_NAMED} more"
                if len(report.ignored) > IGNORED_NAMED
                else ""
            )
            log.warning(
                "Ignored %d file(s) of a type episode-bot does not read: %s%s",
                len(report.ignored),
                names,
                more,
            )
        return  # ingest refreshed the in-memory indexes
    # Ingesting a missing directory would count every stored episode as removed.
    log.warning("DATA_DIR %s is not a directory; serving what the database already holds", settings.data_dir)
    await kb.refresh()


async def _ingest_here(
    kb: KnowledgeBase, settings: Settings, changed: Collection[str] | None = None, *, cold_load: bool = False
) -> tuple[IngestReport, str | None]:
    feeds, feeds_error = feed_sources(settings)
    return await kb.ingest([settings.data_dir], feeds, changed=changed, cold_load=cold_load), feeds_error


async def _ingest_elsewhere(
    kb: KnowledgeBase, settings: Settings, worker: IngestWorker, changed: Collection[str] | None
) -> tuple[IngestReport, str | None]:
    try:
        outcome = await worker.ingest(settings, changed)
    except (OSError, NotImplementedError) as exc:  # no processes here (a sandbox, another event loop)
        log.warning("cannot ingest in a process of its own (%s); ingesting in this one", exc)
        return await _ingest_here(kb, settings, changed)
    await kb.sync(outcome[0].changes)
    return outcome


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sweep: SweepOptions | None = None,
    settle_heap: bool = False,
) -> AsyncIterator[EpisodeBot]:
    """Yield a started bot that is connected and serving; close it, then the database, on exit.

    `clock` and `sweep` go to the bot (EpisodeBot): tests and benchmarks move time by hand;
    `settle_heap` as `python -m bot` does (see knowledge()).
    "Serving" means commands are synced (when needed) and the gateway session is up (READY).
    discord.py's own on_ready comes a further `guild_ready_timeout` (2 s) later, after the last
    GUILD_CREATE; nothing here depends on it, so waiting for it would only slow every start.
    """
    token = settings.require_token()
    async with knowledge(settings, settle_heap=settle_heap) as (db, kb):
        extensions, updates = cogs.EXTENSIONS, updater(kb, settings)
        bot = build_bot(settings, db, kb, extensions=extensions, clock=clock, sweep=sweep, updater=updates)
        async with bot:
            runner = asyncio.create_task(bot.start(token), name="episode-bot")
            try:
                await _until_ready(bot, runner)
                yield bot
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(runner, SHUTDOWN_TIMEOUT_S)


async def _until_ready(bot: EpisodeBot, runner: asyncio.Task[None]) -> None:
    """Wait for the gateway session; raise what start() raised if it ended first."""
    ready = asyncio.create_task(bot.connected.wait())
    try:
        await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if runner.done():
        runner.result()  # raises the login or connection error
        raise RuntimeError("the bot stopped before it was ready")


def updater(kb: KnowledgeBase, settings: Settings, *, force_polls: bool = False) -> Updater:
    """Return the update loop the running bot keeps its data current with.

    `force_polls`: every poll reads every feed, due or not (benchmarks).
    """
    worker = IngestWorker()
    return Updater(
        kb,
        functools.partial(load_data, kb, settings, worker),
        data_dir=settings.data_dir,
        interval=settings.watch_interval,
        poll_feeds=functools.partial(poll_elsewhere, kb, settings, worker, force=force_polls),
        close=worker.close,
    )


async def poll_elsewhere(
    kb: KnowledgeBase, settings: Settings, worker: IngestWorker, *, force: bool = False
) -> PollResult:
    """Poll the due feeds in the ingest's process (bot.live.worker), else here."""
    try:
        return await worker.poll(settings, force=force)
    except (OSError, NotImplementedError) as exc:  # no processes here (a sandbox, another event loop)
        log.warning("cannot poll feeds in a process of their own (%s); polling in this one", exc)
        return await poll_feeds(kb.db, settings, force=force)


# Network failures while logging in: retried, since the bot runs unattended.
START_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError)


async def _serve(settings: Settings, token: str, stop: shutdown.Stop) -> int:
    # A signal until a bot is built (the start-up ingest, waiting for the network) cancels this
    # task: the ingest rolls back and the database closes on the way out. While a bot runs it
    # shuts that bot down gently.
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("_serve must run in a task")
    async with knowledge(settings, settle_heap=True) as (db, kb):
        attempt = 0
        # Once the API answers, discord.py keeps the gateway up by itself (reconnecting with its
        # own backoff); only a failure while logging in ends start() and comes back here.
        while await reach.wait_until_reachable(settings.api_base_url):
            bot = build_bot(settings, db, kb, extensions=cogs.EXTENSIONS, updater=updater(kb, settings))
            async with bot:
                stop.on_stop(functools.partial(_close_soon, bot))
                try:
                    await bot.start(token)
                    break
                except START_ERRORS as exc:
                    if stop.signal is not None:
                        break
                    delay = reach.BACKOFF_S[min(attempt, len(reach.BACKOFF_S) - 1)]
                    attempt += 1
                    log.warning(
                        "Lost Discord at %s while starting (%s); starting again in %g s (attempt %d)",
                        settings.api_base_url,
                        reach.describe(exc),
                        delay,
                        attempt,
                    )
            stop.on_stop(task.cancel)
            await asyncio.sleep(delay)
    return _stopped(stop)


async def _sync(settings: Settings, token: str, stop: shutdown.Stop) -> int:
    async with knowledge(settings) as (db, kb):
        try:
            await reach.probe(settings.api_base_url)
        except reach.Unreachable as exc:
            log.error("Cannot reach Discord at %s (%s); nothing was synced", settings.api_base_url, exc)
            return 1
        bot = EpisodeBot(settings, db, kb, extensions=cogs.EXTENSIONS, sync="force")
        async with bot:
            await bot.login(token)  # setup_hook syncs; no gateway connection is needed
    return 0


def _stopped(stop: shutdown.Stop) -> int:
    """Say how the bot stopped (cleanly only if nothing failed meanwhile) and return the exit code."""
    if stop.errors.count:
        log.warning("Stopped, after %d error(s) while stopping", stop.errors.count)
        return 1
    log.info("Stopped cleanly")
    return stop.exit_code


_closing: set[asyncio.Task[None]] = set()


def _close_soon(bot: EpisodeBot) -> None:
    """Start closing the bot (discord.py handles neither SIGINT nor SIGTERM when not using run())."""
    task = asyncio.get_running_loop().create_task(_close(bot))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _close(bot: EpisodeBot) -> None:
    try:
        await asyncio.wait_for(bot.close(), SHUTDOWN_TIMEOUT_S)
    except TimeoutError:
        log.warning("Closing the connection took over %.0f s; exiting anyway", SHUTDOWN_TIMEOUT_S)
