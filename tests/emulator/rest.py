"""REST v10: login, commands, interaction callbacks, webhooks (followups) and channel messages."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.emulator import limits
from tests.emulator.model import EPHEMERAL, LOADING, SEND_MESSAGES, VIEW_CHANNEL, Message, snowflake

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

log = logging.getLogger("emulator.rest")
PREFIX = "/api/v10"
INTERACTION_DEFAULT_PARSE = ("users",)  # interaction responses and webhooks parse users by default
CALLBACK_TYPES = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}}


def reply(data: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer JSON with Content-Type exactly `application/json` (discord.py parses nothing else)."""
    if data is None and status == 204:
        return web.Response(status=204, headers=headers)
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=body, status=status, headers=headers)


def error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> web.Response:
    """Answer in Discord's error shape."""
    data: dict[str, Any] = {"message": message, "code": code}
    if errors:
        data["errors"] = errors
    return reply(data, status)


def rate_limited(retry_after: float) -> web.Response:
    """Answer 429 with the Via header that tells discord.py it came from Discord, not Cloudflare."""
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    # Via marks a 429 as Discord's own; without it discord.py assumes a Cloudflare ban and gives up.
    headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after)))}
    return reply(body, 429, headers)


async def read_body(request: web.Request) -> dict[str, Any]:
    """Read a JSON body, or a multipart body's `payload_json` (file contents are read and dropped)."""
    if request.content_type.startswith("multipart/"):
        payload: dict[str, Any] = {}
        reader = await request.multipart()
        async for part in reader:
            raw = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":
                payload = json.loads(raw)
        return payload
    return json.loads(await request.read() or b"{}")


