"""Building the world the bot sees (guilds, channels, members, overwrites) and pushing gateway events."""

from __future__ import annotations

from typing import Any

from tests.emulator import model as m
from tests.emulator.gateway import GUILD_MESSAGES, GUILDS, HEARTBEAT, INVALID_SESSION, MESSAGE_CONTENT

GUILD_EVENTS = ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE")  # their `id` is the guild's


class World:
    """World and gateway actions; mixed into Emulator, which owns the state they use."""

    guild: m.Guild
    channel: m.Channel
    member: m.Member  # a member with @everyone's permissions only
    admin: m.Member  # a member with Manage Server

    async def create_guild(
        self, name: str = "Podcast Fans", *, bot_permissions: Any = m.BOT_DEFAULT,
        shard: tuple[int, int] | None = None, guild_id: int | None = None,
    ) -> m.Guild:  # fmt: skip
        """Add a guild the bot is in (a connected bot receives GUILD_CREATE); `guild_id` picks its id.

        `shard=(id, count)` picks an id that Discord would route to that shard of `count`.
        """
        if guild_id is None:
            guild_id = m.snowflake() if shard is None else m.snowflake_on_shard(*shard)
        guild = m.Guild(guild_id, name, int(self.owner_user["id"]))
        guild.roles[guild.id] = ("@everyone", m.EVERYONE_DEFAULT)
        bot_role = m.snowflake()
        guild.roles[bot_role] = ("episode-bot", m.as_int(bot_permissions))
        guild.members[self.bot_user_id] = m.Member(self.bot_user, guild.id, [bot_role])
        guild.members[int(self.owner_user["id"])] = m.Member(self.owner_user, guild.id)
        self.guilds[guild.id] = guild
        # A join, not a guild coming back: Discord leaves `unavailable` out (discord.py then
        # dispatches on_guild_join rather than on_guild_available).
        joined = {k: v for k, v in guild.payload(self.bot_user_id).items() if k != "unavailable"}
        await self.dispatch("GUILD_CREATE", joined)
        return guild

    async def create_channel(self, guild: m.Guild, name: str = "general") -> m.Channel:
        """Add a text channel."""
        channel = m.Channel(m.snowflake(), guild.id, name, position=len(guild.channels))
        guild.channels[channel.id] = self.channels[channel.id] = channel
        await self.dispatch("CHANNEL_CREATE", channel.payload())
        return channel

    async def create_member(
        self, guild: m.Guild, name: str, *, permissions: Any = 0, bot: bool = False
    ) -> m.Member:
        """Add a member; `permissions` (an int or discord.Permissions) come from a role of their own."""
        member = m.Member(m.user_payload(m.snowflake(), name, bot=bot), guild.id)
        if m.as_int(permissions):
            role_id = m.snowflake()
            guild.roles[role_id] = (f"{name}-role", m.as_int(permissions))
            member.roles.append(role_id)
            await self.dispatch(
                "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": guild.role_payload(role_id)}
            )
        guild.members[member.id] = member  # no GUILD_MEMBER_ADD: that needs the privileged members intent
        return member

    async def create_role(self, guild: m.Guild, name: str, *, permissions: Any = 0) -> int:
        """Add a role (not mentionable, like a new role on Discord) and return its id."""
        role_id = m.snowflake()
        guild.roles[role_id] = (name, m.as_int(permissions))
        await self.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": guild.role_payload(role_id)}
        )
        return role_id

    async def set_permissions(self, channel: m.Channel, target: m.Member | m.Guild | int, *, allow: Any = 0,
                              deny: Any = 0) -> None:  # fmt: skip
        """Set a channel overwrite for a member, a role id, or a guild (meaning its @everyone role)."""
        kind, target_id = (
            (1, target.id) if isinstance(target, m.Member) else (0, getattr(target, "id", target))
        )
        channel.overwrites[int(target_id)] = (kind, m.as_int(allow), m.as_int(deny))
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    async def delete_channel(self, channel: m.Channel) -> None:
        """Delete a channel (posting to it then answers 404, code 10003)."""
        del self.guilds[channel.guild_id].channels[channel.id], self.channels[channel.id]
        await self.dispatch("CHANNEL_DELETE", channel.payload())

    async def remove_bot(self, guild: m.Guild) -> None:
        """Remove the bot from a guild (kicked, or it left): the bot receives GUILD_DELETE."""
        del self.guilds[guild.id]
        for channel_id in guild.channels:
            del self.channels[channel_id]
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def setup_world(self) -> None:
        """Create the defaults tests act in: a guild, #general, member alice and admin ada (Manage Server)."""
        self.guild = await self.create_guild()
        self.channel = await self.create_channel(self.guild)
        self.member = await self.create_member(self.guild, "alice")
        self.admin = await self.create_member(self.guild, "ada", permissions=m.MANAGE_GUILD)

    def find_channel(self, channel_id: int) -> m.Channel | None:
        """Look a channel up by id in any guild."""
        return self.channels.get(channel_id)

    def bot_permissions(self, channel: m.Channel) -> int:
        """Compute the bot's permissions in a channel."""
        guild = self.guilds[channel.guild_id]
        return guild.permissions(guild.members[self.bot_user_id], channel)

    @property
    def bot_mention(self) -> str:
        """Return the text that mentions the bot, e.g. `emu.post(f"{emu.bot_mention} hi")`."""
        return f"<@{self.bot_user_id}>"

    # -- the gateway ---------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any], intent: int | None = GUILDS) -> None:
        """Send an event to the sessions of its guild's shard whose intents ask for it (None: any intents)."""
        guild_id = event_guild(event, data)
        for session in list(self.sessions):
            if (intent is None or session.intents & intent) and session.serves(guild_id):
                await session.dispatch(event, data)

    async def dispatch_message(self, msg: m.Message) -> None:
        """Send MESSAGE_CREATE; without MESSAGE_CONTENT the text is withheld unless the bot is involved."""
        channel = self.find_channel(msg.channel_id)
        if channel is None:
            return
        guild, author_id = self.guilds[channel.guild_id], msg.data["author"]["id"]
        data = msg.data | {"guild_id": str(guild.id)}
        if int(author_id) in guild.members:
            data["member"] = guild.members[int(author_id)].payload(with_user=False)
        mentioned = any(u["id"] == str(self.bot_user_id) for u in msg.data.get("mentions", []))
        involved = mentioned or author_id == str(self.bot_user_id)
        hidden = data | {"content": "", "embeds": [], "attachments": [], "components": []}
        for session in list(self.sessions):
            if session.intents & GUILD_MESSAGES and session.serves(guild.id):
                full = involved or session.intents & MESSAGE_CONTENT
                await session.dispatch("MESSAGE_CREATE", data if full else hidden)

    def count_ops(self, op: int) -> int:
        """Count the opcodes clients sent (2 IDENTIFY, 6 RESUME, 1 HEARTBEAT)."""
        return sum(1 for kind, value in self.gateway_log if kind == "op" and value == op)

    async def wait_for_bot(self, within: float = 30.0) -> None:
        """Wait until a bot has identified and been sent READY and its guilds (e.g. a subprocess bot)."""
        await self.wait_until(
            lambda: any(s.ready and s.ws for s in self.sessions), within, "a bot to connect"
        )

    async def wait_for_shards(self, count: int, within: float = 30.0) -> None:
        """Wait until each of `count` shards has a connected session that was sent its guilds."""

        def connected() -> bool:
            live = {s.shard for s in self.sessions if s.ready and s.ws is not None}
            return all((shard_id, count) in live for shard_id in range(count))

        await self.wait_until(connected, within, f"all {count} shards to connect")

    def sessions_of(self, shard_id: int) -> list[Any]:
        """List the sessions that identified as `shard_id` (several when processes overlap)."""
        return [s for s in self.sessions if s.shard[0] == shard_id]

    async def drop_connection(self, code: int = 4000) -> None:
        """Close every gateway socket from the server side; the sessions stay resumable."""
        for ws in list(self.sockets):
            self.dropped.add(ws)
            await ws.close(code=code)

    async def invalidate_session(self) -> None:
        """Send op 9 (not resumable): the client must IDENTIFY again."""
        for session in list(self.sessions):
            await session.send_op(INVALID_SESSION, False)
            self.sessions.remove(session)

    async def request_heartbeat(self) -> None:
        """Ask every client for an immediate heartbeat (op 1)."""
        for session in self.sessions:
            await session.send_op(HEARTBEAT, None)


def event_guild(event: str, data: dict[str, Any]) -> int | None:
    """Return the guild a gateway event belongs to (None: none, like a DM's), which picks its shard."""
    raw = data.get("id") if event in GUILD_EVENTS else data.get("guild_id")
    return int(raw) if raw is not None else None
