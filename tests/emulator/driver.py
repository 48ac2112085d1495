"""What tests do as members (commands, autocomplete, buttons, messages) and how they read the answers."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

from tests.emulator.model import INTERACTION, Channel, Interaction, Member, Message, snowflake
from tests.emulator.options import Invocation, find_command

MENTION = re.compile(r"<@!?(\d+)>")


class CommandUnavailableError(AssertionError):
    """Discord's client would not offer this command to this member (its default_member_permissions)."""


class Driver:
    """Member actions and reading helpers; mixed into Emulator, which owns the state they use."""

    async def invoke(self, path: str, *, member: Member | None = None, channel: Channel | None = None,
                     options: dict[str, Any] | None = None, wait: bool = True, settle: bool = True,
                     within: float = 5.0, bypass_permissions: bool = False,
                     **values: Any) -> Interaction:  # fmt: skip
        """Run a slash command such as "/quote speaker" with option values; return the interaction.

        Options named like these parameters go in `options`. With `settle`, a deferred answer is
        awaited until the bot edits it or follows up. `bypass_permissions` acts as if an admin had
        changed the command's default permissions for this member.
        """
        member, channel = member or self.member, channel or self.channel
        guild = self.guilds[channel.guild_id]
        cmd, data = Invocation(guild, member, channel).data(
            self.commands, path, {**(options or {}), **values}
        )
        required = cmd.get("default_member_permissions")
        lacking = required is not None and guild.permissions(member, channel) & int(required) != int(required)
        if lacking and not bypass_permissions:
            who = member.user["username"]
            raise CommandUnavailableError(f"{path} needs permissions {required}; {who} lacks them")
        return await self._interact(2, data, member, channel, wait=wait, settle=settle, within=within)

    async def autocomplete(self, path: str, focused: str, value: str, *, member: Member | None = None,
                           channel: Channel | None = None, options: dict[str, Any] | None = None,
                           wait: bool = True, **values: Any) -> Interaction:  # fmt: skip
        """Type `value` into option `focused`; the returned interaction's `.choices` is the bot's answer."""
        member, channel = member or self.member, channel or self.channel
        values = {**(options or {}), **values, focused: value}
        _, data = Invocation(self.guilds[channel.guild_id], member, channel).data(
            self.commands, path, values, focused
        )
        return await self._interact(4, data, member, channel, wait=wait, settle=False)

    async def invoke_message_command(self, name: str, message: Message, *, member: Member | None = None,
                                     settle: bool = True) -> Interaction:  # fmt: skip
        """Run a message context-menu command (e.g. "Find quote") on `message`."""
        channel = self.find_channel(message.channel_id)
        assert channel is not None, "the message's channel is gone"
        cmd = find_command(self.commands, name, 3, channel.guild_id)
        data = {"id": cmd["id"], "name": name, "type": 3, "target_id": str(message.id),
                "resolved": {"messages": {str(message.id): message.data}}}  # fmt: skip
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._interact(2, data, member or self.member, channel, settle=settle)

    async def click(self, message: Message, *, custom_id: str | None = None, label: str | None = None,
                    member: Member | None = None, settle: bool = True) -> Interaction:  # fmt: skip
        """Press a button (found by custom_id or label) on a message the bot sent."""
        button = message.button(custom_id=custom_id, label=label)
        assert not button.get("disabled"), f"button {button.get('label')!r} is disabled"
        assert "custom_id" in button, "a link button opens its URL; it sends no interaction"
        channel = self.find_channel(message.channel_id)
        assert channel is not None, "the message's channel is gone"
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._interact(3, data, member or self.member, channel, message=message, settle=settle)

    async def post(
        self,
        content: str,
        *,
        member: Member | None = None,
        channel: Channel | None = None,
        reply_to: Message | None = None,
    ) -> Message:
        """Send a plain channel message as a member; `<@id>` mentions (`emu.bot_mention`) are resolved.

        `reply_to` makes it a reply that pings that message's author, as Discord clients do by
        default: the author is then among the mentions without `<@id>` in the text.
        """
        member, channel = member or self.member, channel or self.channel
        guild = self.guilds[channel.guild_id]
        ids = [int(uid) for uid in MENTION.findall(content)]
        body: dict[str, Any] = {"content": content}
        if reply_to is not None:
            ids.append(int(reply_to.data["author"]["id"]))
            body["message_reference"] = {"message_id": reply_to.id}
        mentioned = [guild.members[uid] for uid in dict.fromkeys(ids) if uid in guild.members]
        body["mentions"] = [x.user | {"member": x.payload(with_user=False)} for x in mentioned]
        return await self.new_message(channel.id, body, None, None, author=member.user)

    # -- reading what the bot did --------------------------------------------------------------
    def messages_in(self, channel: Channel) -> list[Message]:
        """List the messages everyone can see in a channel, oldest first."""
        shown = [x for x in self.messages.values() if not (x.deleted or x.ephemeral)]
        return [x for x in shown if x.channel_id == channel.id]

    def posts_in(self, channel: Channel) -> list[Message]:
        """List what the bot posted to a channel by itself (not interaction answers), oldest first."""
        return [x for x in self.posts if x.channel_id == channel.id and not x.deleted]

    async def wait_for_posts(self, channel: Channel, count: int = 1, within: float = 5.0) -> list[Message]:
        """Wait until the bot has posted at least `count` messages to `channel`; return them all."""

        def enough() -> list[Message]:
            posts = self.posts_in(channel)
            return posts if len(posts) >= count else []

        return await self.wait_until(enough, within, f"{count} post(s) in #{channel.name}")

    async def wait_for_reply(self, message: Message, within: float = 5.0) -> Message:
        """Wait for the bot's reply to a member's message."""

        def reply() -> Message | None:
            refs = (((x.data.get("message_reference") or {}).get("message_id"), x) for x in self.posts)
            return next((x for ref, x in refs if ref == str(message.id)), None)

        return await self.wait_until(reply, within, f"a reply to message {message.id}")

    # -- sending interactions ------------------------------------------------------------------
    def _interaction(self, kind: int, data: dict[str, Any], member: Member, channel: Channel,
                     message: Message | None) -> Interaction:  # fmt: skip
        guild = self.guilds[channel.guild_id]
        ix = Interaction(snowflake(), secrets.token_urlsafe(48), kind, {})
        ix.payload = INTERACTION | {"id": str(ix.id), "application_id": str(self.app_id), "type": kind,
                     "data": data, "token": ix.token, "guild_id": str(guild.id),
                     "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
                     "channel": channel.payload(), "channel_id": str(channel.id),
                     "member": member.payload(guild.permissions(member, channel)),
                     "app_permissions": str(self.bot_permissions(channel)),
                     "authorizing_integration_owners": {"0": str(guild.id)}}  # fmt: skip
        if message is not None:
            ix.payload["message"] = message.data
        return ix

    async def _interact(self, kind: int, data: dict[str, Any], member: Member, channel: Channel, *,
                        message: Message | None = None, wait: bool = True, settle: bool = True,
                        within: float = 5.0) -> Interaction:  # fmt: skip
        ix = self._interaction(kind, data, member, channel, message)
        self.interactions[ix.id], self.by_token[ix.token] = ix, ix
        ix.created = time.monotonic()
        self._timers[ix.id] = asyncio.get_running_loop().call_later(self.deadline, self.expire, ix)
        await self.dispatch("INTERACTION_CREATE", ix.payload, intent=None)
        if not wait:
            return ix

        def done() -> bool:
            if ix.response_type is None:
                return ix.expired
            return not settle or ix.response_type not in (5, 6) or ix.completed

        await self.wait_until(done, self.deadline + within, f"the bot to answer interaction {data}")
        assert not ix.expired, f"the bot gave no initial response within {self.deadline} s to {data}"
        return ix
