"""`episode-bot doctor`: check every setting and what it points at, and say how to fix each problem.

Each check ends `ok`, `note` (worth knowing, nothing to fix) or `PROBLEM` (the bot cannot serve
as it should until it is fixed); the exit code is 0 only when no check found a problem. `--quick`
is the container health check: no network and no full read of the database, only whether the
settings are usable, the database opens, and a running bot recorded a live gateway session within
the last HEALTHY_WITHIN_S seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import aiohttp

from bot.app import invite
from bot.app.client import HEARTBEAT_INTERVAL_S, heartbeat_key
from bot.app.reach import describe
from bot.app.sync import target_key
from bot.config import SETUP_HINT, TOKEN_SHAPE, Settings
from bot.errors import DataError
from bot.feeds.cache import cache_root
from bot.feeds.feedlist import feeds_path, read_feeds
from bot.ingest.files import walk
from bot.knowledge import LAST_INGEST_KEY
from bot.storage.database import load_migrations
from bot.storage.integrity import integrity_problems
from bot.text import plural

Status = Literal["ok", "note", "PROBLEM"]
HEALTHY_WITHIN_S = 3 * HEARTBEAT_INTERVAL_S
REQUEST_TIMEOUT_S = 10.0
GUILD_PAGE = 200  # servers per GET /users/@me/guilds answer (Discord's most)
LABEL_WIDTH = 10


@dataclass
class Check:
    """One thing checked: its status and the lines that explain it."""

    name: str
    status: Status = "ok"
    lines: list[str] = field(default_factory=list)

    def say(self, line: str, status: Status | None = None) -> None:
        """Add a line; a worse status replaces a better one."""
        self.lines.append(line)
        if status is not None and _RANK[status] > _RANK[self.status]:
            self.status = status


_RANK = {"ok": 0, "note": 1, "PROBLEM": 2}


def run(settings: Settings, *, quick: bool) -> tuple[int, list[str]]:
    """Run the checks; return 0 when none found a problem (else 1) and the lines to print.

    The quick mode prints only its problems, one line each, for `docker inspect` to show.
    """
    checks = quick_checks(settings) if quick else asyncio.run(full_checks(settings))
    bad = [c for c in checks if c.status == "PROBLEM"]
    if quick:
        return (1 if bad else 0), [f"unhealthy: {c.name}: {c.lines[-1]}" for c in bad]
    lines = [render(check) for check in checks]
    lines.append(f"\n{len(bad)} problem{'s' if len(bad) != 1 else ''} found." if bad else "\nAll is well.")
    return (1 if bad else 0), lines


def render(check: Check) -> str:
    """Return a check as `STATUS  name  first line`, further lines indented under the first."""
    head = f"{check.status:<8}{check.name:<{LABEL_WIDTH}}"
    lines = check.lines or [""]
    rest = [" " * len(head) + line for line in lines[1:]]
    return "\n".join([head + lines[0], *rest])


def quick_checks(settings: Settings) -> list[Check]:
    """Return the health check's findings: token shape, database, recent gateway session."""
    token = check_token(settings)
    database = Check("database")
    heartbeat = Check("bot")
    with _read_only(settings.database_path, database) as conn:
        if conn is not None:
            _check_schema(conn, database)
            _check_heartbeat(conn, heartbeat_key(settings), heartbeat, required=True)
    if not settings.database_path.exists():
        heartbeat.say("no database yet: the bot has not started", "PROBLEM")
    return [token, database, heartbeat]


async def full_checks(settings: Settings) -> list[Check]:
    """Return every check, the network ones included."""
    token = check_token(settings)
    database, heartbeat, data = Check("database"), Check("bot"), Check("data")
    state: dict[str, str] = {}
    outside: list[str] = []
    with _read_only(settings.database_path, database) as conn:
        if conn is not None:
            _check_schema(conn, database)
            _check_writable(settings.database_path, database)
            _check_integrity(conn, database)
            state = _bot_state(conn)
            _check_heartbeat(conn, heartbeat_key(settings), heartbeat, required=False)
            _count_episodes(conn, database)
            outside = _loaded_elsewhere(conn, settings)
    _check_data(settings.data_dir, state, data)
    _say_loaded_elsewhere(outside, data)
    checks = [token]
    app_id = invite.application_id_from_token(settings.token or "") if token.status == "ok" else None
    if token.status == "ok" and settings.token:
        discord_check, commands, app_id = await check_discord(settings, settings.token, state)
        checks += [discord_check, commands]
    checks += [database, data, check_feeds(settings), heartbeat]
    link = Check("invite")
    if app_id is None:
        link.say("needs a valid DISCORD_TOKEN (the link carries the application id)", "note")
    else:
        link.say(invite.invite_url(app_id))
        link.say("scopes bot and applications.commands; `episode-bot invite` says why each permission")
    return [*checks, link]


