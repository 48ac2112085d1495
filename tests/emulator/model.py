"""The emulated world: guilds, channels, members, messages and interactions, as Discord payloads."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count()

ADMINISTRATOR, MANAGE_GUILD = 1 << 3, 1 << 5
VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, READ_HISTORY = 1 << 10, 1 << 11, 1 << 14, 1 << 16
MENTION_EVERYONE, USE_APP_COMMANDS = 1 << 17, 1 << 31
ALL_PERMISSIONS = (1 << 51) - 1
# A new server's @everyone can read, write, embed, attach, react, mention @everyone and use commands.
EVERYONE_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | MENTION_EVERYONE
EVERYONE_DEFAULT |= USE_APP_COMMANDS | (1 << 15) | (1 << 6)
BOT_DEFAULT = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | USE_APP_COMMANDS
EPHEMERAL, LOADING = 1 << 6, 1 << 7
# Markup Discord's client turns into a chip, link, live time or image: user, role and channel
# mentions, command mentions, timestamps, custom emoji and guide links; a backslash before the
# `<` (an odd number of them) shows it as typed.
LIVE_MARKUP = re.compile(
    r"(?<!\\)(?:\\\\)*(<(?:@[!&]?\d+|#\d+|/[-_'\w ]+:\d+|t:-?\d+(?::[tTdDfFsSR])?|a?:\w+:\d+|id:\w+)>)"
)


def snowflake() -> int:
    """Make a fresh id whose timestamp is now, as Discord's are."""
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) % (1 << 22))


def snowflake_on_shard(shard_id: int, count: int) -> int:
    """Make a fresh id that Discord routes to shard `shard_id` of `count` (dated up to `count` ms ago)."""
    fresh = snowflake()
    stamp = fresh >> 22
    stamp -= (stamp - shard_id) % count  # the shard is the timestamp modulo the count
    return (stamp << 22) | (fresh & ((1 << 22) - 1))


def now_iso() -> str:
    """Return the current time as Discord formats timestamps."""
    return dt.datetime.now(dt.UTC).isoformat()


def as_int(value: Any) -> int:
    """Accept a permissions int, a discord.Permissions or anything with `.value`."""
    return int(getattr(value, "value", value) or 0)


# Fields discord.py reads that never vary here, merged into each object (Discord's documented shapes).
# fmt: off
USER = {"discriminator": "0", "avatar": None, "public_flags": 0, "flags": 0}
MEMBER = {"nick": None, "avatar": None, "premium_since": None, "deaf": False, "mute": False, "flags": 0,
          "pending": False, "communication_disabled_until": None}
CHANNEL = {"type": 0, "parent_id": None, "topic": None, "nsfw": False, "rate_limit_per_user": 0,
           "last_message_id": None, "flags": 0}
ROLE = {"color": 0, "colors": {"primary_color": 0}, "hoist": False, "managed": False, "mentionable": False,
        "flags": 0, "icon": None, "unicode_emoji": None}
GUILD = {"icon": None, "large": False, "unavailable": False, "features": [], "emojis": [], "stickers": [],
         "threads": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
         "voice_states": [], "presences": [], "premium_tier": 0, "preferred_locale": "en-US",
         "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
         "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "system_channel_id": None,
         "description": None}
MESSAGE = {"edited_timestamp": None, "tts": False, "mention_everyone": False, "mention_roles": [],
           "attachments": [], "pinned": False, "type": 0}
INTERACTION = {"version": 1, "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "context": 0,
               "attachment_size_limit": 10 * 1024 * 1024}  # discord.py raises KeyError without it
APPLICATION = {"icon": None, "description": "", "bot_public": True, "bot_require_code_grant": False,
               "verify_key": "0" * 64, "flags": 0, "team": None, "summary": ""}
# fmt: on


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """Build a user object."""
    return USER | {"id": str(user_id), "username": name, "global_name": name, "bot": bot}


@dataclass(eq=False)
class Member:
    """A guild member; `roles` holds role ids (the @everyone role is implicit)."""

    user: dict[str, Any]
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=now_iso)

    @property
    def id(self) -> int:
        """Return the user id."""
        return int(self.user["id"])

    @property
    def mention(self) -> str:
        """Return the `<@id>` text that mentions this member."""
        return f"<@{self.id}>"

    def payload(self, permissions: int | None = None, *, with_user: bool = True) -> dict[str, Any]:
        """Build a guild member object, optionally with channel permissions (as in interactions)."""
        data = MEMBER | {"roles": [str(r) for r in self.roles], "joined_at": self.joined_at}
        if with_user:
            data["user"] = self.user
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Channel:
    """A text channel; `overwrites` maps a role or member id to (type, allow, deny)."""

    id: int
    guild_id: int
    name: str
    position: int = 0
    overwrites: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """Build a guild text channel object."""
        ows = [
            {"id": str(k), "type": t, "allow": str(a), "deny": str(d)}
            for k, (t, a, d) in self.overwrites.items()
        ]
        data = {"id": str(self.id), "guild_id": str(self.guild_id), "name": self.name}
        return CHANNEL | data | {"position": self.position, "permission_overwrites": ows}


