"""The emulator: one aiohttp server on 127.0.0.1 holding the world, the records and the faults."""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import functools
import logging
import secrets
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.emulator import gateway, limits
from tests.emulator import model as m
from tests.emulator.driver import Driver
from tests.emulator.rest import INTERACTION_DEFAULT_PARSE, PREFIX, Rest, error, message_flags, rate_limited
from tests.emulator.world import World

log = logging.getLogger("emulator")
T = TypeVar("T")
FAULT_MESSAGES = {50013: "Missing Permissions", 50001: "Missing Access", 10003: "Unknown Channel",
                  10008: "Unknown Message", 0: "500: Internal Server Error"}  # fmt: skip
POLL_S = 0.02
MAX_GUILDS_PER_SHARD = 2500  # Discord closes a session with more with 4011 (sharding required)
UNAUTHENTICATED = ("/interactions/", "/webhooks/")  # these carry their own token in the URL
MESSAGE_BODY = (("content", ""), ("embeds", []), ("components", []), ("mentions", []))


@dataclass
class Fault:
    """An injected failure for one route, answered `times` times before the route works again."""

    route: str
    status: int
    code: int = 0
    retry_after: float = 0.0
    times: int = 1
    params: dict[str, str] = field(default_factory=dict)
    after: bool = False  # the request takes effect, yet the answer is the error (a lost response)
    hits: int = 0

    def response(self) -> web.Response:
        """Build the error answer."""
        if self.status == 429:
            return rate_limited(self.retry_after)
        return error(self.status, self.code, FAULT_MESSAGES.get(self.code, f"{self.status} error"))


@dataclass
class Delay:
    """A slow route: its next `times` requests are answered only after `seconds`."""

    route: str
    seconds: float
    times: int = 1
    params: dict[str, str] = field(default_factory=dict)
    hits: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set when a slowed request came in


