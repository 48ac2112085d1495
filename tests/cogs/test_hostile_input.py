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