@dataclass(eq=False)
class Guild:
    """A guild with its roles (id -> (name, permissions)), channels and members."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, tuple[str, int]] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    def role_payload(self, role_id: int) -> dict[str, Any]:
        """Build a role object."""
        name, perms = self.roles[role_id]
        data = {"id": str(role_id), "name": name, "permissions": str(perms)}
        return ROLE | data | {"position": int(role_id != self.id)}

    def payload(self, bot_id: int) -> dict[str, Any]:
        """Build GUILD_CREATE data; without the members intent only the bot's own member is listed."""
        data = {"id": str(self.id), "name": self.name, "owner_id": str(self.owner_id), "joined_at": now_iso()}
        data["roles"] = [self.role_payload(r) for r in self.roles]
        data["channels"] = [c.payload() for c in self.channels.values()]
        data["members"], data["member_count"] = [self.members[bot_id].payload()], len(self.members)
        return GUILD | data

    def permissions(self, member: Member, channel: Channel | None = None) -> int:
        """Compute a member's permissions (in a channel, with overwrites), as Discord documents it."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.roles[self.id][1]
        for role_id in member.roles:
            perms |= self.roles[role_id][1]
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is None:
            return perms
        ow = channel.overwrites
        if self.id in ow:
            perms = (perms & ~ow[self.id][2]) | ow[self.id][1]
        allow = deny = 0
        for role_id in member.roles:
            allow, deny = allow | ow.get(role_id, (0, 0, 0))[1], deny | ow.get(role_id, (0, 0, 0))[2]
        perms = (perms & ~deny) | allow
        if member.id in ow:
            perms = (perms & ~ow[member.id][2]) | ow[member.id][1]
        return perms if perms & VIEW_CHANNEL else 0


@dataclass(eq=False)
class Message:
    """A message as stored by the emulator; `data` is the Discord message object."""

    data: dict[str, Any]
    allowed_mentions: dict[str, Any] | None = None
    interaction_id: int | None = None
    edits: int = 0
    deleted: bool = False

    id = property(lambda self: int(self.data["id"]))
    channel_id = property(lambda self: int(self.data["channel_id"]))
    content = property(lambda self: self.data.get("content", ""))
    embeds = property(lambda self: self.data.get("embeds", []))
    components = property(lambda self: self.data.get("components", []))
    flags = property(lambda self: self.data.get("flags", 0))
    ephemeral = property(lambda self: bool(self.flags & EPHEMERAL))
    loading = property(lambda self: bool(self.flags & LOADING))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """List every button on the message, row by row."""
        return [c for row in self.components for c in row.get("components", []) if c.get("type") == 2]

    def button(self, *, custom_id: str | None = None, label: str | None = None) -> dict[str, Any]:
        """Find one button by custom_id or label, or fail saying which buttons exist."""
        for b in self.buttons:
            by_id = custom_id is not None and b.get("custom_id") == custom_id
            if by_id or (label is not None and b.get("label") == label):
                return b
        raise AssertionError(f"no button {custom_id or label!r} on message; buttons: {self.buttons}")

    @property
    def live_markup(self) -> list[str]:
        """List the mention, channel, command, timestamp and emoji markup Discord would render live.

        Looks where markup renders: content, embed titles, descriptions, field names and values.
        """
        parts = [self.content or ""]
        for e in self.embeds:
            parts += [e.get("title") or "", e.get("description") or ""]
            parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in e.get("fields", [])]
        return [m.group(1) for part in parts for m in LIVE_MARKUP.finditer(part)]

    @property
    def text(self) -> str:
        """Join content and all embed text, for simple `in` assertions."""
        parts = [self.content or ""]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", ""), (e.get("footer") or {}).get("text", "")]
            parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in e.get("fields", [])]
        return "\n".join(p for p in parts if p)


@dataclass(eq=False)
class Interaction:
    """One interaction sent to the bot and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    response_type: int | None = None
    latency: float | None = None  # seconds from dispatch to the initial response
    expired: bool = False
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    completed: bool = False  # a deferred response was followed by an edit or a followup

    @property
    def message(self) -> Message | None:
        """Return the original response message (after any edits)."""
        return self.original

    @property
    def ephemeral(self) -> bool:
        """Tell whether the original response is ephemeral."""
        return bool(self.original and self.original.ephemeral)
