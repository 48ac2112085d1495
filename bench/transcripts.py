"""Generate a podcast archive with transcripts for benchmarks, and measure the transcript readers.

`python bench/transcripts.py write DIR` writes the reference archive (300 episodes, 700 hours of
speech, about 400,000 cues and 65 MB of WebVTT with speaker labels) as page, metadata, transcript
and chapter files in the layout `DATA_DIR` expects. Words follow real English frequencies
(wordfreq), sentences vary in length, hosts and guests take turns, chapters come every 6-20
minutes. Each episode labels its speakers one way (voice spans, `Name:`, `[Name]:` or
`SPEAKER_00:` mapped in the metadata's `[speakers]`) and lists its chapters one way (a
`.chapters.json`, `[[chapters]]` in the metadata, or lines in the page's description).

`python bench/transcripts.py` (no arguments) measures the readers in this process, on one core:
cues per second for each format on the whole archive, webvtt-py and srt on a part of it, and
build_moments. Other benchmarks import `write_archive`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ingest.moments import build_moments
from bot.ingest.transcript import read_transcript

EPISODES = 300
HOURS = 700.0
SHOWS = 3
WORDS_PER_SECOND = 3.6  # brisk conversation, as in long-form interview podcasts
CUE_WORDS = (17, 32)  # words per cue: 4-8 seconds, as captioning tools cut them
LINE_WIDTH = 64
LABEL_STYLES = ("voice", "colon", "bracket", "machine")
CHAPTER_SOURCES = ("json", "toml", "description")
FORMATS = ("vtt", "srt", "json", "whisper")
_FIRST = "Priya Nathan Dana Sebastian Amara Tomás Ingrid Kwame Mei Oskar Zoë Rafael Leila Jonas Aiko Marek"
_LAST = (
    "Raman Lambert Whitfield Raschka Okafor Álvarez Lindqvist Mensah Chen Nowak Haddad Rossi Tanaka Ferreira"
)
_HOSTS = ("Lex Fridman", "Dwarkesh Patel", "Amit Varma")


@dataclass
class Episode:
    """Hold one generated episode: its people, chapters and cues (start, end, speaker index, text)."""

    key: str
    number: int
    show: str
    title: str
    seconds: float
    speakers: list[str]
    label_style: str
    chapter_source: str
    chapters: list[tuple[float, str]] = field(default_factory=list)
    cues: list[tuple[float, float, int, str]] = field(default_factory=list)


@dataclass
class Archive:
    """Say what `write_archive` wrote."""

    episodes: int = 0
    cues: int = 0
    hours: float = 0.0
    transcript_bytes: int = 0
    files: list[Path] = field(default_factory=list)


class Speech:
    """Draw English words with their real frequencies and build sentences, turns and cues from them."""

    def __init__(self, seed: int) -> None:
        import wordfreq  # noqa: PLC0415 (only the generator needs it)

        self.rng = random.Random(seed)
        found = [w for w in wordfreq.top_n_list("en", 40000) if re.fullmatch(r"[a-z]+(?:'[a-z]+)?", w)]
        self.words = [
            "I" if w == "i" else w.replace("i'", "I'", 1) if w.startswith("i'") else w for w in found
        ]
        self.cum = list(itertools.accumulate(wordfreq.word_frequency(w, "en") for w in found))
        self.names = [f"{f} {s}" for f in _FIRST.split() for s in _LAST.split()]

    def sentence(self) -> str:
        """Return one spoken sentence: 3-40 words, a comma now and then, a capital and an end mark."""
        rng = self.rng
        count = min(40, max(3, int(rng.lognormvariate(2.55, 0.5))))
        words = rng.choices(self.words, cum_weights=self.cum, k=count)
        for at in range(2, count - 1, 7):
            if rng.random() < 0.4:
                words[at] += ","
        end = rng.choices((".", "?", "!"), (85, 12, 3))[0]
        return f"{words[0][0].upper()}{words[0][1:]} {' '.join(words[1:])}{end}"

    def title(self, count: int) -> str:
        """Return a title of `count` words, skipping the most common ones."""
        words = self.rng.choices(self.words[200:], cum_weights=self.cum[200:], k=count)
        return " ".join(word.capitalize() for word in words)

    def episode(self, number: int, seconds: float) -> Episode:
        """Return episode `number`, about `seconds` long."""
        rng = self.rng
        show = number % SHOWS
        guests = rng.sample(self.names, rng.choice((1, 1, 2, 3)))
        episode = Episode(
            key=f"ep-{number:04d}",
            number=number // SHOWS + 1,
            show=f"{_HOSTS[show].split()[0]} Podcast",
            title=f"{guests[0]}: {self.title(3)}",
            seconds=seconds,
            speakers=[_HOSTS[show], *guests],
            label_style=LABEL_STYLES[number % len(LABEL_STYLES)],
            chapter_source=CHAPTER_SOURCES[number % len(CHAPTER_SOURCES)],
        )
        at = 0.0
        while at < seconds:
            episode.chapters.append((float(int(at)), self.title(rng.randint(2, 5))))
            at += rng.uniform(360, 1200)
        self._cues(episode)
        return episode

    def _cues(self, episode: Episode) -> None:
        rng, now, speaker = self.rng, rng_start(self.rng), 0
        while now < episode.seconds:
            sentences = rng.randint(1, 3) if speaker == 0 else rng.randint(2, 14)
            words = " ".join(self.sentence() for _ in range(sentences)).split()
            while words:
                take = min(len(words), rng.randint(*CUE_WORDS))
                text, words = " ".join(words[:take]), words[take:]
                end = now + take / (WORDS_PER_SECOND * rng.uniform(0.85, 1.15))
                episode.cues.append((round(now, 3), round(end, 3), speaker, text))
                now = end + rng.uniform(0.0, 0.15)
            now += rng.uniform(0.2, 1.2)
            others = [n for n in range(len(episode.speakers)) if n != speaker]
            speaker = 0 if speaker and rng.random() < 0.7 else rng.choice(others)


def _capital_i(word: str) -> str:
    """Return the word as written: `I`, `I'm`, `I'll` take a capital."""
    return "I" + word[1:] if word == "i" or word.startswith("i'") else word


def rng_start(rng: random.Random) -> float:
    """Return when speech starts: a few seconds of music first."""
    return round(rng.uniform(0.5, 12.0), 3)


def clock(seconds: float, comma: bool = False) -> str:
    """Return `hh:mm:ss.ttt` (SubRip: `hh:mm:ss,ttt`)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    text = f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
    return text.replace(".", ",") if comma else text