class Emulator(World, Driver):
    """A local Discord for tests: REST v10 and the gateway for one bot application."""

    def __init__(self, *, privileged_intents: int = 0, deadline: float = 3.0, shards: int = 1,
                 max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD, port: int = 0) -> None:  # fmt: skip
        """`shards` is the count GET /gateway/bot recommends; a session holding more than
        `max_guilds_per_shard` guilds is refused with 4011 (sharding required), as on Discord.
        `port` 0 listens on any free port."""
        self.app_id = self.bot_user_id = m.snowflake()
        self.bot_user = m.user_payload(self.bot_user_id, "episode-bot", bot=True)
        self.owner_user = m.user_payload(m.snowflake(), "server-owner")
        user_part = base64.urlsafe_b64encode(str(self.bot_user_id).encode()).decode().rstrip("=")
        self.token = f"{user_part}.Emu{secrets.token_hex(2)}.{secrets.token_urlsafe(27)}"
        self.privileged_intents, self.deadline = privileged_intents, deadline
        self.shard_count, self.max_guilds_per_shard = shards, max_guilds_per_shard
        self.guilds: dict[int, Any] = {}
        self.channels: dict[int, m.Channel] = {}  # every guild's channels by id
        self.nonces: dict[tuple[int, str], m.Message] = {}  # (channel id, nonce) of the bot's posts
        self.messages: dict[int, m.Message] = {}
        self.posts: list[m.Message] = []  # messages the bot created with POST /channels/{id}/messages
        self.interactions: dict[int, m.Interaction] = {}
        self.by_token: dict[str, m.Interaction] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.violations: list[dict[str, Any]] = []
        self.leaks: list[dict[str, Any]] = []
        self.gaps: list[str] = []  # routes it lacks and its own errors
        self.requests: list[tuple[str, int]] = []  # ("POST /channels/{channel_id}/messages", status)
        self.faults: list[Fault] = []
        self.delays: list[Delay] = []
        self.gateway_log: list[tuple[str, Any]] = []
        self.sessions: list[gateway.Session] = []
        self.sockets: set[web.WebSocketResponse] = set()
        self.dropped: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()  # closed by us
        self.gateway_handler = functools.partial(gateway.handle, self)
        self._changed = asyncio.Event()
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._runner: web.AppRunner | None = None
        self.port = port  # 0: any free port, known once started

    async def start(self) -> Emulator:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(Rest(self).routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close every gateway socket and the server."""
        for timer in self._timers.values():
            timer.cancel()
        await self.drop_connection(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Return the REST base, the value for DISCORD_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Return the gateway address that /gateway/bot and READY hand out."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def gateway_bot(self) -> dict[str, Any]:
        """Build the GET /gateway/bot answer."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit}

    def shard_too_large(self, count: int) -> bool:
        """Tell whether splitting the guilds into `count` shards leaves one with too many (4011)."""
        per_shard = collections.Counter((guild_id >> 22) % count for guild_id in self.guilds)
        return max(per_shard.values(), default=0) > self.max_guilds_per_shard

    def my_guilds(self) -> list[dict[str, Any]]:
        """Build the GET /users/@me/guilds answer: the servers the bot is in, as partial guilds."""
        return [{"id": str(g.id), "name": g.name, "icon": None, "owner": False, "permissions": "0",
                 "features": []} for g in self.guilds.values()]  # fmt: skip

    def app_info(self) -> dict[str, Any]:
        """Build the GET /oauth2/applications/@me answer."""
        app = {"id": str(self.app_id), "name": "episode-bot", "owner": self.owner_user, "bot": self.bot_user}
        return m.APPLICATION | app

    # -- records -------------------------------------------------------------------------------
    def notify(self) -> None:
        """Wake every waiter: something changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], T], within: float = 5.0, what: str = "a condition",
                         ) -> T:  # fmt: skip
        """Return predicate()'s first truthy value, re-checked on every change; fail after `within` s."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while not (result := predicate()):
            remaining = end - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {within} s waiting for {what}")
            # Also poll: the predicate may read the bot's state, which changes without telling us.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, POLL_S))
        return result

    def record_violation(self, where: str, code: int, errors: dict[str, Any], body: Any) -> None:
        """Keep a rejected request for the end-of-test check."""
        log.warning("Discord would reject %s with code %s: %s", where, code, errors)
        self.violations.append({"where": where, "code": code, "errors": errors, "body": body})

    def take_violations(self) -> list[dict[str, Any]]:
        """Return and forget the violations (for tests that provoke them on purpose)."""
        taken, self.violations = self.violations, []
        return taken

    def take_leaks(self) -> list[dict[str, Any]]:
        """Return and forget the recorded mention leaks."""
        taken, self.leaks = self.leaks, []
        return taken

    def assert_clean(self) -> None:
        """Fail if any violation, mention leak or unknown route was recorded (and forget them)."""
        problems = [f"{v['where']}: code {v['code']}: {v['errors']}" for v in self.take_violations()]
        problems += [f"mention leak ({', '.join(x['kinds'])}): {x['content']!r}" for x in self.take_leaks()]
        problems += [f"emulator gap: {gap}" for gap in self.gaps]
        self.gaps = []
        assert not problems, "the emulator recorded problems:\n" + "\n".join(problems)

    # -- faults --------------------------------------------------------------------------------
    def fail(self, route: str, status: int, code: int = 0, *, times: int = 1, after: bool = False,
             **params: Any) -> Fault:  # fmt: skip
        """Answer `route` (e.g. "POST /channels/{channel_id}/messages") with an error `times` times.

        `params` narrow it to some ids (channel_id=...). With `after`, the request still takes
        effect and only the answer is lost, as when Discord times out after writing.
        """
        narrowed = {k: str(v) for k, v in params.items()}
        fault = Fault(route, status, code, times=times, after=after, params=narrowed)
        self.faults.append(fault)
        return fault

    def rate_limit(self, route: str, retry_after: float = 0.05, *, times: int = 1, **params: Any) -> Fault:
        """Answer `route` with 429 and `retry_after` seconds, `times` times."""
        fault = self.fail(route, 429, times=times, **params)
        fault.retry_after = retry_after
        return fault

    def slow(self, route: str, seconds: float, *, times: int = 1, **params: Any) -> Delay:
        """Answer `route` only after `seconds`, `times` times (`delay.arrived` tells one came in).

        The request takes effect when the wait is over, as with a slow Discord; a client that
        gives up meanwhile (closes its connection) never gets it done.
        """
        delay = Delay(route, seconds, times=times, params={k: str(v) for k, v in params.items()})
        self.delays.append(delay)
        return delay

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = f"{request.method} {(resource.canonical if resource else request.path).removeprefix(PREFIX)}"
        delay = _matching(self.delays, route, request)
        if delay is not None:
            delay.arrived.set()
            await asyncio.sleep(delay.seconds)
        fault = self._fault(route, request)
        response = self._unauthorized(request) or (fault.response() if fault and not fault.after else None)
        try:
            response = response or await handler(request)
        except ConnectionResetError:
            raise  # the client hung up (e.g. a bot closed mid-request): no answer to give, no emulator gap
        except Exception as exc:  # an emulator bug: answer 400, since discord.py retries a 500 for 25 s
            log.exception("EMULATOR BUG on %s", route)
            self.gaps.append(f"emulator error on {route}: {exc!r}")
            response = error(400, 0, f"emulator error: {exc!r}")
        if fault and fault.after:
            response = fault.response()
        self.requests.append((route, response.status))
        return response

    def _fault(self, route: str, request: web.Request) -> Fault | None:
        return _matching(self.faults, route, request)

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        path = request.path
        if not path.startswith(PREFIX) or any(p in path for p in UNAUTHENTICATED):
            return None
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return error(401, 0, "401: Unauthorized")
        return None

    # -- messages and interaction answers ------------------------------------------------------
    async def new_message(self, channel_id: Any, body: dict[str, Any], ix: m.Interaction | None,
                          default_parse: tuple[str, ...] | None, *, author: dict[str, Any] | None = None,
                          loading: bool = False) -> m.Message:  # fmt: skip
        """Store a new message and tell the bot about it (unless only one user can see it)."""
        data = m.MESSAGE | {"id": str(m.snowflake()), "channel_id": str(channel_id), "timestamp": m.now_iso()}
        data |= {"author": author or self.bot_user, "flags": message_flags(body, loading=loading)}
        data |= {key: body.get(key) or empty for key, empty in MESSAGE_BODY}
        if body.get("nonce"):
            data["nonce"] = body["nonce"]
        if body.get("message_reference"):
            ref = {"channel_id": channel_id} | body["message_reference"]
            data["message_reference"] = {k: str(v) for k, v in ref.items() if k.endswith("_id")} | {"type": 0}
            data["type"] = 19
        if ix is not None:
            data |= {"webhook_id": str(self.app_id), "application_id": str(self.app_id)}
            user = ix.payload["member"]["user"]
            data["interaction_metadata"] = {"id": str(ix.id), "type": ix.type, "user": user}
            if ix.original is None and ix.type == 2:  # the initial response names its command type
                data["type"] = 20 if ix.payload["data"].get("type", 1) == 1 else 23
        msg = m.Message(data, body.get("allowed_mentions"), ix.id if ix else None)
        self.messages[msg.id] = msg
        if default_parse is not None and not loading:
            self._check_leaks(msg, body, default_parse)
        if not msg.ephemeral:
            await self.dispatch_message(msg)
        self.notify()
        return msg

    def _check_leaks(self, msg: m.Message, body: dict[str, Any], default_parse: tuple[str, ...]) -> None:
        kinds = limits.mention_leaks(body, default_parse)
        if kinds:
            log.warning("message %s could ping %s", msg.id, kinds)
            self.leaks.append({"message": msg.id, "kinds": kinds, "content": msg.content})

    async def edit_message(self, msg: m.Message, body: dict[str, Any], ix: m.Interaction | None) -> m.Message:
        """Apply an edit; filling in a deferred (loading) response counts as sending it."""
        if msg.loading:
            self._check_leaks(msg, body, INTERACTION_DEFAULT_PARSE)
            msg.data["flags"] &= ~m.LOADING
        for key, empty in MESSAGE_BODY[:3]:
            if key in body:
                msg.data[key] = body[key] or empty
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        msg.data["edited_timestamp"] = m.now_iso()
        msg.edits += 1
        if ix is not None:
            ix.completed = True
        self.notify()
        return msg

    async def answer(self, ix: m.Interaction, kind: int, data: dict[str, Any]) -> m.Message | None:
        """Apply an accepted initial response; return the message it created or updated."""
        ix.latency = time.monotonic() - ix.created  # set first: it marks the interaction acknowledged
        self._timers.pop(ix.id).cancel()
        channel_id, msg = ix.payload["channel_id"], None
        if kind == 4:
            msg = ix.original = await self.new_message(channel_id, data, ix, INTERACTION_DEFAULT_PARSE)
        elif kind == 5:
            body = {"flags": int(data.get("flags") or 0) & m.EPHEMERAL}
            msg = ix.original = await self.new_message(channel_id, body, ix, None, loading=True)
        elif kind in (6, 7):
            ix.original = self.messages[int(ix.payload["message"]["id"])]
            if kind == 7:
                msg = await self.edit_message(ix.original, data, None)
        elif kind == 8:
            ix.choices = data.get("choices") or []
        ix.response_type = kind  # last: waiters read the answer once this is set
        self.notify()
        return msg

    def expire(self, ix: m.Interaction) -> None:
        """Invalidate an interaction nobody answered in time, as Discord does after 3 s."""
        self._timers.pop(ix.id, None)
        if ix.latency is None:
            ix.expired = True
            where = f"interaction {ix.payload['data'].get('name') or ix.payload['data'].get('custom_id')}"
            late = {"deadline": f"no initial response within {self.deadline} s"}
            self.record_violation(where, 10062, late, None)
            self.notify()


def _matching(rules: list[Any], route: str, request: web.Request) -> Any:
    """Return the first fault or delay still due for this request (counting the hit), or None."""
    for rule in rules:
        params_match = all(request.match_info.get(k) == v for k, v in rule.params.items())
        if rule.route == route and rule.hits < rule.times and params_match:
            rule.hits += 1
            return rule
    return None
