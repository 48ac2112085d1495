"""Every command against hostile input: bounded options, answers in time, nothing that breaks."""

from __future__ import annotations

import pytest

# What a modified client or a script could send: long runs of the characters parsers trip on.
HOSTILE = {
    "spaces": " " * 5990 + "490",
    "digits": "1" * 6000,
    "hashes": "#" * 6000,
    "hash spaces": "# " * 3000,
    "space digits": " 1" * 3000,
    "links": "[a](" * 1500,
    "stars": "*" * 6000,
    "mentions": "<@1>" * 1500,
    "one long word": "a" * 6000,
}
# Free-text options and their max_length (README "Commands").
MAX_LENGTHS = {
    ("episode", "episode"): 100,
    ("takeaways", "episode"): 100,
    ("related", "episode"): 100,
    ("quote speaker", "name"): 100,
    ("quote speaker", "episode"): 100,
    ("quote random", "speaker"): 100,
    ("quote random", "episode"): 100,
    ("quote search", "text"): 300,
    ("ask", "question"): 300,
    ("search", "text"): 300,
    ("search", "episode"): 100,
    ("search", "speaker"): 100,
    ("chapters", "episode"): 100,
    ("daily set", "time"): 16,
    ("daily set", "timezone"): 64,
    ("daily set", "show"): 100,
}


def string_options(commands):
    """Yield (command path, option) for every string option of every registered slash command."""
    for command in commands:
        yield from _strings(command["name"], command.get("options") or [])


def _strings(path, options):
    for option in options:
        if option["type"] in (1, 2):
            yield from _strings(f"{path} {option['name']}", option.get("options") or [])
        elif option["type"] == 3:
            yield path, option


async def test_every_free_text_option_has_a_max_length(emulator, live_bot):
    found = {
        (path, option["name"]): option.get("max_length")
        for commands in emulator.commands.values()
        for path, option in string_options(commands)
    }
    assert found == MAX_LENGTHS


@pytest.mark.parametrize(
    ("path", "option"),
    [("/episode", "episode"), ("/quote speaker", "name"), ("/related", "episode"), ("/ask", "question")],
)
async def test_a_burst_of_hostile_values_is_answered_within_discords_deadline(
    emulator, live_bot, path, option
):
    pending = []
    for round_ in range(3):
        for name, value in HOSTILE.items():
            member = await emulator.create_member(emulator.guild, f"m{round_}{name}".replace(" ", ""))
            pending.append(await emulator.invoke(path, options={option: value}, member=member, wait=False))
    await emulator.wait_until(
        lambda: all(ix.response_type is not None or ix.expired for ix in pending),
        within=30,
        what="every hostile interaction to be answered or to expire",
    )
    late = [v for v in emulator.take_violations() if v["code"] == 10062]
    assert late == [], f"{len(late)} of {len(pending)} interactions missed the 3 s deadline"


USER, ROLE, CHANNEL = "<@123456789012345678>", "<@&323456789012345678>", "<#223456789012345678>"
MARKUP_PAGE = f"""Chips {USER} and {CHANNEL} | Markup <t:0> Show #7
About </ask:1> and <t:1700000000:R> with <a:party:523456789012345678>.
Key takeaways
- • Ping {ROLE} at <t:0:F> today
- • Go to {CHANNEL} or <id:customize> now
Recommendations (2)
"A quote with {USER} and <:blob:423456789012345678> inside"
Mallory {ROLE} · ▶ 1:00
"Another quote from </quote search:9> about <t:0>"
Mallory {ROLE} · ▶ 2:00
More from these creators
Related <t:0> Talk | Markup <t:0> Show #8
"""


async def test_mention_channel_command_timestamp_and_emoji_markup_in_the_data_shows_literally(
    emulator, start_bot
):
    async with start_bot({"markup": MARKUP_PAGE}):
        answers = [
            await emulator.invoke("/episode", episode="markup"),
            await emulator.invoke("/takeaways", episode="markup"),
            await emulator.invoke("/related", episode="markup"),
            await emulator.invoke("/quote speaker", name="mallory"),
            await emulator.invoke("/quote search", text="a quote with blob inside"),
            await emulator.invoke("/quote random", speaker="mallory"),
            await emulator.invoke("/ask", question="ping today"),
            await emulator.invoke("/episode", episode="<t:0> no such thing"),
        ]
        typed = await emulator.post(f"{USER} another quote from about")
        answers.append(await emulator.invoke_message_command("Find quote", typed))
        asked = await emulator.post(f"{emulator.bot_mention} go to {CHANNEL} now")
        replies = [x.message for x in answers] + [await emulator.wait_for_reply(asked)]
    for message in replies:
        assert message.live_markup == [], message.text
    shown = "\n".join(message.text for message in replies)
    for markup in (USER, ROLE, CHANNEL, "</ask:1>", "<t:0>", "<t:0:F>", "<:blob:423456789012345678>"):
        assert "\\" + markup in shown, markup


PARENS_URL = "https://example.org/watch?q=" + "( )" * 160  # 508 characters, 1,148 once escaped
HUGE_URL = "https://example.org/" + "a" * 3000


def url_episode(title: str, url: str, speaker: str, text: str, related: str = "") -> str:
    """Return a standalone metadata file for an episode with this URL, one quote and a related title."""
    return (
        f'title = "{title}"\nshow = "Link Show"\nnumber = {len(title)}\nurl = "{url}"\n'
        f'takeaways = ["{text}"]\nrelated = {[related] if related else []}\n\n'
        f'[[quotes]]\ntext = "{text}"\nspeaker = "{speaker}"\ntime = "1:00"\n'
    )


async def test_over_long_episode_urls_are_dropped_from_answers_rather_than_breaking_them(
    emulator, start_bot, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "parens.toml").write_text(
        url_episode("Parens", PARENS_URL, "Pat Parens", "Brackets everywhere in the link"), encoding="utf-8"
    )
    (data / "huge.toml").write_text(
        url_episode(
            "Huge Link", HUGE_URL, "Hugh Link", "A link longer than any embed takes", "Parens | Link Show #6"
        ),
        encoding="utf-8",
    )
    async with start_bot():
        answers = [
            await emulator.invoke("/quote speaker", name="pat parens"),
            await emulator.invoke("/quote search", text="brackets everywhere link"),
            await emulator.invoke("/ask", question="brackets everywhere in the link"),
            await emulator.invoke("/quote random", speaker="pat parens"),
            await emulator.invoke("/quote speaker", name="hugh link"),
            await emulator.invoke("/quote random", speaker="hugh link"),
            await emulator.invoke("/episode", episode="huge"),
            await emulator.invoke("/takeaways", episode="huge"),
            await emulator.invoke("/related", episode="huge"),
        ]
    assert emulator.take_violations() == []
    for ix in answers:
        assert ix.message.embeds, ix.message.content
        assert "example.org" not in ix.message.text  # neither fits a masked link once encoded
        assert "example.org/aaa" not in str(ix.message.embeds)  # nor the huge one any embed url
        assert all("example.org" not in button.get("url", "") for button in ix.message.buttons)
    assert answers[3].message.embeds[0]["url"] == PARENS_URL.replace(" ", "%20")  # 828: an embed takes it
    assert "“Brackets everywhere in the link”\n▶ 1:00" in answers[0].message.embeds[0]["fields"][0]["value"]
