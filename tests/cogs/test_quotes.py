"""`/quote speaker|search|random` and the "Find quote" message menu end to end through the emulator."""

from __future__ import annotations

import asyncio
import logging
from unittest import mock

from bot.app import respond
from bot.app.render import messages
from bot.errors import NotFoundError
from tests.cogs.conftest import page

SEED = "https://www.youtube.com/watch?v=EV7WhVT270Q"
NATHAN_MOMENTS = [("15:32", 932), ("17:05", 1025), ("2:28:05", 8885)]


async def test_nathan_lamber_gets_nathan_lamberts_three_quotes_linked_to_their_seconds(emulator, live_bot):
    ix = await emulator.invoke("/quote speaker", name="nathan lamber")
    (embed,) = ix.message.embeds
    assert embed["title"] == "Quotes by Nathan Lambert"
    assert [f["name"] for f in embed["fields"]] == ["Nathan Lambert"] * 3
    for field, (stamp, second) in zip(embed["fields"], NATHAN_MOMENTS, strict=True):
        assert f"[▶ {stamp}]({SEED}&t={second}s)" in field["value"]
    buttons = [(b["label"], b["url"]) for b in ix.message.buttons]
    assert buttons == [(f"▶ {stamp}", f"{SEED}&t={second}s") for stamp, second in NATHAN_MOMENTS]
    assert not ix.ephemeral


async def test_speaker_within_a_typed_episode(emulator, live_bot):
    ix = await emulator.invoke("/quote speaker", name="raschka", episode="#490")
    (embed,) = ix.message.embeds
    assert embed["title"].startswith("Quotes by Sebastian Raschka in State of AI in 2026")
    assert len(embed["fields"]) == 4
    assert "[▶ 2:46:45](https://www.youtube.com/watch?v=EV7WhVT270Q&t=10005s)" in ix.message.text


async def test_unknown_speaker_is_an_ephemeral_note(emulator, live_bot):
    ix = await emulator.invoke("/quote speaker", name="qqqqzzzz")
    assert ix.ephemeral
    assert ix.message.content.startswith("No speaker matches “qqqqzzzz”.")
    assert ix.message.embeds == []


async def test_a_misspelt_speaker_resolves(emulator, live_bot):
    ix = await emulator.invoke("/quote speaker", name="Sebastain")
    assert not ix.ephemeral
    assert ix.message.embeds[0]["title"] == "Quotes by Sebastian Raschka"


async def test_a_speaker_too_far_off_gets_suggestions_instead(emulator, live_bot):
    ix = await emulator.invoke("/quote speaker", name="sebastian qqqq")
    assert ix.ephemeral
    assert ix.message.content == "No speaker matches “sebastian qqqq”. Did you mean **Sebastian Raschka**?"


async def test_search_is_typo_tolerant(emulator, live_bot):
    ix = await emulator.invoke("/quote search", text="recursive languag model")
    first = ix.message.embeds[0]["fields"][0]
    assert first["name"] == "Sebastian Raschka"
    assert f"[▶ 2:46:45]({SEED}&t=10005s)" in first["value"]


async def test_search_finding_nothing_says_so(emulator, live_bot):
    ix = await emulator.invoke("/quote search", text="xylophone quasar")
    assert ix.ephemeral
    assert ix.message.content.startswith("No quote matches “xylophone quasar”.")


async def test_random_quote_by_a_speaker(emulator, live_bot):
    ix = await emulator.invoke("/quote random", speaker="nathan")
    (embed,) = ix.message.embeds
    assert "— **Nathan Lambert** · [▶ " in embed["description"]
    assert ix.message.buttons[0]["url"].startswith(f"{SEED}&t=")


async def test_random_quote_from_anyone(emulator, live_bot):
    ix = await emulator.invoke("/quote random")
    assert "[▶ " in ix.message.embeds[0]["description"]


async def test_speaker_autocomplete_answers_from_memory(emulator, live_bot):
    ix = await emulator.autocomplete("/quote speaker", "name", "nath")
    assert ix.choices[0]["value"] == "Nathan Lambert"
    assert ix.choices[0]["name"].startswith("Nathan Lambert")
    assert len(ix.choices) <= 25


async def test_episode_autocomplete_on_a_quote_option(emulator, live_bot):
    ix = await emulator.autocomplete("/quote random", "episode", "state of", speaker="raschka")
    assert ix.choices
    assert ix.choices[0]["name"].startswith("State of AI in 2026")


