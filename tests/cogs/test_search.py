"""`/search`, `/chapters` and the transcript side of `/ask`, Find quote and `/episode`, end to end."""

from __future__ import annotations

import re

from tests.bot.transcript_files import GREEN_HOUR, SOIL_META, SOIL_VTT

SOIL = "https://www.youtube.com/watch?v=greenhour12"
FUNGI = "https://www.youtube.com/watch?v=greenhour13"


async def test_search_names_the_speaker_and_links_the_second_the_words_are_said(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        ix = await emulator.invoke("/search", text="earthwroms do the hard work")
    assert not ix.ephemeral
    (embed,) = ix.message.embeds
    first = embed["fields"][0]
    assert first["name"] == "Priya Raman"  # "Guest 1" in the file, mapped by the metadata
    # The moment starts at 0:15; the sentence with these words at 0:24.
    assert f"[▶ 0:24]({SOIL}&t=24s)" in first["value"]
    assert "**Earthworms** do the **hard** **work**" in first["value"]
    assert "Soil and Sleep \\| Green Hour #12" in first["value"]
    assert "*Welcome*" in first["value"]
    assert ix.message.buttons[0]["url"] == f"{SOIL}&t=24s"
    assert ix.message.buttons[0]["label"] == "▶ 0:24 · Priya Raman"


async def test_search_over_two_episodes_finds_each_ones_words(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        soil = await emulator.invoke("/search", text="gardeners sleep")
        fungi = await emulator.invoke("/search", text="what happens under the forest floor")
    assert soil.message.embeds[0]["fields"][0]["name"] == "Dana Whitfield"
    # The moment starts at 1:40 with "Let us talk about sleep itself."; both words are in the next
    # sentence, said half way through the same cue.
    assert f"[▶ 1:45]({SOIL}&t=105s)" in soil.message.embeds[0]["fields"][0]["value"]
    first = fungi.message.embeds[0]["fields"][0]
    assert first["name"] == "Dana Whitfield"  # SPEAKER_00, mapped
    assert f"[▶ 12:30]({FUNGI}&t=750s)" in first["value"]
    assert "*Under the forest floor*" in first["value"]


async def test_a_label_the_metadata_does_not_map_is_shown_as_written(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        ix = await emulator.invoke("/search", text="jar of forest soil")
    assert ix.message.embeds[0]["fields"][0]["name"] == "SPEAKER\\_01"


async def test_search_within_one_episode_or_by_one_speaker(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        everywhere = await emulator.invoke("/search", text="green hour")
        in_13 = await emulator.invoke("/search", text="green hour", episode="13")
        by_priya = await emulator.invoke("/search", text="sleep", speaker="priya")
        autocompleted = await emulator.autocomplete("/search", "speaker", "priy")
    assert len(everywhere.message.embeds[0]["fields"]) == 2
    (only,) = in_13.message.embeds[0]["fields"]
    assert FUNGI in only["value"]
    assert "in Green Hour #13" in in_13.message.embeds[0]["title"]
    names = {field["name"] for field in by_priya.message.embeds[0]["fields"]}
    assert names == {"Priya Raman"}
    assert "Priya Raman" in [choice["name"].split(" · ")[0] for choice in autocompleted.choices]


async def test_search_finding_nothing_or_an_unknown_speaker_explains(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        nothing = await emulator.invoke("/search", text="xylophone quasar")
        nobody = await emulator.invoke("/search", text="sleep", speaker="zzyzx qwv")
    assert nothing.ephemeral
    assert nothing.message.content.startswith("Nothing said matches “xylophone quasar” in the transcripts.")
    assert nobody.ephemeral
    assert nobody.message.content.startswith("No speaker matches")


async def test_transcript_text_shows_literally_and_pings_nobody(emulator, start_bot):
    files = dict(GREEN_HOUR)
    files["green-12.vtt"] = SOIL_VTT.replace(
        "Earthworms do", "@everyone **Earthworms** [do](https://x.example)"
    )
    async with start_bot(files=files):
        ix = await emulator.invoke("/search", text="earthworms")
    value = ix.message.embeds[0]["fields"][0]["value"]
    assert "@everyone \\*\\***Earthworms**\\*\\* \\[do](https://x.example)" in value
    assert ix.message.allowed_mentions == {"parse": []}


async def test_chapters_link_each_to_its_start(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        ix = await emulator.invoke("/chapters", episode="soil and sleep")
        none = await emulator.invoke("/chapters", episode="490")
    (embed,) = ix.message.embeds
    assert embed["title"] == "Chapters · Soil and Sleep \\| Green Hour #12"
    assert embed["description"].split("\n") == [
        f"[▶ 0:00]({SOIL}&t=0s) Welcome",
        f"[▶ 1:30]({SOIL}&t=90s) Sleep and the garden",
    ]
    assert none.ephemeral
    assert none.message.content.endswith("has no chapters in the data.")


async def test_ask_answers_from_a_moment_citing_speaker_episode_chapter_and_second(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        ix = await emulator.invoke("/ask", question="what resets the body clock of gardeners?")
    first = ix.message.embeds[0]["fields"][0]
    assert first["name"] == "Transcript · Priya Raman"
    assert "Physical work outdoors resets the body clock" in first["value"]
    assert "*Sleep and the garden*" in first["value"]
    assert f"[▶ 1:53]({SOIL}&t=113s)" in first["value"]


async def test_ask_ranks_a_curated_quote_before_the_moment_saying_the_same(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        ix = await emulator.invoke(
            "/ask", question="trees trade sugar for minerals through the fungal network"
        )
    names = [field["name"] for field in ix.message.embeds[0]["fields"]]
    assert names[0] == "Quote · Priya Raman"
    assert "Transcript · SPEAKER\\_01" in names


async def test_find_quote_finds_a_transcript_line_no_quote_has(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        message = await emulator.post("who said physical work outdoors resets the body clock??")
        ix = await emulator.invoke_message_command("Find quote", message)
        search = await emulator.invoke("/quote search", text="morning light matters most")
    first = ix.message.embeds[0]["fields"][0]
    assert first["name"] == "Priya Raman"
    assert f"[▶ 1:53]({SOIL}&t=113s)" in first["value"]
    assert search.message.embeds[0]["fields"][0]["name"] == "Priya Raman"


async def test_episode_card_says_what_the_transcript_covers(emulator, start_bot):
    async with start_bot(files=GREEN_HOUR):
        with_transcript = await emulator.invoke("/episode", episode="12")
        without = await emulator.invoke("/episode", episode="490")
    fields = {f["name"]: f["value"] for f in with_transcript.message.embeds[0]["fields"]}
    assert re.fullmatch(r"\d moments up to 2:05 · 2 chapters", fields["Transcript"])
    assert {f["name"]: f["value"] for f in without.message.embeds[0]["fields"]}["Transcript"] == "none"


def long_talk(moments: int) -> dict[str, str]:
    """Return an episode whose transcript says "compost" in `moments` turns, a minute apart."""
    voices = ("Dana Whitfield", "Guest 1")
    cues = "".join(
        f"\n00:{n:02d}:00.000 --> 00:{n:02d}:20.000\n<v {voices[n % 2]}>Compost note number {n}.\n"
        for n in range(1, moments + 1)
    )
    meta = SOIL_META.replace("number = 12", "number = 14").replace("greenhour12", "greenhour14")
    return {"green-14.toml": meta, "green-14.vtt": f"WEBVTT\n{cues}"}


async def test_search_pages_turn_for_the_member_who_asked_even_after_a_restart(emulator, start_bot):
    async with start_bot(files=long_talk(12)):
        ix = await emulator.invoke("/search", text="compost note")
        first = ix.message
        assert first.embeds[0]["footer"]["text"].startswith("Page 1/3")
        turned = await emulator.click(first, label="Next ▶")
        assert turned.response_type == 7
        assert "Page 2/3" in first.text
    async with start_bot(files=long_talk(12)):
        again = await emulator.click(first, label="Next ▶")
        assert again.response_type == 7
        assert "Page 3/3" in first.text
        assert first.button(label="Next ▶")["disabled"] is True
