"""EpisodeBot: the discord.py bot with the database and knowledge base injected, not opened here."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import gateway, invite, served
from bot.app.cooldown import UserCooldown
from bot.app.paging import PageButton
from bot.app.sync import sync_commands
from bot.app.tree import AppTree
from bot.config import Settings
from bot.daily.clock import Clock, SystemClock
from bot.daily.sweep import SweepOptions

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase
    from bot.live.updates import Updater
    from bot.storage.database import Database

log = logging.getLogger(__name__)

SyncMode = Literal["auto", "force", "never"]
AnyCommand = app_commands.Command[Any, ..., Any] | app_commands.ContextMenu
UPDATER_STOP_TIMEOUT_S = 1.5
IN_FLIGHT_GRACE_S = 3.0  # how long interactions under way at shutdown get to answer
HEARTBEAT_KEY = "heartbeat"  # bot_state: when the running bot last had its gateway session up
HEARTBEAT_INTERVAL_S = 30.0  # `doctor --quick` calls a bot unhealthy after three missed beats


def heartbeat_key(settings: Settings) -> str:
    """Return the bot_state key of this process's heartbeat: each set of shards has its own.

    Processes sharing one database would otherwise vouch for each other in `doctor --quick`.
    """
    shards = settings.shards
    return HEARTBEAT_KEY if shards is None else f"{HEARTBEAT_KEY}:{shards.describe()}"


def intents() -> discord.Intents:
    """Return the only intents the bot needs: servers and their messages (no privileged ones)."""
    return discord.Intents(guilds=True, guild_messages=True)


class EpisodeBot(commands.Bot):
    """Serve the slash commands; owns no resources it did not open."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        kb: KnowledgeBase,
        *,
        extensions: Sequence[str] = (),
        sync: SyncMode = "auto",
        clock: Clock | None = None,
        sweep: SweepOptions | None = None,
        updater: Updater | None = None,
    ) -> None:
        """Build the bot; `clock` and `sweep` tune the daily posts (tests and benchmarks set them)."""
        # The warning at every start would only make operators look for a problem that is not there.
        gateway.quiet_voice_warning()
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; no prefix commands exist
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=AppTree,
            help_command=None,
            **self.shard_options(settings),
        )
        self.settings = settings
        self.db = db
        self.kb = kb
        self.extension_names = tuple(extensions)
        self.sync_mode: SyncMode = sync
        self.clock: Clock = clock or SystemClock()
        self.sweep_options = sweep or SweepOptions()
        # Shared by a slash command and the mention reply, so both count against one budget.
        self.cooldowns = {"ask": UserCooldown(), "search": UserCooldown()}
        self.connected = asyncio.Event()  # set once READY arrived: interactions are served from here
        self.connected_shards: set[int] = set()  # with shards: those whose READY arrived
        self.updater = updater  # keeps the data current while running (None: a one-off like `sync`)
        self._updates: asyncio.Task[None] | None = None
        self.stopping = False  # set by close(): new interactions are told the bot is restarting
        self._in_flight: set[asyncio.Task[object]] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self.dev_guild_missing = False  # DEV_GUILD_ID names a server the bot is not in (said once)

    @staticmethod
    def shard_options(settings: Settings) -> dict[str, Any]:
        """Return discord.py's shard arguments (ShardedEpisodeBot's; none for one connection)."""
        return {}

    @property
    def syncs_commands(self) -> bool:
        """Tell whether this process registers the commands: the one holding shard 0, or the only one."""
        shards = self.settings.shards
        return shards is None or shards.primary

    async def login(self, token: str) -> None:
        """Log in at the configured API, then take the gateway address from that same API."""
        gateway.use_api_base(self.settings.api_base_url, custom=self.settings.api_base_is_custom)
        await super().login(token)
        if self.settings.api_base_is_custom:
            await gateway.adopt_gateway(self.http)

    async def setup_hook(self) -> None:
        """Load every extension, register paging buttons and sync commands if they changed."""
        for name in self.extension_names:
            await self.load_extension(name)
        self.add_dynamic_items(PageButton)
        if self.sync_mode == "force" or (self.sync_mode == "auto" and self.syncs_commands):
            await self.sync_commands(force=self.sync_mode == "force")
        elif self.sync_mode == "auto":
            log.info("Slash commands are synced by the process holding shard 0; not syncing here")
        if self.updater is not None:
            self._updates = asyncio.create_task(self.updater.run(), name="data-updates")
            self._heartbeat = asyncio.create_task(self._beat(), name="heartbeat")

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync the command tree when it changed since the last sync (or always when forced)."""
        try:
            return await sync_commands(
                self.tree, self.db, self.settings.dev_guild_id, self.settings.api_base_url, force=force
            )
        except discord.HTTPException as exc:
            if force:
                raise
            guild_id = self.settings.dev_guild_id
            if isinstance(exc, discord.Forbidden) and guild_id is not None:
                # Discord answers 403 Missing Access for a server the bot is not in: say which
                # setting, and register the commands there once it joins (on_guild_join).
                self.dev_guild_missing = True
                log.error("%s", invite.dev_guild_missing(guild_id, self.application_id))
                return False
            # The previous commands stay registered; the hash is unchanged, so the next start retries.
            log.error("Could not sync slash commands (%s); serving the previously synced ones", exc)
            return False

    async def on_message(self, message: discord.Message, /) -> None:
        """Ignore messages here; the ask cog answers mentions and there are no prefix commands."""

    async def on_connect(self) -> None:
        """Note that the gateway session is up (READY received)."""
        self.connected.set()

    async def on_ready(self) -> None:
        """Log who we are once connected (this fires again after every reconnect), and what is missing."""
        shards = self.settings.shards
        log.info(
            "Connected as %s (id %s) to %d servers%s",
            self.user,
            self.user and self.user.id,
            len(self.guilds),
            f" on shards {shards.describe()}" if shards else "",
        )
        guild_id = self.settings.dev_guild_id
        # Another process's shards' servers are not seen here: only judge the ones this one holds.
        if guild_id is not None and (shards is None or shards.owns(guild_id)):
            if self.get_guild(guild_id) is None and not self.dev_guild_missing:
                self.dev_guild_missing = True
                log.error("%s", invite.dev_guild_missing(guild_id, self.application_id))
            elif self.get_guild(guild_id) is not None and self.dev_guild_missing:
                await self._sync_in_dev_guild()  # it joined while the session started
        if not self.guilds and self.application_id is not None and (shards is None or shards.complete):
            log.warning(
                "The bot is in no server yet. Invite it (scopes bot and applications.commands, "
                "the permissions it uses): %s",
                invite.invite_url(self.application_id),
            )

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Log the new server; register the commands there if it is the DEV_GUILD_ID server at last."""
        log.info("Joined server %s (id %s)", guild.name, guild.id)
        if guild.id == self.settings.dev_guild_id and self.dev_guild_missing:
            await self._sync_in_dev_guild()

    async def _sync_in_dev_guild(self) -> None:
        self.dev_guild_missing = False
        if await self.sync_commands():
            log.info("The bot is in the DEV_GUILD_ID server now; its commands are registered there")

    async def on_app_command_completion(self, interaction: discord.Interaction, command: AnyCommand) -> None:
        """Log the served line of a command that answered without an error."""
        served.record_interaction(interaction, "ok")

    async def _beat(self) -> None:
        """Record, every HEARTBEAT_INTERVAL_S, that the gateway session is up (`doctor --quick` reads it)."""
        await self.wait_until_ready()
        while True:
            if self.is_ready() and not self.is_closed():
                try:
                    await self.db.set_state(heartbeat_key(self.settings), str(int(time.time())))
                except sqlite3.Error as exc:  # a busy or full disk: the next beat tries again
                    log.warning("Could not record the heartbeat: %s", exc)
            await asyncio.sleep(HEARTBEAT_INTERVAL_S)

    def admit(self) -> bool:
        """Count the current task as in-flight work (an interaction); False once shutting down."""
        if self.stopping:
            return False
        task = asyncio.current_task()
        if task is not None and task not in self._in_flight:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return True

    async def close(self) -> None:
        """Shut down: take no new interactions, give those under way up to 3 s, then disconnect.

        The update loop and the heartbeat stop meanwhile (an ingest under way stops at once); cogs
        stop their own loops as they unload. Nothing uses the database once this returns.
        """
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if not self.stopping:
            self.stopping = True
            self.kb.stop_embedding()  # a passage embedding under way ([semantic] extra) ends within 0.5 s
            await asyncio.gather(self._finish_in_flight(), self.stop_updates())
        gateway.stop_waiting_for_guilds(self)
        await super().close()
        gateway.stop_waiting_for_guilds(self)  # a READY that came in while the connection closed

    async def _finish_in_flight(self) -> None:
        """Wait up to IN_FLIGHT_GRACE_S for interactions under way, then cancel what is left."""
        running = {task for task in self._in_flight if not task.done() and task is not asyncio.current_task()}
        if not running:
            return
        _done, late = await asyncio.wait(running, timeout=IN_FLIGHT_GRACE_S)
        if late:
            log.warning(
                "%d interaction(s) still running after %.0f s; cancelled", len(late), IN_FLIGHT_GRACE_S
            )
            for task in late:
                task.cancel()
            await asyncio.wait(late, timeout=0.5)

    async def stop_updates(self) -> None:
        """Cancel the update loop and wait briefly for it (an ingest under way stops at once)."""
        task, self._updates = self._updates, None
        if task is None or task.done():
            return
        task.cancel()
        _done, pending = await asyncio.wait({task}, timeout=UPDATER_STOP_TIMEOUT_S)
        if pending:
            log.warning("The update loop did not stop in time")


