"""A local Discord (REST v10 and gateway) that the real discord.py connects to, for end-to-end tests."""

from tests.emulator.driver import CommandUnavailableError
from tests.emulator.model import Channel, Guild, Interaction, Member, Message
from tests.emulator.server import Emulator

__all__ = ["Channel", "CommandUnavailableError", "Emulator", "Guild", "Interaction", "Member", "Message"]