def _wrapped(text: str) -> str:
    """Break a cue's text into lines of about LINE_WIDTH characters, as captioning tools do."""
    if len(text) <= LINE_WIDTH:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > LINE_WIDTH:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _labels(episode: Episode) -> list[str]:
    """Return how each speaker is labelled in the transcript."""
    if episode.label_style == "machine":
        return [f"SPEAKER_{n:02d}" for n in range(len(episode.speakers))]
    return episode.speakers


def _labelled_texts(episode: Episode) -> Iterator[tuple[float, float, str]]:
    """Yield each cue with its label written in the episode's style (voice spans: every cue)."""
    labels, previous = _labels(episode), None
    for start, end, speaker, text in episode.cues:
        label = labels[speaker]
        if episode.label_style == "voice":
            yield start, end, f"<v {label}>{_wrapped(text)}"
        elif speaker != previous:
            shown = f"[{label}]" if episode.label_style == "bracket" else label
            yield start, end, _wrapped(f"{shown}: {text}")
        else:
            yield start, end, _wrapped(text)
        previous = speaker


def render_vtt(episode: Episode) -> str:
    """Return the episode's transcript as WebVTT."""
    parts = ["WEBVTT\nKind: captions\nLanguage: en\n"]
    for number, (start, end, text) in enumerate(_labelled_texts(episode), 1):
        ident = f"{number}\n" if episode.number % 2 else ""
        parts.append(f"{ident}{clock(start)} --> {clock(end)}\n{text}\n")
    return "\n".join(parts)


def render_srt(episode: Episode) -> str:
    """Return the episode's transcript as SubRip (labels as `Name:`, SubRip has no voice spans)."""
    if episode.label_style == "voice":
        episode = Episode(**{**episode.__dict__, "label_style": "colon"})
    parts = []
    for number, (start, end, text) in enumerate(_labelled_texts(episode), 1):
        parts.append(f"{number}\n{clock(start, comma=True)} --> {clock(end, comma=True)}\n{text}\n")
    return "\n".join(parts)


def render_json(episode: Episode) -> str:
    """Return the episode's transcript as a Podcasting 2.0 JSON transcript."""
    labels = _labels(episode)
    segments = [
        {"speaker": labels[speaker], "startTime": start, "endTime": end, "body": text}
        for start, end, speaker, text in episode.cues
    ]
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False)


def render_whisper(episode: Episode) -> str:
    """Return the episode's transcript as Whisper JSON with diarised speakers."""
    segments = [
        {"id": n, "start": start, "end": end, "text": f" {text}", "speaker": f"SPEAKER_{speaker:02d}"}
        for n, (start, end, speaker, text) in enumerate(episode.cues)
    ]
    text = "".join(segment["text"] for segment in segments)
    return json.dumps({"text": text, "segments": segments, "language": "en"}, ensure_ascii=False)


