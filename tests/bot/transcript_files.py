"""Two small episodes with transcripts and chapters, shared by the transcript tests."""

from __future__ import annotations

from pathlib import Path

# Standalone metadata, a WebVTT transcript beside it with a label the [speakers] table maps, and a
# Podcasting 2.0 chapters file.
SOIL_META = """\
title = "Soil and Sleep"
show = "Green Hour"
number = 12
url = "https://www.youtube.com/watch?v=greenhour12"
duration = "40:00"
hosts = ["Dana Whitfield"]
guests = ["Priya Raman"]

[people]
"Priya Raman" = ["Priya"]

[speakers]
"Guest 1" = "Priya Raman"
"""
SOIL_VTT = """\
WEBVTT

00:00:01.000 --> 00:00:06.000
<v Dana Whitfield>Welcome back to the Green Hour. Today we talk about soil.

00:00:06.500 --> 00:00:14.000
<v Dana Whitfield>My guest has spent ten years studying compost heaps.

00:00:15.000 --> 00:00:24.000
<v Guest 1>Thanks for having me. Compost is mostly about patience.

00:00:24.500 --> 00:00:33.000
<v Guest 1>Earthworms do the hard work while you sleep.

00:01:40.000 --> 00:01:52.000
<v Dana Whitfield>Let us talk about sleep itself. Why do gardeners sleep so well?

00:01:53.000 --> 00:02:05.000
<v Guest 1>Physical work outdoors resets the body clock. Morning light matters most.
"""
SOIL_CHAPTERS = """\
{"version": "1.2.0", "chapters": [
  {"startTime": 0, "title": "Welcome"},
  {"startTime": 90, "title": "Sleep and the garden"}
]}
"""

# A page with metadata that names its transcript (SubRip, in a subfolder) and lists chapters.
FUNGI_PAGE = """\
Fungi Networks | Green Hour #13
Dana Whitfield and Priya Raman follow the threads under the forest floor.
Key takeaways
- • Mycorrhizal networks trade sugar for minerals.
Quotes (1)
"Trees trade sugar for minerals through the fungal network."
Priya Raman · ▶ 12:40
"""
FUNGI_META = """\
url = "https://www.youtube.com/watch?v=greenhour13"
hosts = ["Dana Whitfield"]
guests = ["Priya Raman"]
transcript = "transcripts/13.srt"

[speakers]
SPEAKER_00 = "Dana Whitfield"

[[chapters]]
time = "0:00"
title = "Introductions"

[[chapters]]
time = "12:00"
title = "Under the forest floor"
"""
FUNGI_SRT = """\
1
00:00:02,000 --> 00:00:09,000
SPEAKER_00: Welcome to the Green Hour, episode thirteen.

2
00:00:09,500 --> 00:00:16,000
SPEAKER_01: I brought a jar of forest soil.

3
00:12:30,000 --> 00:12:38,000
SPEAKER_00: So what happens under the forest floor?

4
00:12:40,000 --> 00:12:52,000
SPEAKER_01: Mycorrhizal fungi wrap the roots. Trees trade sugar for minerals through the fungal network.
"""


def write(path: Path, text: str) -> Path:
    """Write `text` as UTF-8 to `path`, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GREEN_HOUR = {
    "green-12.toml": SOIL_META,
    "green-12.vtt": SOIL_VTT,
    "green-12.chapters.json": SOIL_CHAPTERS,
    "green-13.txt": FUNGI_PAGE,
    "green-13.toml": FUNGI_META,
    "transcripts/13.srt": FUNGI_SRT,
}


def write_green_hour(folder: Path) -> Path:
    """Write both episodes' files under `folder` and return it."""
    for name, text in GREEN_HOUR.items():
        write(folder / name, text)
    return folder