class Rest:
    """Route handlers bound to one emulator."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def routes(self) -> list[web.RouteDef]:
        """List every route, REST under /api/v10 plus the gateway socket."""
        r, p = web, PREFIX
        return [
            r.get(p + "/users/@me", self.fixed(lambda: self.emu.bot_user)),
            r.get(p + "/users/@me/guilds", self.fixed(self.emu.my_guilds)),
            r.get(p + "/oauth2/applications/@me", self.fixed(self.emu.app_info)),
            r.get(p + "/gateway", self.fixed(lambda: {"url": self.emu.gateway_url})),
            r.get(p + "/gateway/bot", self.fixed(self.emu.gateway_bot)),
            r.get(p + "/applications/{application_id}/commands", self.get_commands),
            r.put(p + "/applications/{application_id}/commands", self.put_commands),
            r.get(p + "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            r.put(p + "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            r.post(p + "/interactions/{interaction_id}/{token}/callback", self.callback),
            r.post(p + "/webhooks/{application_id}/{token}", self.followup),
            r.get(p + "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_message),
            r.patch(p + "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_message),
            r.delete(p + "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_message),
            r.get(p + "/channels/{channel_id}", self.get_channel),
            r.post(p + "/channels/{channel_id}/messages", self.create_message),
            r.get(p + "/channels/{channel_id}/messages/{message_id}", self.channel_message),
            r.patch(p + "/channels/{channel_id}/messages/{message_id}", self.channel_message),
            r.delete(p + "/channels/{channel_id}/messages/{message_id}", self.channel_message),
            r.post(p + "/channels/{channel_id}/typing", self.fixed(lambda: None, 204)),
            r.delete(p + "/users/@me/guilds/{guild_id}", self.leave_guild),
            r.get("/gateway", self.emu.gateway_handler),
            r.route("*", "/{tail:.*}", self.unknown),
        ]

    def fixed(self, build: Any, status: int = 200) -> Any:
        """Make a handler that answers `build()` whatever the request."""

        async def handler(_: web.Request) -> web.Response:
            return reply(build(), status)

        return handler

    async def unknown(self, request: web.Request) -> web.Response:
        """Answer a route the emulator lacks with Discord's 404, loudly, so the gap is seen."""
        self.emu.gaps.append(f"no route for {request.method} {request.path}")
        log.error("EMULATOR GAP: no route for %s %s; answering 404", request.method, request.path)
        return error(404, 0, "404: Not Found")

    def invalid(self, request: web.Request, errors: dict[str, Any], body: Any) -> web.Response:
        """Record a limit violation and answer the 400 Discord would send."""
        self.emu.record_violation(f"{request.method} {request.path}", 50035, errors, body)
        return error(400, 50035, "Invalid Form Body", errors)

    async def get_commands(self, request: web.Request) -> web.Response:
        """Return the registered commands (global or one guild's)."""
        return reply(self.emu.commands.get(_guild_key(request), []))

    async def put_commands(self, request: web.Request) -> web.Response:
        """Bulk-overwrite commands, keeping ids of commands that already existed."""
        key, body = _guild_key(request), await read_body(request)
        if key is not None and key not in self.emu.guilds:
            return error(403, 50001, "Missing Access")
        errors = limits.check_commands(body)
        if errors:
            return self.invalid(request, errors, body)
        old = {(c["name"], c.get("type", 1)): c["id"] for c in self.emu.commands.get(key, [])}
        stored = []
        for cmd in body:
            cid = old.get((cmd["name"], cmd.get("type", 1))) or str(snowflake())
            extra = {"guild_id": str(key)} if key else {}
            base = {"description": "", "type": 1, "default_member_permissions": None, "nsfw": False}
            ids = {"id": cid, "application_id": str(self.emu.app_id), "version": str(snowflake())}
            stored.append(base | cmd | extra | ids)
        self.emu.commands[key] = stored
        self.emu.notify()
        return reply(stored)

    async def callback(self, request: web.Request) -> web.Response:
        """Take an interaction's initial response (checking deadline, type and limits)."""
        ix = self.emu.interactions.get(int(request.match_info["interaction_id"]))
        if ix is None or ix.token != request.match_info["token"] or ix.expired:
            return error(404, 10062, "Unknown interaction")
        body = await read_body(request)
        if ix.latency is not None:
            self.emu.record_violation("second initial response", 40060, {}, body)
            return error(400, 40060, "Interaction has already been acknowledged.")
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in CALLBACK_TYPES.get(ix.type, set()):
            bad = limits.Errors()
            bad.add(("type",), "BASE_TYPE_CHOICES", f"Callback type {kind} does not fit this interaction.")
            return self.invalid(request, bad.tree, body)
        errors = limits.check_choices(data) if kind == 8 else limits.check_message(data)
        if errors:
            return self.invalid(request, {"data": errors}, body)
        message = await self.emu.answer(ix, kind, data)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return reply(None, 204)
        info = {"id": str(ix.id), "type": ix.type, "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral)}  # fmt: skip
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            info["response_message_id"] = str(message.id)
            if kind in (4, 7):
                resource["message"] = message.data
        return reply({"interaction": info, "resource": resource})

    def _webhook_interaction(self, request: web.Request) -> Any:
        ix = self.emu.by_token.get(request.match_info["token"])
        if request.match_info["application_id"] != str(self.emu.app_id) or ix is None:
            return None
        return ix if ix.latency is not None else None

    async def followup(self, request: web.Request) -> web.Response:
        """Create a followup (or, right after a defer, fill in the loading message)."""
        ix = self._webhook_interaction(request)
        if ix is None:
            return error(404, 10015, "Unknown Webhook")
        body = await read_body(request)
        errors = limits.check_message(body)
        if errors:
            return self.invalid(request, errors, body)
        if ix.original is not None and ix.original.loading and not ix.original.deleted:
            return reply((await self.emu.edit_message(ix.original, body, ix)).data)
        msg = await self.emu.new_message(ix.payload["channel_id"], body, ix, INTERACTION_DEFAULT_PARSE)
        ix.followups.append(msg)
        ix.completed = True
        self.emu.notify()
        return (
            reply(msg.data) if request.query.get("wait", "1") in ("1", "true", "True") else reply(None, 204)
        )

    async def webhook_message(self, request: web.Request) -> web.Response:
        """GET, PATCH or DELETE the original response or a followup."""
        ix = self._webhook_interaction(request)
        if ix is None:
            return error(404, 10015, "Unknown Webhook")
        mid = request.match_info["message_id"]
        msg = ix.original if mid == "@original" else next((m for m in ix.followups if str(m.id) == mid), None)
        if msg is None or msg.deleted:
            return error(404, 10008, "Unknown Message")
        return await self._message_op(request, msg, ix)

    async def _message_op(self, request: web.Request, msg: Message, ix: Any = None) -> web.Response:
        if request.method == "GET":
            return reply(msg.data)
        if request.method == "DELETE":
            msg.deleted = True
            self.emu.notify()
            return reply(None, 204)
        body = await read_body(request)
        errors = limits.check_message(body)
        if errors:
            return self.invalid(request, errors, body)
        return reply((await self.emu.edit_message(msg, body, ix)).data)

    def _channel(self, request: web.Request, *, send: bool = False) -> tuple[Any, web.Response | None]:
        """Find the route's channel as the bot sees it, or the error Discord answers."""
        channel = self.emu.find_channel(int(request.match_info["channel_id"]))
        if channel is None:
            return None, error(404, 10003, "Unknown Channel")
        perms = self.emu.bot_permissions(channel)
        if not perms & VIEW_CHANNEL:
            return None, error(403, 50001, "Missing Access")
        if send and not perms & SEND_MESSAGES:
            return None, error(403, 50013, "Missing Permissions")
        return channel, None

    async def get_channel(self, request: web.Request) -> web.Response:
        """Return a channel the bot can see."""
        channel, refused = self._channel(request)
        return refused or reply(channel.payload())

    async def create_message(self, request: web.Request) -> web.Response:
        """Post to a channel, checking the bot's permissions there, then limits; honour enforce_nonce."""
        channel, refused = self._channel(request, send=True)
        if refused:
            return refused
        body = await read_body(request)
        if not any(body.get(k) for k in ("content", "embeds", "components", "attachments", "sticker_ids")):
            self.emu.record_violation(f"POST {request.path}", 50006, {}, body)
            return error(400, 50006, "Cannot send an empty message")
        errors = limits.check_message(body)
        if errors:
            return self.invalid(request, errors, body)
        nonce = (channel.id, str(body.get("nonce")))
        if body.get("enforce_nonce") and nonce in self.emu.nonces:  # Discord returns the first message
            return reply(self.emu.nonces[nonce].data)
        msg = await self.emu.new_message(channel.id, body, None, limits.ALL_MENTIONS)
        self.emu.posts.append(msg)
        if body.get("nonce") is not None:
            self.emu.nonces[nonce] = msg
        self.emu.notify()
        return reply(msg.data)

    async def channel_message(self, request: web.Request) -> web.Response:
        """GET, PATCH (own messages only) or DELETE a channel message."""
        msg = self.emu.messages.get(int(request.match_info["message_id"]))
        here = msg is not None and str(msg.channel_id) == request.match_info["channel_id"]
        if not here or msg.deleted or msg.ephemeral:
            return error(404, 10008, "Unknown Message")
        if request.method == "PATCH" and msg.data["author"]["id"] != str(self.emu.bot_user_id):
            return error(403, 50005, "Cannot edit a message authored by another user")
        return await self._message_op(request, msg)

    async def leave_guild(self, request: web.Request) -> web.Response:
        """Leave a guild: the bot then receives GUILD_DELETE."""
        guild_id = int(request.match_info["guild_id"])
        if guild_id not in self.emu.guilds:
            return error(404, 10004, "Unknown Guild")
        await self.emu.remove_bot(self.emu.guilds[guild_id])
        return reply(None, 204)


def _guild_key(request: web.Request) -> int | None:
    gid = request.match_info.get("guild_id")
    return int(gid) if gid else None


def message_flags(data: dict[str, Any], *, loading: bool = False) -> int:
    """Keep only the flags a bot may set on a new response (ephemeral), plus loading for defers."""
    return (int(data.get("flags") or 0) & EPHEMERAL) | (LOADING if loading else 0)