def check_token(settings: Settings) -> Check:
    """Check that DISCORD_TOKEN is set and shaped like a bot token (never showing it)."""
    check = Check("token")
    token = settings.token
    if not token:
        check.say(f"DISCORD_TOKEN is not set: {SETUP_HINT}.", "PROBLEM")
    elif not TOKEN_SHAPE.match(token):
        check.say("DISCORD_TOKEN does not look like a bot token (three dot-separated parts,", "PROBLEM")
        check.say(f"no quotes or spaces): {SETUP_HINT}.")
    else:
        app_id = invite.application_id_from_token(token)
        where = f"application {app_id}" if app_id else "its first part names no application id"
        check.say(f"DISCORD_TOKEN is shaped like a bot token ({where})")
    return check


# Discord


async def check_discord(
    settings: Settings, token: str, state: dict[str, str]
) -> tuple[Check, Check, int | None]:
    """Check that the API answers and accepts the token, the servers, and the registered commands."""
    api = Check("discord")
    commands = Check("commands")
    app_id = invite.application_id_from_token(token)
    headers = {"Authorization": f"Bot {token}"}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    base = settings.api_base_url
    try:
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            me = await _get(session, f"{base}/users/@me")
            if me.status == 401:
                api.say(
                    f"{base} rejected DISCORD_TOKEN (401): reset it in the developer portal "
                    "(your application > Bot > Reset Token) and update .env",
                    "PROBLEM",
                )
                commands.say("not checked: the token was rejected", "note")
                return api, commands, app_id
            if me.status != 200:
                api.say(f"{base} answered {me.status} to GET /users/@me", "PROBLEM")
                commands.say("not checked", "note")
                return api, commands, app_id
            api.say(f"{base} answers: logged in as {me.body.get('username')} (id {me.body.get('id')})")
            app = await _get(session, f"{base}/oauth2/applications/@me")
            if app.status == 200:
                app_id = int(app.body.get("id", app_id or 0)) or app_id
                _describe_application(app.body, api)
            guilds = await _get(session, f"{base}/users/@me/guilds")
            guild_ids = {int(g["id"]) for g in guilds.body} if guilds.status == 200 else set()
            _check_servers(settings, guild_ids, app_id, api)
            if app_id is not None:
                await _check_commands(session, settings, app_id, state, commands)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        why = f"no answer within {REQUEST_TIMEOUT_S:g} s" if isinstance(exc, TimeoutError) else describe(exc)
        api.say(f"cannot reach Discord at {base} ({why})", "PROBLEM")
        api.say("check the network, a firewall or proxy, or DISCORD_API_BASE_URL if you set it")
        commands.say("not checked: Discord did not answer", "note")
    return api, commands, app_id


@dataclass
class _Answer:
    status: int
    body: Any


async def _get(session: aiohttp.ClientSession, url: str) -> _Answer:
    async with session.get(url) as response:
        try:
            body = await response.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            body = None
        return _Answer(response.status, body if body is not None else {})


def _describe_application(app: dict[str, Any], api: Check) -> None:
    if app.get("bot_public"):
        api.say(
            "Public Bot is on: anyone with the invite link can add it to their server (turn it off "
            "under Bot > Public Bot to keep it to servers you manage)",
            "note",
        )
    else:
        api.say("Public Bot is off: only you (the application's owner) can add it to servers")


def _check_servers(settings: Settings, guild_ids: set[int], app_id: int | None, api: Check) -> None:
    count = len(guild_ids)
    # Discord lists at most GUILD_PAGE servers per call: a full page means "at least", and a
    # DEV_GUILD_ID missing from it may be on a later page.
    full = count >= GUILD_PAGE
    if count == 0:
        link = invite.invite_url(app_id) if app_id else "`episode-bot invite`"
        api.say(f"the bot is in no server yet: invite it with {link}", "PROBLEM")
    else:
        api.say(f"the bot is in {'at least ' if full else ''}{count} server{'s' if count != 1 else ''}")
    dev = settings.dev_guild_id
    if dev is not None and count and dev not in guild_ids and not full:
        api.say(invite.dev_guild_missing(dev, app_id), "PROBLEM")