async def test_search_cooldown_after_five_in_ten_seconds(emulator, live_bot):
    for _ in range(5):
        ix = await emulator.invoke("/quote search", text="recursive language model")
        assert not ix.ephemeral
    ix = await emulator.invoke("/quote search", text="recursive language model")
    assert ix.ephemeral
    assert ix.message.content.startswith("You're asking quickly — try again in ")
    other = await emulator.invoke("/quote search", text="recursive language model", member=emulator.admin)
    assert not other.ephemeral


async def test_a_quote_with_everyone_and_markdown_shows_literally_and_pings_nobody(emulator, start_bot):
    text = "@everyone read **this** [now](https://evil.example) and ||that||"
    pages = {"tricky": page("Tricky Talk | Test Show #1", [(text, "Mallory Test", "1:00")])}
    async with start_bot(pages):
        ix = await emulator.invoke("/quote speaker", name="mallory")
    value = ix.message.embeds[0]["fields"][0]["value"]
    assert "“@everyone read \\*\\*this\\*\\* \\[now](https://evil.example) and \\|\\|that\\|\\|”" in value
    assert ix.message.allowed_mentions == {"parse": []}
    assert emulator.take_leaks() == []


async def test_an_over_long_quote_is_shortened_not_refused(emulator, start_bot):
    long = "This sentence keeps going. " * 200
    pages = {"long": page("Long Talk | Test Show #2", [(long, "Verbose Person", "0:42")])}
    async with start_bot(pages):
        ix = await emulator.invoke("/quote speaker", name="verbose person")
        card = await emulator.invoke("/quote random", speaker="verbose person")
    value = ix.message.embeds[0]["fields"][0]["value"]
    assert len(value) <= 1024
    assert "…”" in value
    assert "▶ 0:42" in value
    assert card.message.embeds[0]["description"].count("…") == 1


def many_quotes(count: int) -> str:
    quotes = [(f"Point number {n} about scaling.", "Pat Pager", f"{n}:00") for n in range(1, count + 1)]
    return page("Paging Talk | Test Show #3", quotes)


async def test_long_lists_page_for_the_member_who_asked_even_after_a_restart(emulator, start_bot):
    async with start_bot({"paging": many_quotes(12)}):
        ix = await emulator.invoke("/quote speaker", name="pat pager")
        first = ix.message
        assert first.embeds[0]["footer"]["text"] == "Page 1/3 · 12 quotes"
        assert first.button(label="◀ Previous")["disabled"] is True

        stranger = await emulator.click(first, label="Next ▶", member=emulator.admin)
        assert stranger.ephemeral
        assert stranger.message.content == messages.NOT_YOURS
        assert "Page 1/3" in first.text

        turned = await emulator.click(first, label="Next ▶")
        assert turned.response_type == 7
        assert "Page 2/3" in first.text
        assert "Point number 6 about" in first.text

    async with start_bot({"paging": many_quotes(12)}):  # a new process would start the same way
        again = await emulator.click(first, label="Next ▶")
        assert again.response_type == 7
        assert "Page 3/3 · 12 quotes" in first.text
        assert first.button(label="Next ▶")["disabled"] is True


async def test_a_page_of_a_list_that_no_longer_exists_says_so(emulator, start_bot):
    async with start_bot({"paging": many_quotes(12)}):
        ix = await emulator.invoke("/quote speaker", name="pat pager")
    async with start_bot({"paging": many_quotes(4)}):  # the data shrank to one page
        ix2 = await emulator.click(ix.message, label="Next ▶")
    assert ix2.ephemeral
    assert ix2.message.content == messages.EXPIRED


