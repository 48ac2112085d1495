from bot.app.render import messages
from bot.errors import NotFoundError, UserError
from bot.examples import Examples
from tests.helpers import embed_problems, embed_text


def test_not_found_offers_up_to_three_suggestions():
    error = NotFoundError("speaker", "nathn", ["Nathan Lambert", "Nathan Fielder", "Jonathan Haidt", "Nate"])
    reply = messages.user_error(error)
    assert reply.ephemeral
    assert reply.content == (
        "No speaker matches “nathn”. "
        "Did you mean **Nathan Lambert**, **Nathan Fielder** or **Jonathan Haidt**?"
    )


def test_not_found_with_one_suggestion_and_with_none():
    assert messages.not_found(NotFoundError("episode", "x", ["#490"])).content.endswith(
        "Did you mean **\\#490**?"
    )
    assert messages.not_found(NotFoundError("episode", "zzz")).content == "No episode matches “zzz”."


def test_not_found_escapes_what_the_user_typed():
    reply = messages.not_found(NotFoundError("episode", "@everyone **x**"))
    assert "\\*\\*x\\*\\*" in reply.content
    assert "@everyone" not in reply.content  # defused with a zero-width space


def test_user_error_shows_its_message():
    assert messages.user_error(UserError("Give me words.")).content == "Give me words."


def test_a_user_error_shows_typed_markup_literally_but_a_markup_error_keeps_the_bots_link():
    typed = messages.user_error(UserError("There is no show called “<t:0> <#5>”."))
    assert typed.content == "There is no show called “\\<t:0> \\<#5>”."
    ours = messages.user_error(messages.MarkupError("I can't post in <#5>."))
    assert ours.content == "I can't post in <#5>."


def test_cooldown_rounds_up_to_whole_seconds():
    assert messages.cooldown(3.2).content == "You're asking quickly — try again in 4 s."
    assert messages.cooldown(0.01).content.endswith("in 1 s.")


def test_missing_permissions_names_them():
    assert messages.missing_permissions(["manage_guild"], bot=False).content == (
        "You need the Manage Server permission here to do that."
    )


def test_unexpected_carries_the_error_id():
    assert "(error id abc123)" in messages.unexpected("abc123").content


TIDAL = Examples(
    episode="14", numbered=True, title_words="salt marsh", speaker="mara", other_speaker="wren",
    quote_words="cordgrass storms", question="what does mara say about cordgrass",
)  # fmt: skip


def test_help_lists_every_command_with_an_example():
    (embed,) = messages.help_card(TIDAL, "episode-bot").embeds
    names = [f.name for f in embed.fields]
    for command in (
        "/episode",
        "/takeaways",
        "/quote speaker",
        "/quote search",
        "/quote random",
        "/related",
        "/ask",
    ):
        assert any(name.startswith(command) for name in names)
    assert "Find quote" in names
    assert embed_problems(embed) == []


def test_help_examples_are_the_data_s_own():
    (embed,) = messages.help_card(TIDAL, "tide_bot").embeds
    text = embed_text(embed)
    for example in ("/episode episode:14", "/takeaways episode:salt marsh", "/quote speaker name:mara",
                    "/quote search text:cordgrass storms", "/quote random speaker:wren",
                    "/related episode:#14", "/ask question:what does mara say about cordgrass",
                    "@tide_bot what does mara say about cordgrass"):  # fmt: skip
        assert f"Example: `{example}`" in text
    assert embed.footer.text == "Episodes can be typed as 14, #14 or part of the title; names can be partial."


def test_help_without_episodes_says_so_and_shows_no_data_examples():
    (embed,) = messages.help_card(Examples(), "episode-bot").embeds
    assert "No episodes are loaded yet" in embed.description
    examples = [f.value for f in embed.fields if "Example: `" in f.value]
    assert len(examples) == 2  # only the managers' commands, whose examples name no data
    assert "Episodes can be typed as a number" in embed.footer.text


def test_help_without_quotes_leaves_those_examples_out():
    ex = Examples(episode="deep-listening", title_words="deep listening")
    text = embed_text(messages.help_card(ex, "episode-bot").embeds[0])
    assert "`/episode episode:deep-listening`" in text
    assert "`/related episode:deep-listening`" in text
    assert "/quote speaker name:`" not in text
    assert "Example: `/quote" not in text


def test_ask_prompt_uses_a_question_of_the_data():
    assert messages.ask_prompt(TIDAL, mention=True) == (
        "Ask me something after the mention, for example: what does mara say about cordgrass?"
    )
    assert messages.ask_prompt(Examples(), mention=False) == "Ask a question about the episodes."