class ShardedEpisodeBot(EpisodeBot, commands.AutoShardedBot):
    """The same bot over the shards SHARD_COUNT and SHARD_IDS name (several processes may share a bot)."""

    @staticmethod
    def shard_options(settings: Settings) -> dict[str, Any]:
        """Return the total and this process's shards, for discord.py's AutoShardedBot."""
        if settings.shards is None:
            raise ValueError("ShardedEpisodeBot needs SHARD_COUNT")
        return {"shard_count": settings.shards.count, "shard_ids": list(settings.shards.ids)}

    async def on_connect(self) -> None:
        """Count as connected only once every shard of this process is (see on_shard_connect)."""

    async def on_shard_connect(self, shard_id: int) -> None:
        """Note a shard's READY; the bot is connected once all of this process's shards are."""
        self.connected_shards.add(shard_id)
        held = self.settings.shards.ids if self.settings.shards else ()
        if self.connected_shards.issuperset(held):
            self.connected.set()


def build_bot(settings: Settings, db: Database, kb: KnowledgeBase, **options: Any) -> EpisodeBot:
    """Return the bot for these settings: sharded when SHARD_COUNT is set, else one connection."""
    bot_class = EpisodeBot if settings.shards is None else ShardedEpisodeBot
    return bot_class(settings, db, kb, **options)
