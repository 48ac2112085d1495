"""What tests do: build a guild, act as members (commands, buttons, messages), read what the bot did."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

from tests.emulator.gateway import GUILD_MESSAGES, GUILDS, HEARTBEAT, INVALID_SESSION, MESSAGE_CONTENT
from tests.emulator.model import (
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    MANAGE_GUILD,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    as_int,
    snowflake,
    user_payload,
)

MENTION = re.compile(r"<@!?(\d+)>")
SUBCOMMANDS = (1, 2)
CONVERT = {3: str, 4: int, 5: bool, 10: float}


class CommandUnavailableError(AssertionError):
    """Discord's client would not offer this command to this member (default_member_permissions)."""


class Driver:
    """Test-facing actions; mixed into Emulator, which owns the state they use."""

    guild: Guild
    channel: Channel
    member: Member  # a member with @everyone's permissions only
    admin: Member  # a member with Manage Server

    # -- the world -----------------------------------------------------------------------------
    async def create_guild(self, name: str = "Podcast Fans", *, bot_permissions: Any = BOT_DEFAULT) -> Guild:
        """Add a guild the bot is in (GUILD_CREATE reaches a connected bot)."""
        guild = Guild(snowflake(), name, int(self.owner_user["id"]))
        guild.roles[guild.id] = ("@everyone", EVERYONE_DEFAULT)
        bot_role = snowflake()
        guild.roles[bot_role] = ("episode-bot", as_int(bot_permissions))
        guild.members[self.bot_user_id] = Member(self.bot_user, guild.id, [bot_role])
        guild.members[int(self.owner_user["id"])] = Member(self.owner_user, guild.id)
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.payload(self.bot_user_id))
        return guild

    async def create_channel(self, guild: Guild, name: str = "general") -> Channel:
        """Add a text channel."""
        channel = Channel(snowflake(), guild.id, name, position=len(guild.channels))
        guild.channels[channel.id] = channel
        await self.dispatch("CHANNEL_CREATE", channel.payload())
        return channel

    async def create_member(
        self, guild: Guild, name: str, *, permissions: Any = 0, bot: bool = False
    ) -> Member:
        """Add a member; `permissions` (an int or discord.Permissions) come from a role of their own."""
        member = Member(user_payload(snowflake(), name, bot=bot), guild.id)
        if as_int(permissions):
            role_id = snowflake()
            guild.roles[role_id] = (f"{name}-role", as_int(permissions))
            member.roles.append(role_id)
            role = {"guild_id": str(guild.id), "role": guild.role_payload(role_id)}
            await self.dispatch("GUILD_ROLE_CREATE", role)
        guild.members[member.id] = member
        return member

    async def set_permissions(
        self, channel: Channel, target: Member | Guild | int, *, allow: Any = 0, deny: Any = 0
    ) -> None:
        """Set a channel overwrite for a member, a role id, or a guild (its @everyone role)."""
        kind, target_id = (1, target.id) if isinstance(target, Member) else (0, getattr(target, "id", target))
        channel.overwrites[int(target_id)] = (kind, as_int(allow), as_int(deny))
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    async def delete_channel(self, channel: Channel) -> None:
        """Delete a channel (later posts to it answer 404, code 10003)."""
        del self.guilds[channel.guild_id].channels[channel.id]
        await self.dispatch("CHANNEL_DELETE", channel.payload())

    async def remove_bot(self, guild: Guild) -> None:
        """Remove the bot from a guild (kick or leave): the bot receives GUILD_DELETE."""
        del self.guilds[guild.id]
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def setup_world(self) -> Driver:
        """Create the default guild, #general, a plain member and an admin with Manage Server."""
        self.guild = await self.create_guild()
        self.channel = await self.create_channel(self.guild)
        self.member = await self.create_member(self.guild, "alice")
        self.admin = await self.create_member(self.guild, "ada", permissions=MANAGE_GUILD)
        return self

    def find_channel(self, channel_id: int) -> Channel | None:
        """Look a channel up by id in any guild."""
        return next((g.channels[channel_id] for g in self.guilds.values() if channel_id in g.channels), None)

    def bot_member(self, guild: Guild) -> Member:
        """Return the bot's own member in a guild."""
        return guild.members[self.bot_user_id]

    def bot_permissions(self, channel: Channel) -> int:
        """Compute the bot's permissions in a channel."""
        guild = self.guilds[channel.guild_id]
        return guild.permissions(self.bot_member(guild), channel)

    # -- the gateway ---------------------------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any], intent: int | None = GUILDS) -> None:
        """Send an event to every session whose intents ask for it (None: always sent)."""
        for session in list(self.sessions):
            if intent is None or session.intents & intent:
                await session.dispatch(event, data)

    async def dispatch_message(self, msg: Message) -> None:
        """Send MESSAGE_CREATE; content is withheld without MESSAGE_CONTENT unless the bot is involved."""
        channel = self.find_channel(msg.channel_id)
        if channel is None:
            return
        guild = self.guilds[channel.guild_id]
        author = guild.members.get(int(msg.data["author"]["id"]))
        data = msg.data | {"guild_id": str(guild.id)}
        if author is not None:
            data["member"] = author.payload(with_user=False)
        mentioned = any(u["id"] == str(self.bot_user_id) for u in msg.data.get("mentions", []))
        visible = mentioned or msg.data["author"]["id"] == str(self.bot_user_id)
        hidden = data | {"content": "", "embeds": [], "attachments": [], "components": []}
        for session in list(self.sessions):
            if session.intents & GUILD_MESSAGES:
                full = visible or session.intents & MESSAGE_CONTENT
                await session.dispatch("MESSAGE_CREATE", data if full else hidden)

    def count_ops(self, op: int) -> int:
        """Count the opcodes clients sent (e.g. 2 IDENTIFY, 6 RESUME, 1 HEARTBEAT)."""
        return sum(1 for kind, value in self.gateway_log if kind == "op" and value == op)

    async def wait_connected(self, within: float = 10.0) -> None:
        """Wait until a session has a live socket."""
        await self.wait_until(self._live, within, "a gateway session")

    def _live(self) -> bool:
        return any(s.ws is not None for s in self.sessions)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close every gateway socket from the server side; sessions stay resumable."""
        for ws in list(self.sockets):
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

    # -- acting as members ---------------------------------------------------------------------
    async def invoke(
        self,
        path: str,
        *,
        member: Member | None = None,
        channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        wait: bool = True,
        settle: bool = True,
        within: float = 5.0,
        bypass_permissions: bool = False,
        **values: Any,
    ) -> Interaction:
        """Run a slash command like "/quote speaker" with option values; return the interaction.

        Options whose names clash with these parameters go in `options`. With `settle`, a deferred
        answer is awaited until the bot edits it or follows up. `bypass_permissions` acts as if an
        admin had changed the command's default permissions for this member.
        """
        member, channel = member or self.member, channel or self.channel
        cmd, data = self._command_data(path, {**(options or {}), **values}, member, channel)
        if not bypass_permissions:
            self._check_can_use(cmd, member, channel)
        return await self._interact(2, data, member, channel, wait=wait, settle=settle, within=within)

    async def autocomplete(
        self,
        path: str,
        focused: str,
        value: str,
        *,
        member: Member | None = None,
        channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        within: float = 5.0,
        **values: Any,
    ) -> Interaction:
        """Type `value` into option `focused` of a command; the interaction's `.choices` is the answer."""
        member, channel = member or self.member, channel or self.channel
        values = {**(options or {}), **values, focused: value}
        _, data = self._command_data(path, values, member, channel, focused)
        return await self._interact(4, data, member, channel, settle=False, within=within)

    async def invoke_message_command(
        self,
        name: str,
        message: Message,
        *,
        member: Member | None = None,
        settle: bool = True,
        within: float = 5.0,
    ) -> Interaction:
        """Run a message context-menu command on `message`."""
        member, channel = member or self.member, self.find_channel(message.channel_id)
        assert channel is not None, "the message's channel is gone"
        cmd = self._command(name, 3, channel.guild_id)
        data = {
            "id": cmd["id"],
            "name": name,
            "type": 3,
            "target_id": str(message.id),
            "resolved": {"messages": {str(message.id): message.data}},
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._interact(2, data, member, channel, settle=settle, within=within)

    async def click(
        self,
        message: Message,
        *,
        custom_id: str | None = None,
        label: str | None = None,
        member: Member | None = None,
        settle: bool = True,
        within: float = 5.0,
    ) -> Interaction:
        """Press a button (by custom_id or label) on a message the bot sent."""
        button = message.button(custom_id=custom_id, label=label)
        assert not button.get("disabled"), f"button {button.get('label')!r} is disabled"
        assert "custom_id" in button, "a link button opens its URL; it sends no interaction"
        channel = self.find_channel(message.channel_id)
        assert channel is not None, "the message's channel is gone"
        data = {"custom_id": button["custom_id"], "component_type": 2}
        member = member or self.member
        return await self._interact(3, data, member, channel, message=message, settle=settle, within=within)

    async def post(
        self, content: str, *, member: Member | None = None, channel: Channel | None = None
    ) -> Message:
        """Send a plain channel message as a member; `<@id>` mentions are resolved."""
        member, channel = member or self.member, channel or self.channel
        guild = self.guilds[channel.guild_id]
        mentions = [guild.members[int(uid)] for uid in MENTION.findall(content) if int(uid) in guild.members]
        users = [m.user | {"member": m.payload(with_user=False)} for m in mentions]
        body = {"content": content, "mentions": users}
        return await self.new_message(channel.id, body, None, None, author=member.user)

    @property
    def bot_mention(self) -> str:
        """Return the text that mentions the bot, e.g. for `post(f"{emu.bot_mention} hi")`."""
        return f"<@{self.bot_user_id}>"

    # -- reading what the bot did --------------------------------------------------------------
    def messages_in(self, channel: Channel) -> list[Message]:
        """List the messages everyone can see in a channel, oldest first."""
        seen = (m for m in self.messages.values() if not (m.deleted or m.ephemeral))
        return [m for m in seen if m.channel_id == channel.id]

    def posts_in(self, channel: Channel) -> list[Message]:
        """List what the bot posted to a channel itself (not interaction answers)."""
        return [m for m in self.posts if m.channel_id == channel.id and not m.deleted]

    async def wait_for_posts(self, channel: Channel, count: int = 1, within: float = 5.0) -> list[Message]:
        """Wait until the bot has posted at least `count` messages to `channel`; return them all."""

        def enough() -> list[Message]:
            posts = self.posts_in(channel)
            return posts if len(posts) >= count else []

        return await self.wait_until(enough, within, f"{count} post(s) in #{channel.name}")

    async def wait_for_reply(self, message: Message, within: float = 5.0) -> Message:
        """Wait for the bot's reply to a member's message."""

        def find() -> Message | None:
            refs = (((m.data.get("message_reference") or {}).get("message_id"), m) for m in self.posts)
            return next((m for ref, m in refs if ref == str(message.id)), None)

        return await self.wait_until(find, within, f"a reply to message {message.id}")

    # -- internals -----------------------------------------------------------------------------
    def _command(self, name: str, kind: int, guild_id: int) -> dict[str, Any]:
        for key in (guild_id, None):  # a guild command shadows a global one of the same name
            for cmd in self.commands.get(key, []):
                if cmd["name"] == name and cmd.get("type", 1) == kind:
                    return cmd
        known = [c["name"] for cmds in self.commands.values() for c in cmds]
        raise AssertionError(f"the bot registered no command {name!r} of type {kind}; it has {known}")

    def _command_data(
        self, path: str, values: dict[str, Any], member: Member, channel: Channel, focused: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        name, *subs = path.lstrip("/").split()
        cmd = self._command(name, 1, channel.guild_id)
        chain, node = [], cmd
        for sub in subs:
            subs_here = [o for o in node.get("options", []) if o["type"] in SUBCOMMANDS]
            node = next((o for o in subs_here if o["name"] == sub), {})
            assert node, f"{path!r}: no subcommand {sub!r} in the registered schema"
            chain.append(node)
        resolved: dict[str, Any] = {}
        options = self._leaf_options(
            path, node, values, resolved=resolved, member=member, channel=channel, focused=focused
        )
        for parent in reversed(chain):
            options = [{"name": parent["name"], "type": parent["type"], "options": options}]
        data = {"id": cmd["id"], "name": name, "type": 1, "options": options}
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return cmd, data

    def _leaf_options(
        self,
        path: str,
        node: dict[str, Any],
        values: dict[str, Any],
        *,
        resolved: dict[str, Any],
        member: Member,
        channel: Channel,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        known = {o["name"]: o for o in node.get("options", []) if o["type"] not in SUBCOMMANDS}
        missing = [n for n, o in known.items() if o.get("required") and n not in values]
        assert focused or not missing, f"{path!r}: Discord's client requires {missing}"
        options = []
        for key, value in values.items():
            assert key in known, f"{path!r} has no option {key!r}; it has {list(known)}"
            opt = known[key]
            if key == focused:  # what is typed so far, always a string
                options.append({"name": key, "type": opt["type"], "value": str(value), "focused": True})
                continue
            choices = [c["value"] for c in opt.get("choices", [])]
            assert not choices or value in choices, f"{path!r} {key}: {value!r} is not one of {choices}"
            sent = self._resolve(opt["type"], value, resolved, member=member, channel=channel)
            options.append({"name": key, "type": opt["type"], "value": sent})
        return options

    def _resolve(
        self, kind: int, value: Any, resolved: dict[str, Any], *, member: Member, channel: Channel
    ) -> Any:
        if kind in CONVERT:
            return CONVERT[kind](value)
        guild = self.guilds[channel.guild_id]
        if kind in (6, 9) and isinstance(value, Member):
            resolved.setdefault("users", {})[str(value.id)] = value.user
            perms = guild.permissions(value, channel)
            resolved.setdefault("members", {})[str(value.id)] = value.payload(perms, with_user=False)
            return str(value.id)
        if kind == 7 and isinstance(value, Channel):
            perms = str(guild.permissions(member, value))
            resolved.setdefault("channels", {})[str(value.id)] = value.payload() | {"permissions": perms}
            return str(value.id)
        if kind in (8, 9) and int(value) in guild.roles:
            resolved.setdefault("roles", {})[str(value)] = guild.role_payload(int(value))
            return str(value)
        raise AssertionError(f"cannot send {value!r} as an option of type {kind}")

    def _check_can_use(self, cmd: dict[str, Any], member: Member, channel: Channel) -> None:
        required = cmd.get("default_member_permissions")
        perms = self.guilds[channel.guild_id].permissions(member, channel)
        if required is not None and perms & int(required) != int(required):
            who = member.user["username"]
            raise CommandUnavailableError(f"/{cmd['name']} needs permissions {required}; {who} lacks them")

    def _interaction(
        self, kind: int, data: dict[str, Any], member: Member, channel: Channel, message: Message | None
    ) -> Interaction:
        guild = self.guilds[channel.guild_id]
        ix = Interaction(snowflake(), secrets.token_urlsafe(48), kind, {})
        ix.payload = {
            "id": str(ix.id),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel": channel.payload(),
            "channel_id": str(channel.id),
            "token": ix.token,
            "member": member.payload(guild.permissions(member, channel)),
            "version": 1,
            "app_permissions": str(self.bot_permissions(channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "context": 0,
            "authorizing_integration_owners": {"0": str(guild.id)},
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            ix.payload["message"] = message.data
        return ix

    async def _interact(
        self,
        kind: int,
        data: dict[str, Any],
        member: Member,
        channel: Channel,
        *,
        message: Message | None = None,
        wait: bool = True,
        settle: bool = True,
        within: float = 5.0,
    ) -> Interaction:
        ix = self._interaction(kind, data, member, channel, message)
        self.interactions[ix.id], self.by_token[ix.token] = ix, ix
        ix.created = time.monotonic()
        self._timers[ix.id] = asyncio.get_running_loop().call_later(self.deadline, self.expire, ix)
        await self.dispatch("INTERACTION_CREATE", ix.payload, intent=None)
        if not wait:
            return ix

        def done() -> bool:
            answered = ix.response_type is not None
            return ix.expired or (answered and (not settle or ix.response_type not in (5, 6) or ix.completed))

        await self.wait_until(done, self.deadline + within, f"the bot to answer interaction {data}")
        assert not ix.expired, f"the bot gave no initial response within {self.deadline} s to {data}"
        return ix
