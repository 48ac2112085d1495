import asyncio
from unittest import mock

import discord

from bot.app import respond
from bot.app.render import Link, Reply
from tests.helpers import mock_interaction


def test_view_puts_link_buttons_first():
    view = respond.build_view(Reply(links=[Link("▶ 2:46:45", "https://example.com/?t=1")]))
    (button,) = view.children
    assert button.url == "https://example.com/?t=1"
    assert button.style is discord.ButtonStyle.link
    assert view.timeout is None


def test_no_buttons_no_view():
    assert respond.build_view(Reply(content="hi")) is None
    assert "view" not in respond.message_kwargs(Reply(content="hi"))


async def test_send_uses_the_initial_response_first():
    interaction = mock_interaction()
    await respond.send(interaction, Reply(content="hi", ephemeral=True))
    interaction.response.send_message.assert_awaited_once_with(content="hi", embeds=[], ephemeral=True)


async def test_send_follows_up_once_responded():
    interaction = mock_interaction(done=True)
    await respond.send(interaction, Reply(content="hi"))
    interaction.followup.send.assert_awaited_once_with(content="hi", embeds=[], ephemeral=False, wait=False)


async def test_fast_work_is_answered_without_deferring():
    interaction = mock_interaction()

    async def work() -> Reply:
        return Reply(content="done")

    await respond.answer(interaction, work())
    interaction.response.defer.assert_not_awaited()
    interaction.response.send_message.assert_awaited_once()


async def test_slow_work_is_deferred_then_followed_up(monkeypatch):
    monkeypatch.setattr(respond, "DEFER_AFTER_S", 0)
    interaction = mock_interaction()
    release = asyncio.Event()

    async def deferred(**_kwargs):
        interaction.response.is_done.return_value = True
        interaction.response.type = discord.InteractionResponseType.deferred_channel_message
        release.set()

    interaction.response.defer.side_effect = deferred

    async def work() -> Reply:
        await release.wait()
        return Reply(content="done")

    await respond.answer(interaction, work())
    interaction.response.defer.assert_awaited_once_with(thinking=True)
    interaction.followup.send.assert_awaited_once()
    assert interaction.followup.send.await_args.kwargs["content"] == "done"


def deferred_interaction():
    interaction = mock_interaction(done=True)
    interaction.response.type = discord.InteractionResponseType.deferred_channel_message
    return interaction


async def test_a_private_note_after_a_public_defer_replaces_the_placeholder():
    interaction = deferred_interaction()
    await respond.send(interaction, Reply(content="No episode matches.", ephemeral=True))
    interaction.delete_original_response.assert_awaited_once()
    assert interaction.followup.send.await_args.kwargs["ephemeral"] is True


async def test_a_public_answer_after_a_defer_fills_the_placeholder():
    interaction = deferred_interaction()
    await respond.send(interaction, Reply(content="Here."))
    interaction.delete_original_response.assert_not_awaited()


async def test_only_the_first_followup_can_replace_the_placeholder():
    interaction = deferred_interaction()
    await respond.send(interaction, Reply(content="Here."))
    await respond.send(interaction, Reply(content="Oops.", ephemeral=True))
    interaction.delete_original_response.assert_not_awaited()


async def test_a_slow_update_defers_without_a_spinner_then_edits_the_message(monkeypatch):
    monkeypatch.setattr(respond, "DEFER_AFTER_S", 0)
    interaction = mock_interaction()
    interaction.edit_original_response = mock.AsyncMock()
    release = asyncio.Event()

    async def deferred(**_kwargs):
        interaction.response.is_done.return_value = True
        interaction.response.type = discord.InteractionResponseType.deferred_message_update
        release.set()

    interaction.response.defer.side_effect = deferred

    async def work() -> Reply:
        await release.wait()
        return Reply(content="page 2")

    await respond.update(interaction, work())
    interaction.response.defer.assert_awaited_once_with(thinking=False)
    assert interaction.edit_original_response.await_args.kwargs["content"] == "page 2"


async def test_a_fast_update_edits_in_the_initial_response():
    interaction = mock_interaction()

    async def work() -> Reply:
        return Reply(content="page 2")

    await respond.update(interaction, work())
    interaction.response.edit_message.assert_awaited_once()
    interaction.response.defer.assert_not_awaited()


async def test_an_ephemeral_note_is_sent_apart_not_over_the_list():
    interaction = mock_interaction()

    async def work() -> Reply:
        return Reply(content="not yours", ephemeral=True)

    await respond.update(interaction, work())
    interaction.response.edit_message.assert_not_awaited()
    assert interaction.response.send_message.await_args.kwargs["ephemeral"] is True