async def test_an_unexpected_error_is_reported_with_an_id_and_the_bot_keeps_serving(
    emulator, live_bot, caplog
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    with (
        mock.patch.object(live_bot.kb, "quotes_by_speaker", broken),
        caplog.at_level(logging.ERROR, "bot.app.tree"),
    ):
        ix = await emulator.invoke("/quote speaker", name="nathan")
    assert ix.ephemeral
    content = ix.message.content
    assert content.startswith("Something went wrong (error id ")
    error_id = content.split("error id ")[1].split(")")[0]
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert "database on fire" in caplog.text
    assert record.exc_info is not None
    ok = await emulator.invoke("/quote speaker", name="nathan")
    assert ok.message.embeds[0]["title"] == "Quotes by Nathan Lambert"


async def test_a_failing_autocomplete_is_logged_and_offers_nothing(emulator, live_bot, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("index gone")

    monkeypatch.setattr(live_bot.kb, "suggest_speakers", broken)
    with caplog.at_level(logging.ERROR, logger="bot.app.tree"):
        ix = await emulator.autocomplete("/quote speaker", "name", "nat")
    assert ix.choices == []
    assert "index gone" in caplog.text


async def test_slow_work_is_deferred_then_answered(emulator, live_bot, monkeypatch):
    monkeypatch.setattr(respond, "DEFER_AFTER_S", 0)
    ix = await emulator.invoke("/quote speaker", name="nathan lamber")
    assert ix.response_type == 5
    assert ix.message.embeds[0]["title"] == "Quotes by Nathan Lambert"
    assert not ix.message.loading


async def test_a_not_found_after_a_defer_stays_private(emulator, live_bot, monkeypatch):
    async def slow_nothing(*_args, **_kwargs):
        await asyncio.sleep(0.01)
        raise NotFoundError("speaker", "qqqqzzzz")

    monkeypatch.setattr(respond, "DEFER_AFTER_S", 0)
    monkeypatch.setattr(live_bot.kb, "quotes_by_speaker", slow_nothing)
    ix = await emulator.invoke("/quote speaker", name="nathan")
    assert ix.response_type == 5
    assert ix.original.deleted
    (note,) = ix.followups
    assert note.ephemeral
    assert note.content.startswith("No speaker matches")


async def test_a_slow_page_turn_is_a_deferred_update_of_the_same_message(emulator, start_bot, monkeypatch):
    async with start_bot({"paging": many_quotes(12)}) as bot:
        ix = await emulator.invoke("/quote speaker", name="pat pager")
        real = bot.kb.quotes_by_speaker

        async def slow(*args, **kwargs):
            await asyncio.sleep(0.01)
            return await real(*args, **kwargs)

        monkeypatch.setattr(respond, "DEFER_AFTER_S", 0)
        with mock.patch.object(bot.kb, "quotes_by_speaker", slow):
            turned = await emulator.click(ix.message, label="Next ▶")
    assert turned.response_type == 6
    assert "Page 2/3" in ix.message.text
    assert turned.followups == []


async def test_find_quote_finds_the_source_of_a_half_remembered_line(emulator, live_bot):
    message = await emulator.post("someone said the recursive language model paper addresses long context?")
    ix = await emulator.invoke_message_command("Find quote", message, member=emulator.admin)
    first = ix.message.embeds[0]["fields"][0]
    assert first["name"] == "Sebastian Raschka"
    assert f"[▶ 2:46:45]({SEED}&t=10005s)" in first["value"]
    assert not ix.ephemeral


async def test_find_quote_on_a_message_without_text_is_explained(emulator, live_bot):
    message = await emulator.post("")
    ix = await emulator.invoke_message_command("Find quote", message)
    assert ix.ephemeral
    assert ix.message.content == "Give me a few words of the quote to look for."


TITLE_IN_BAR_EPISODE = "Quotes by Pat Pager in Paging Talk \\| Test Show #3"  # titles escape markdown


async def test_pages_of_a_speaker_in_an_episode_whose_key_contains_a_bar(emulator, start_bot):
    async with start_bot({"talk|part-2": many_quotes(12)}):
        ix = await emulator.invoke("/quote speaker", name="pat pager", episode="talk|part-2")
        assert ix.message.embeds[0]["title"] == TITLE_IN_BAR_EPISODE
        turned = await emulator.click(ix.message, label="Next ▶")
    assert turned.response_type == 7
    assert ix.message.embeds[0]["title"] == TITLE_IN_BAR_EPISODE
    assert ix.message.embeds[0]["footer"]["text"] == "Page 2/3 · 12 quotes"


async def test_buttons_sent_before_arguments_were_packed_still_turn_pages(live_bot):
    from cogs.quotes import BY_SPEAKER

    title, quotes = await BY_SPEAKER.load(live_bot.kb, "Nathan Lambert|lex-fridman-490", 10)
    assert title.startswith("Quotes by Nathan Lambert in State of AI")
    assert len(quotes) == 3
