"""Send a rendered Reply as an interaction response, deferring first when the work runs long."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

import discord

from bot.app import limits
from bot.app.render import Reply

# Discord drops an interaction not answered within 3 s; past this much work, defer first.
DEFER_AFTER_S = 1.5


def build_view(reply: Reply) -> discord.ui.View | None:
    """Return a view with the reply's link buttons on the first row and its controls below."""
    if not reply.links and not reply.controls:
        return None
    # No timeout: link buttons need no listener and paging buttons are dynamic items, so
    # nothing is kept in memory per message.
    view = discord.ui.View(timeout=None)
    for link in reply.links[: limits.BUTTONS_PER_ROW]:
        view.add_item(
            discord.ui.Button(style=discord.ButtonStyle.link, label=link.label, url=link.url, row=0)
        )
    for item in reply.controls:
        item.row = 1
        view.add_item(item)
    return view


def message_kwargs(reply: Reply) -> dict[str, Any]:
    """Return the keyword arguments discord.py's send and edit methods take for this reply."""
    kwargs: dict[str, Any] = {"content": reply.content, "embeds": limits.fit_total(list(reply.embeds))}
    view = build_view(reply)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer the interaction with `reply`, as the initial response or as a followup."""
    kwargs = message_kwargs(reply)
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs, ephemeral=reply.ephemeral)
        return
    if reply.ephemeral and _public_defer_pending(interaction):
        # The first followup would fill the public "thinking…" message and ignore the ephemeral
        # flag; remove that placeholder so a note meant for one member stays private.
        with contextlib.suppress(discord.NotFound):
            await interaction.delete_original_response()
    interaction.extras["followed_up"] = True
    await interaction.followup.send(**kwargs, ephemeral=reply.ephemeral, wait=False)


def _public_defer_pending(interaction: discord.Interaction) -> bool:
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    return deferred and not interaction.extras.get("followed_up")


async def answer(interaction: discord.Interaction, work: Awaitable[Reply]) -> None:
    """Run `work` and send its reply; defer if it has not finished well before the 3 s deadline."""
    await send(interaction, await _within_deadline(interaction, work, thinking=True))


async def _within_deadline(
    interaction: discord.Interaction, work: Awaitable[Reply], *, thinking: bool
) -> Reply:
    """Return `work`'s reply, deferring the interaction first if the work outlasts DEFER_AFTER_S."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_S)
        if not done:
            await interaction.response.defer(thinking=thinking)
        return await task
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def update(interaction: discord.Interaction, work: Awaitable[Reply]) -> None:
    """Redraw the pressed message with `work`'s reply (an ephemeral reply is sent apart instead)."""
    reply = await _within_deadline(interaction, work, thinking=False)  # a deferred update: no spinner
    if reply.ephemeral:
        await send(interaction, reply)
    elif interaction.response.is_done():
        await interaction.edit_original_response(**message_kwargs(reply))
    else:
        await interaction.response.edit_message(**message_kwargs(reply))