async def _check_commands(
    session: aiohttp.ClientSession, settings: Settings, app_id: int, state: dict[str, str], check: Check
) -> None:
    """Say which commands Discord holds globally and in DEV_GUILD_ID, and whether they belong there."""
    base = f"{settings.api_base_url}/applications/{app_id}"
    listed = await _get(session, f"{base}/commands")
    global_names = sorted(c.get("name", "?") for c in listed.body) if listed.status == 200 else []
    dev = settings.dev_guild_id
    guild_names: list[str] = []
    if dev is not None:
        in_guild = await _get(session, f"{base}/guilds/{dev}/commands")
        guild_names = sorted(c.get("name", "?") for c in in_guild.body) if in_guild.status == 200 else []
    where, names = ("every server (global)", global_names)
    if dev is not None:
        where, names = f"server {dev} (DEV_GUILD_ID)", guild_names
    if names:
        check.say(f"{len(names)} registered for {where}: {', '.join(names)}")
    else:
        check.say(
            f"none registered for {where}: start the bot (it registers them) or run `episode-bot sync`",
            "PROBLEM",
        )
    if dev is not None and global_names:
        check.say(
            f"also {len(global_names)} registered globally: members of server {dev} see each command twice "
            "until you unset DEV_GUILD_ID (or remove the global ones)",
            "note",
        )
    if names and target_key(dev) not in state:
        check.say("this database never synced them there: the next start compares, syncs if needed", "note")


# Local state: database, data, feeds, the running bot


@contextmanager
def _read_only(path: Path, check: Check) -> Iterator[sqlite3.Connection | None]:
    """Yield a read-only connection to the database, or None after saying why there is none."""
    if str(path) == ":memory:" or path.is_dir():
        check.say(f"DATABASE_PATH {path} must be a file, such as episode-bot.db", "PROBLEM")
        yield None
        return
    if not path.exists():
        check.say(f"{path} does not exist yet: the bot creates it at its first start", "note")
        yield None
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        check.say(f"DATABASE_PATH {path} cannot be read as an SQLite database ({exc})", "PROBLEM")
        yield None
        return
    with closing(conn):
        check.say(f"{path} ({_size(path)})")
        yield conn


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


def _check_schema(conn: sqlite3.Connection, check: Check) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    known = len(load_migrations())
    if version > known:
        check.say(
            f"schema version {version} is newer than this code knows ({known}): update episode-bot",
            "PROBLEM",
        )
    elif version < known:
        check.say(f"schema version {version} of {known}: the next start applies the rest", "note")
    else:
        check.say(f"migrations current (schema version {version})")


def _check_writable(path: Path, check: Check) -> None:
    if not os.access(path, os.R_OK | os.W_OK):
        check.say(f"{path} is read-only: the bot must be able to read and write it", "PROBLEM")
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        check.say(f"cannot write in {path.parent}, where SQLite keeps its -wal and -shm files", "PROBLEM")
    else:
        check.say("writable by this user")


def _check_integrity(conn: sqlite3.Connection, check: Check) -> None:
    try:
        problems = integrity_problems(conn, quick=True, limit=5)
    except sqlite3.Error as exc:
        problems = [str(exc)]
    if not problems:
        check.say("integrity: ok")
    else:
        check.say(f"integrity check failed: {'; '.join(problems)[:300]}", "PROBLEM")
        check.say("restore a backup (`episode-bot backup` makes them) or rebuild from the data files")