RENDERERS: dict[str, tuple[str, Callable[[Episode], str]]] = {
    "vtt": (".vtt", render_vtt),
    "srt": (".srt", render_srt),
    "json": (".json", render_json),
    "whisper": (".json", render_whisper),
}


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def render_page(episode: Episode, speech: Speech) -> str:
    """Return the episode's page: title line, description, takeaways and quotes taken from its cues."""
    rng = speech.rng
    lines = [f"{episode.title} | {episode.show} #{episode.number}"]
    lines.append(" ".join(speech.sentence() for _ in range(3)))
    if episode.chapter_source == "description":
        lines += ["", "Chapters:"] + [f"{_stamp(at)} {title}" for at, title in episode.chapters]
    lines += ["Key takeaways"] + [f"- • {speech.sentence()}" for _ in range(6)]
    picked = sorted(rng.sample(range(len(episode.cues)), min(10, len(episode.cues))))
    lines.append(f"Recommendations ({len(picked) + rng.randint(0, 20)})")
    for index in picked:
        start, _, speaker, text = episode.cues[index]
        lines += [f'"{text}"', f"{episode.speakers[speaker]} · ▶ {_stamp(start)}"]
    return "\n".join(lines) + "\n"


def render_meta(episode: Episode) -> str:
    """Return the episode's metadata: duration, people, speaker mapping and chapters when kept here."""
    host, guests = episode.speakers[0], episode.speakers[1:]
    lines = [
        f'url = "https://www.youtube.com/watch?v=tr{episode.key}"',
        f"duration = {int(episode.seconds)}",
        f"hosts = [{_toml(host)}]",
        f"guests = [{', '.join(_toml(g) for g in guests)}]",
    ]
    if episode.label_style == "machine":
        lines += ["", "[speakers]"]
        pairs = zip(_labels(episode), episode.speakers, strict=True)
        lines += [f"{_toml(label)} = {_toml(name)}" for label, name in pairs]
    if episode.chapter_source == "toml":
        for at, title in episode.chapters:
            lines += ["", "[[chapters]]", f'time = "{_stamp(at)}"', f"title = {_toml(title)}"]
    return "\n".join(lines) + "\n"


def render_chapters(episode: Episode) -> str:
    """Return the episode's Podcasting 2.0 chapters file."""
    chapters = [{"startTime": at, "title": title} for at, title in episode.chapters]
    return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=1)


def episode_lengths(episodes: int, hours: float, rng: random.Random) -> list[float]:
    """Return each episode's length in seconds: 0.4x to 1.6x the mean, adding up to `hours`."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(episodes)]
    scale = hours * 3600 / sum(weights)
    return [w * scale for w in weights]


def generate(episodes: int = EPISODES, hours: float = HOURS, seed: int = 490) -> Iterator[Episode]:
    """Yield the archive's episodes one by one (deterministic for a seed)."""
    speech = Speech(seed)
    for number, seconds in enumerate(episode_lengths(episodes, hours, speech.rng)):
        yield speech.episode(number, seconds)


def write_archive(
    target: Path,
    episodes: int = EPISODES,
    hours: float = HOURS,
    seed: int = 490,
    transcript_format: str = "vtt",
) -> Archive:
    """Write page, metadata, transcript and chapter files for the archive under `target`."""
    suffix, render = RENDERERS[transcript_format]
    summary = Archive()
    speech = Speech(seed)
    for number, seconds in enumerate(episode_lengths(episodes, hours, speech.rng)):
        episode = speech.episode(number, seconds)
        folder = target / f"show-{number % SHOWS}"
        folder.mkdir(parents=True, exist_ok=True)
        transcript = render(episode).encode("utf-8")
        files = {
            f"{episode.key}.txt": render_page(episode, speech),
            f"{episode.key}.toml": render_meta(episode),
        }
        if episode.chapter_source == "json":
            files[f"{episode.key}.chapters.json"] = render_chapters(episode)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / f"{episode.key}{suffix}").write_bytes(transcript)
        summary.files.append(folder / f"{episode.key}{suffix}")
        summary.episodes += 1
        summary.cues += len(episode.cues)
        summary.hours += seconds / 3600
        summary.transcript_bytes += len(transcript)
    return summary


# The reader benchmark


@dataclass
class Row:
    """One line of the result table: CPU seconds give the rate per core, wall seconds what was waited."""

    what: str
    files: int
    cues: int
    megabytes: float
    cpu: float
    wall: float

    @property
    def rate(self) -> float:
        """Return cues per CPU second (one core)."""
        return self.cues / self.cpu if self.cpu else math.inf


