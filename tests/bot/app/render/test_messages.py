from bot.app.render import messages
from bot.errors import NotFoundError, UserError
from tests.helpers import embed_problems


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


def test_help_lists_every_command_with_an_example():
    (embed,) = messages.help_card().embeds
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