def _bot_state(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = conn.execute(
            "SELECT key, value FROM bot_state WHERE key = ? OR key LIKE 'commands_synced:%'",
            (LAST_INGEST_KEY,),
        ).fetchall()
    except sqlite3.Error:
        return {}
    return {key: value for key, value in rows if value is not None}


def _count_episodes(conn: sqlite3.Connection, check: Check) -> None:
    try:
        episodes = conn.execute("SELECT count(*) FROM episodes").fetchone()[0]
    except sqlite3.Error:
        return
    check.say(f"holds {episodes} episode{'s' if episodes != 1 else ''}")


def _check_heartbeat(conn: sqlite3.Connection, key: str, check: Check, *, required: bool) -> None:
    try:
        row = conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        row = None
    beat = row[0] if row else None
    age = time.time() - int(beat) if beat and beat.isdigit() else None
    if age is not None and age <= HEALTHY_WITHIN_S:
        check.say(f"a running bot had its gateway session up {age:.0f} s ago")
    elif age is not None:
        check.say(f"no live gateway session recorded for {_ago(age)}", "PROBLEM" if required else "note")
    else:
        check.say("no running bot has recorded a gateway session yet", "PROBLEM" if required else "note")


def _ago(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds:.0f} s"


def _check_data(data_dir: Path, state: dict[str, str], check: Check) -> None:
    if not data_dir.is_dir():
        check.say(
            f"DATA_DIR {data_dir} is not a directory: point it at your episode files "
            '(README, "Use your own show")',
            "PROBLEM",
        )
    else:
        found = walk([data_dir])
        pages = sum(s.page is not None for s in found.sources)
        metas = sum(s.meta is not None for s in found.sources)
        check.say(
            f"{data_dir}: {plural(len(found.sources), 'episode')} "
            f"({plural(pages, 'page')}, {plural(metas, 'metadata file')})",
            None if found.sources or feeds_path(data_dir).exists() else "PROBLEM",
        )
        for problem in found.problems[:5]:
            check.say(f"cannot read: {problem}", "PROBLEM")
    _last_ingest(state.get(LAST_INGEST_KEY), check)


def _loaded_elsewhere(conn: sqlite3.Connection, settings: Settings) -> list[str]:
    """Return the sources of stored episodes neither under DATA_DIR nor from a followed feed."""
    folders = (settings.data_dir, cache_root(settings.database_path))
    # Sources are stored resolved; a DATA_DIR reached through a link is compared both ways.
    roots = tuple(
        os.path.join(way(folder), "") for folder in folders for way in (os.path.abspath, os.path.realpath)
    )
    try:
        sources = [row[0] for row in conn.execute("SELECT source FROM episodes ORDER BY source")]
    except sqlite3.Error:
        return []
    return [source for source in sources if not os.path.abspath(source).startswith(roots)]


def _say_loaded_elsewhere(sources: list[str], check: Check) -> None:
    # An earlier DATA_DIR (the sample's data/, say) or `episode-bot ingest` of another folder: the
    # bot serves these, but loading DATA_DIR never removes them.
    if not sources:
        return
    count = len(sources)
    check.say(
        f"{count} episode{'s' if count != 1 else ''} in the database came from outside DATA_DIR, "
        f"e.g. {sources[0]}; to drop them, delete their files and run `episode-bot ingest FOLDER` "
        "on the folder they came from",
        "note",
    )


def _last_ingest(raw: str | None, check: Check) -> None:
    if raw is None:
        check.say("no ingest recorded yet: the bot loads DATA_DIR at every start", "note")
        return
    try:
        last = json.loads(raw)
        age = time.time() - int(last["at"])
        counts = f"{last['loaded']} loaded, {last['unchanged']} unchanged, {last['removed']} removed"
        failed = int(last["failed"])
    except (ValueError, KeyError, TypeError):
        check.say("the last ingest's record is unreadable", "note")
        return
    check.say(f"last ingest {_ago(age)} ago: {counts}, {failed} failed")
    if failed:
        files = f"{failed} file{'s' if failed != 1 else ''}"
        check.say(f"{files} did not load (`episode-bot ingest` says why):", "PROBLEM")
        check.lines += [f"  {line}" for line in last.get("failures", [])]


def check_feeds(settings: Settings) -> Check:
    """Read feeds.toml when present and say how each feed's last read went."""
    check = Check("feeds")
    path = feeds_path(settings.data_dir)
    if not path.exists():
        check.say(f"none ({path} does not exist; `episode-bot feeds add URL` follows a podcast feed)")
        return check
    try:
        feeds = read_feeds(path)
    except DataError as exc:
        check.say(f"{exc}", "PROBLEM")
        return check
    states = _feed_states(settings.database_path)
    check.say(f"{len(feeds)} in {path}")
    for feed in feeds:
        state = states.get(feed.url)
        if state is None:
            check.say(f"{feed.url}: not read yet (the running bot reads it within minutes)", "note")
        elif state["ok"]:
            read = _ago(time.time() - (state["last_fetch"] or 0))
            check.say(f"{feed.url}: {state['items']} items, last read {read} ago")
        else:
            check.say(f"{feed.url}: the last {state['failures']} reads failed: {state['result']}", "PROBLEM")
    return check


def _feed_states(database: Path) -> dict[str, dict[str, Any]]:
    if not database.is_file():
        return {}
    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as conn:
            rows = conn.execute("SELECT url, ok, failures, result, items, last_fetch FROM feeds").fetchall()
    except sqlite3.Error:
        return {}
    keys = ("ok", "failures", "result", "items", "last_fetch")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}
