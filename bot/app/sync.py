"""Sync slash commands deliberately: only when their payload changed, or when asked to."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.app import gateway

if TYPE_CHECKING:
    from bot.storage.database import Database

log = logging.getLogger(__name__)


def target_key(guild_id: int | None) -> str:
    """Return the bot_state key remembering the last synced payload for global or one guild."""
    return f"commands_synced:guild:{guild_id}" if guild_id else "commands_synced:global"


def payload_hash(tree: app_commands.CommandTree, guild_id: int | None, api_base: str) -> str:
    """Return a digest of exactly what a sync would send, and to which application and API."""
    guild = discord.Object(guild_id) if guild_id else None
    payload = [command.to_dict(tree) for command in gateway.all_commands(tree, guild)]
    payload.sort(key=lambda item: (item.get("type", 1), item["name"]))
    blob = json.dumps(
        {"app": tree.client.application_id, "api": api_base, "commands": payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree, db: Database, guild_id: int | None, api_base: str, *, force: bool = False
) -> bool:
    """Sync to `guild_id` (globals copied there) or globally if changed or forced; tell if it synced."""
    guild = discord.Object(guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    digest = payload_hash(tree, guild_id, api_base)
    key = target_key(guild_id)
    where = f"guild {guild_id}" if guild_id else "all servers (global)"
    if not force and await db.get_state(key) == digest:
        log.info("Slash commands unchanged since the last sync to %s; not syncing", where)
        return False
    synced = await tree.sync(guild=guild)
    # Recorded only after Discord accepted it, so a failed sync is retried on the next start.
    await db.set_state(key, digest)
    log.info("Synced %d commands to %s", len(synced), where)
    return True
