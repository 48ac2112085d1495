"""The gateway: HELLO, IDENTIFY/READY, heartbeats, sequence numbers, RESUME, transport compression."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

log = logging.getLogger("emulator.gateway")
HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK = 10, 1, 2, 6, 9, 11
HEARTBEAT_INTERVAL_MS = 41250
GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 15
PRIVILEGED = (1 << 1) | (1 << 8) | MESSAGE_CONTENT
BUFFERED_EVENTS = 1000
INVALID_SHARD, SHARDING_REQUIRED = 4010, 4011


class Encoder:
    """Frame payloads as the client asked: zlib-stream, zstd-stream or plain text."""

    def __init__(self, compress: str | None) -> None:
        self.kind = compress
        self.lock = asyncio.Lock()  # frames must reach the socket in the order they were compressed
        if compress == "zlib-stream":  # one stream per connection, each frame ends in a sync flush
            zobj = zlib.compressobj()
            self._encode = lambda raw: zobj.compress(raw) + zobj.flush(zlib.Z_SYNC_FLUSH)
        elif compress == "zstd-stream":
            import zstandard  # only requested by discord.py when it can import zstandard itself

            zst = zstandard.ZstdCompressor().compressobj()
            self._encode = lambda raw: zst.compress(raw) + zst.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        elif compress:
            raise ValueError(f"unsupported compress={compress}")

    async def send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        """Write one gateway frame."""
        raw = json.dumps(frame)
        async with self.lock:
            if self.kind:
                await ws.send_bytes(self._encode(raw.encode()))
            else:
                await ws.send_str(raw)


class Session:
    """A gateway session: survives a dropped connection so the client can RESUME it."""

    def __init__(self, intents: int, shard: tuple[int, int] = (0, 1)) -> None:
        self.id = secrets.token_hex(16)
        self.intents = intents
        self.shard = shard  # (shard id, shard count) from IDENTIFY; (0, 1) without sharding
        self.seq = 0
        self.sent: collections.deque[dict[str, Any]] = collections.deque(maxlen=BUFFERED_EVENTS)
        self.ws: web.WebSocketResponse | None = None
        self.encoder: Encoder | None = None
        self.lock = asyncio.Lock()  # sequence numbers must reach the client in order
        self.ready = False  # READY and every GUILD_CREATE were sent

    def serves(self, guild_id: int | None) -> bool:
        """Tell whether this session gets the guild's events (no guild, as for DMs: shard 0)."""
        shard_id, count = self.shard
        return (0 if guild_id is None else (guild_id >> 22) % count) == shard_id

    async def attach(self, ws: web.WebSocketResponse, encoder: Encoder, after_seq: int | None) -> int:
        """Bind a (re)connected socket, replaying what it missed after `after_seq`."""
        async with self.lock:
            self.ws, self.encoder = ws, encoder
            missed = [f for f in self.sent if after_seq is not None and f["s"] > after_seq]
            for frame in missed:
                await encoder.send(ws, frame)
        return len(missed)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send (or keep for a RESUME) one DISPATCH event with the next sequence number."""
        async with self.lock:
            self.seq += 1
            frame = {"op": 0, "t": event, "s": self.seq, "d": data}
            self.sent.append(frame)
            if self.ws is not None and self.encoder is not None and not self.ws.closed:
                await self.encoder.send(self.ws, frame)

    async def send_op(self, op: int, data: Any) -> None:
        """Send a non-dispatch opcode on the live socket, if any."""
        async with self.lock:
            if self.ws is not None and self.encoder is not None and not self.ws.closed:
                await self.encoder.send(self.ws, {"op": op, "d": data, "s": None, "t": None})


async def handle(emu: Emulator, request: web.Request) -> web.WebSocketResponse:
    """Serve one gateway connection until either side closes it."""
    ws = web.WebSocketResponse(max_msg_size=0)
    await ws.prepare(request)
    emu.sockets.add(ws)
    encoder = Encoder(request.query.get("compress"))
    emu.gateway_log.append(("connect", request.query.get("compress")))
    hello = {"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None}
    await encoder.send(ws, hello)
    session: Session | None = None
    async for msg in ws:
        if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            break
        frame = json.loads(msg.data)
        op, data = frame.get("op"), frame.get("d")
        emu.gateway_log.append(("op", op))
        if op == HEARTBEAT:
            await encoder.send(ws, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            session = await _identify(emu, ws, encoder, data)
        elif op == RESUME:
            session = await _resume(emu, ws, encoder, data)
        emu.notify()
    emu.sockets.discard(ws)
    if session is not None and session.ws is ws:
        session.ws = None
        clean = ws.close_code in (1000, 1001) and ws not in emu.dropped
        if clean and session in emu.sessions:  # a client's clean close ends its session, as on Discord
            emu.sessions.remove(session)
    emu.notify()
    return ws


async def _identify(emu: Emulator, ws: web.WebSocketResponse, encoder: Encoder, data: dict[str, Any]) -> Any:
    if data.get("token") != emu.token:
        await ws.close(code=4004, message=b"Authentication failed.")
        return None
    intents = int(data.get("intents", 0))
    if intents & PRIVILEGED & ~emu.privileged_intents:
        await ws.close(code=4014, message=b"Disallowed intent(s).")
        return None
    shard = _shard(data.get("shard", [0, 1]))
    if shard is None:
        await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
        return None
    if emu.shard_too_large(shard[1]):
        await ws.close(code=SHARDING_REQUIRED, message=b"Sharding required.")
        return None
    session = Session(intents, shard)
    emu.sessions.append(session)
    await session.attach(ws, encoder, None)
    guilds = [guild for guild_id, guild in emu.guilds.items() if session.serves(guild_id)]
    ready = {"v": 10, "user": emu.bot_user | {"verified": True, "mfa_enabled": False},
             "session_id": session.id, "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
             "resume_gateway_url": emu.gateway_url, "application": {"id": str(emu.app_id), "flags": 0},
             "private_channels": [], "relationships": [], "user_settings": {}}  # fmt: skip
    if "shard" in data:
        ready["shard"] = data["shard"]
    await session.dispatch("READY", ready)
    for guild in guilds:
        await session.dispatch("GUILD_CREATE", guild.payload(emu.bot_user_id))
    session.ready = True
    return session


def _shard(value: Any) -> tuple[int, int] | None:
    """Read IDENTIFY's `shard: [id, count]`; None when malformed or the id is not below the count."""
    ok = isinstance(value, list) and len(value) == 2 and all(type(x) is int for x in value)
    if not ok or not 0 <= value[0] < value[1]:
        return None
    return value[0], value[1]


async def _resume(emu: Emulator, ws: web.WebSocketResponse, encoder: Encoder, data: dict[str, Any]) -> Any:
    session = next((s for s in emu.sessions if s.id == data.get("session_id")), None)
    if session is None or data.get("token") != emu.token:
        await encoder.send(ws, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
        return None
    emu.gateway_log.append(("replayed", await session.attach(ws, encoder, data.get("seq"))))
    await session.dispatch("RESUMED", {})
    return session
