"""Turn "/quote speaker" plus option values into the `data` Discord's client sends, from the bot's schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.emulator.model import Channel, Guild, Member

SUBCOMMANDS = (1, 2)
CONVERT = {3: str, 4: int, 5: bool, 10: float}
Commands = dict[int | None, list[dict[str, Any]]]


def find_command(commands: Commands, name: str, kind: int, guild_id: int) -> dict[str, Any]:
    """Find a registered command; a guild command shadows a global one of the same name."""
    for key in (guild_id, None):
        for cmd in commands.get(key, []):
            if cmd["name"] == name and cmd.get("type", 1) == kind:
                return cmd
    known = [c["name"] for cmds in commands.values() for c in cmds]
    raise AssertionError(f"the bot registered no command {name!r} of type {kind}; it has {known}")


@dataclass
class Invocation:
    """Build one slash command's interaction data as seen from `channel` by `member`."""

    guild: Guild
    member: Member
    channel: Channel
    resolved: dict[str, Any] = field(default_factory=dict)

    def data(self, commands: Commands, path: str, values: dict[str, Any],
             focused: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
        """Return (command, data) with subcommands nested as Discord nests them."""
        name, *subs = path.lstrip("/").split()
        cmd = node = find_command(commands, name, 1, self.guild.id)
        chain = []
        for sub in subs:
            node = next(
                (o for o in node.get("options", []) if o["name"] == sub and o["type"] in SUBCOMMANDS), {}
            )
            assert node, f"{path!r}: no subcommand {sub!r} in the registered schema"
            chain.append(node)
        options = [self.option(path, node, key, value, focused) for key, value in values.items()]
        required = [
            o["name"] for o in node.get("options", []) if o.get("required") and o["name"] not in values
        ]
        assert focused or not required, f"{path!r}: Discord's client requires {required}"
        for parent in reversed(chain):
            options = [{"name": parent["name"], "type": parent["type"], "options": options}]
        data = {"id": cmd["id"], "name": name, "type": 1, "options": options}
        if self.resolved:
            data["resolved"] = self.resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return cmd, data

    def option(
        self, path: str, node: dict[str, Any], key: str, value: Any, focused: str | None
    ) -> dict[str, Any]:
        """Build one option as the client would, checking it exists and fits its static choices."""
        opt = next(
            (o for o in node.get("options", []) if o["name"] == key and o["type"] not in SUBCOMMANDS), None
        )
        assert opt, f"{path!r} has no option {key!r}; it has {[o['name'] for o in node.get('options', [])]}"
        if key == focused:  # autocomplete sends what is typed so far, always as a string
            return {"name": key, "type": opt["type"], "value": str(value), "focused": True}
        choices = [c["value"] for c in opt.get("choices", [])]
        assert not choices or value in choices, f"{path!r} {key}: {value!r} is not one of {choices}"
        return {"name": key, "type": opt["type"], "value": self.value(opt["type"], value)}

    def value(self, kind: int, value: Any) -> Any:
        """Convert a value to what Discord sends; users, channels and roles also go into `resolved`."""
        if kind in CONVERT:
            return CONVERT[kind](value)
        if kind in (6, 9) and isinstance(value, Member):
            self.resolved.setdefault("users", {})[str(value.id)] = value.user
            as_member = value.payload(self.guild.permissions(value, self.channel), with_user=False)
            self.resolved.setdefault("members", {})[str(value.id)] = as_member
            return str(value.id)
        if kind == 7 and isinstance(value, Channel):
            assert value.id in self.guild.channels, f"#{value.name} was deleted; no one can pick it"
            perms = str(self.guild.permissions(self.member, value))
            self.resolved.setdefault("channels", {})[str(value.id)] = value.payload() | {"permissions": perms}
            return str(value.id)
        if kind in (8, 9) and int(value) in self.guild.roles:
            self.resolved.setdefault("roles", {})[str(value)] = self.guild.role_payload(int(value))
            return str(value)
        raise AssertionError(f"cannot send {value!r} as an option of type {kind}")