def _timed(label: str, blobs: list[tuple[str, bytes]], read: Callable[[str, bytes], int]) -> Row:
    wall, cpu = time.perf_counter(), time.process_time()
    cues = sum(read(name, data) for name, data in blobs)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Row(label, len(blobs), cues, sum(len(d) for _, d in blobs) / 1e6, cpu, wall)


def _webvtt_py(name: str, data: bytes) -> int:
    import webvtt  # noqa: PLC0415

    return len(webvtt.from_string(data.decode("utf-8")).captions)


def _srt_library(name: str, data: bytes) -> int:
    import srt  # noqa: PLC0415

    return sum(1 for _ in srt.parse(data.decode("utf-8")))


def _ours(name: str, data: bytes) -> int:
    return len(read_transcript(name, data))


def run_benchmark(episodes: int, hours: float, library_episodes: int, seed: int) -> list[Row]:
    """Measure each reader on the archive rendered in each format, and build_moments on its cues."""
    archive = list(generate(episodes, hours, seed))
    rows = []
    for kind in FORMATS:
        suffix, render = RENDERERS[kind]
        blobs = [(f"{e.key}{suffix}", render(e).encode("utf-8")) for e in archive]
        label = {"vtt": "WebVTT", "srt": "SubRip", "json": "Podcasting 2.0 JSON", "whisper": "Whisper JSON"}
        rows.append(_timed(f"{label[kind]}, read_transcript", blobs, _ours))
        if kind == "vtt":
            read, moments = rows[-1], _moments_row(archive, blobs)
            both = Row("WebVTT, read_transcript + build_moments", read.files, read.cues, read.megabytes,
                       read.cpu + moments.cpu, read.wall + moments.wall)  # fmt: skip
            rows += [moments, both, _timed("WebVTT, webvtt-py", blobs[:library_episodes], _webvtt_py)]
        if kind == "srt":
            rows.append(_timed("SubRip, srt", blobs[:library_episodes], _srt_library))
    return rows


def _moments_row(archive: list[Episode], blobs: list[tuple[str, bytes]]) -> Row:
    from bot.model import Chapter  # noqa: PLC0415

    inputs = []
    for episode, (name, data) in zip(archive, blobs, strict=True):
        chapters = [Chapter(at, title) for at, title in episode.chapters]
        inputs.append((read_transcript(name, data), chapters, dict.fromkeys(_labels(episode), "Someone")))
    wall, cpu = time.perf_counter(), time.process_time()
    moments = [build_moments(cues, chapters, speakers) for cues, chapters, speakers in inputs]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    count = sum(len(m) for m in moments)
    lengths = sorted(m.end - m.start for ms in moments for m in ms)
    median = lengths[len(lengths) // 2] if lengths else 0
    what = f"build_moments ({count:,} moments, median {median:.0f} s)"
    return Row(what, len(inputs), sum(len(c) for c, _, _ in inputs), 0.0, cpu, wall)


def print_table(rows: list[Row]) -> None:
    """Print the rows as a Markdown table."""
    print("| step | files | cues | MB | CPU s | wall s | cues/s per core |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        size = f"{row.megabytes:.1f}" if row.megabytes else "-"
        print(
            f"| {row.what} | {row.files} | {row.cues:,} | {size} | {row.cpu:.2f} | {row.wall:.2f} "
            f"| {row.rate:,.0f} |"
        )


def main() -> int:
    """Write the archive (`write DIR`) or measure the readers (no command)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("write", "bench"), default="bench")
    parser.add_argument("target", nargs="?", type=Path, help="folder to write the archive to (write)")
    parser.add_argument("--episodes", type=int, default=EPISODES)
    parser.add_argument("--hours", type=float, default=HOURS)
    parser.add_argument("--format", choices=FORMATS, default="vtt", help="transcript format (write)")
    parser.add_argument("--library-episodes", type=int, default=20, help="episodes read by webvtt-py/srt")
    parser.add_argument("--seed", type=int, default=490)
    args = parser.parse_args()
    if args.command == "write":
        target = args.target or Path(tempfile.mkdtemp(prefix="transcripts-"))
        started = time.perf_counter()
        summary = write_archive(target, args.episodes, args.hours, args.seed, args.format)
        print(
            f"wrote {summary.episodes} episodes, {summary.hours:.0f} hours, {summary.cues:,} cues, "
            f"{summary.transcript_bytes / 1e6:.1f} MB of {args.format} to {target} "
            f"in {time.perf_counter() - started:.1f} s"
        )
        return 0
    print(f"Python {platform.python_version()}, one process; archive of {args.episodes} episodes, "
          f"{args.hours:.0f} hours (seed {args.seed})\n")  # fmt: skip
    print_table(run_benchmark(args.episodes, args.hours, args.library_episodes, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
