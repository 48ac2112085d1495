import discord
import pytest
from discord.app_commands import Choice

from bot.app import limits
from tests.helpers import embed_problems


def test_fit_escapes_before_measuring():
    text = "*" * 100
    fitted = limits.fit(text, 50)
    assert len(fitted) <= 50
    assert fitted.endswith("…")
    # every star that is shown stays escaped
    assert fitted == "\\*" * 24 + "…"


def test_fit_never_leaves_a_dangling_backslash():
    # "a\*\*..." cut to four characters would end inside the second escape pair
    assert limits.fit("a" + "*" * 10, 5) == "a\\*…"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("[click](https://evil.example)", "\\[click](https://evil.example)"),
        ("`code`", "\\`code\\`"),
        ("under_score", "under\\_score"),
    ],
)
def test_escape_shows_markdown_literally(raw, shown):
    assert limits.escape(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("> quoted\n# heading\n  - item\n-# small", "\\> quoted\n\\# heading\n  \\- item\n\\-# small"),
        ("mid-line # and - and > stay", "mid-line # and - and > stay"),
        ("a back\\slash", "a back\\\\slash"),
        ("see https://example.org/a_b_(c) and _this_", "see https://example.org/a_b_(c) and \\_this\\_"),
    ],
)
def test_escape_handles_line_starts_backslashes_and_leaves_bare_links_working(raw, shown):
    assert limits.escape(raw) == shown


# discord.py's escape_markdown backtracks on these: 6,000 characters of "[a](" took ten seconds.
HOSTILE = ["[a](" * 15_000, "*" * 60_000, "_a" * 30_000, "http://" + "." * 60_000, " \n" * 30_000]


@pytest.mark.parametrize("text", HOSTILE, ids=["links", "stars", "underscores", "dots", "lines"])
def test_escape_and_fit_take_any_text(text):
    assert len(limits.escape(text)) >= len(text)
    assert len(limits.fit(text, 100)) <= 100


@pytest.mark.parametrize(
    "markup",
    ["<@123>", "<@!123>", "<@&456>", "<#789>", "</ask:1>", "<t:0>", "<t:0:R>", "<:blob:1>", "<a:party:2>"],
)
def test_escape_shows_mentions_channels_commands_timestamps_and_emoji_as_typed(markup):
    assert limits.escape(f"see {markup} now") == f"see \\{markup} now"


def test_escape_leaves_mentions_text_alone():
    assert limits.escape("hi @everyone") == "hi @everyone"


def test_content_defuses_mentions_and_fits():
    text = limits.content("@everyone " + "x" * 3000)
    assert "@everyone" not in text
    assert len(text) == limits.CONTENT


def test_plain_collapses_whitespace_and_truncates():
    assert limits.plain("a\n\n b   c", 80) == "a b c"
    assert len(limits.plain("x" * 200, limits.BUTTON_LABEL)) == limits.BUTTON_LABEL


def test_clamp_choices_caps_count_and_lengths():
    choices = [Choice(name="n" * 150 + str(i), value=f"#{i}") for i in range(40)]
    clamped = limits.clamp_choices(choices)
    assert len(clamped) == limits.CHOICES
    assert all(len(c.name) <= limits.CHOICE_NAME for c in clamped)
    assert clamped[0].value == "#0"


def test_clamp_choices_skips_values_that_cannot_be_cut():
    clamped = limits.clamp_choices(
        [Choice(name="long", value="v" * 101), Choice(name="ok", value="ok"), Choice(name="", value="x")]
    )
    assert [c.value for c in clamped] == ["ok"]


def test_embed_problems_names_each_broken_limit():
    embed = discord.Embed(title="t" * 300, description="d" * 10)
    embed.add_field(name="n", value="v" * 2000)
    assert embed_problems(embed) == ["title", "field 0"]


def test_fit_total_drops_trailing_fields_to_fit_6000():
    embed = discord.Embed(title="t", description="d" * 100)
    for _ in range(8):
        embed.add_field(name="n", value="v" * 1000)
    fitted = limits.fit_total([embed])
    assert limits.embed_total(fitted) <= limits.EMBED_TOTAL
    assert all(field.value == "v" * 1000 for field in fitted[0].fields)


def test_fit_total_shortens_a_long_description_across_embeds():
    embeds = [discord.Embed(description="a" * 4000), discord.Embed(description="b" * 4000)]
    fitted = limits.fit_total(embeds)
    assert limits.embed_total(fitted) == limits.EMBED_TOTAL
    assert fitted[1].description.endswith("…")
