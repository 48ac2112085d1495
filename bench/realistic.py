"""Generate competing episodes from real English words, with hosts and guests named like the seed's people.

The made-up words of bench/corpus.py never meet a real question; these episodes do: their text is
drawn with English word frequencies, each episode leans on a few topic words, and the people include
the seed's own names (Lex Fridman hosts a show here too, Nathan Lambert is a recurring guest) and
others sharing their first or last names. Used by `make eval` to show how answers drift as a
knowledge base grows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.words import EnglishWords

SHOWS = 20
GUESTS = 300
# The seed's people, and people sharing a first or last name with them.
SEED_PEOPLE = ("Lex Fridman", "Nathan Lambert", "Sebastian Raschka")
_FIRST = ("Nathan Sebastian Lex Zoë Helena Maya Priya Jo Tomás Seán Ada Ben Chloé Dario Elif Farah Hana "
          "Iker Jun Kofi Lena Marek Noor Oskar Quinn Rosa Søren Uma Vikram Wen Yusuf Aiko")  # fmt: skip
_LAST = ("Lambert Raschka Fridman Keller Ortiz Natarajan Park Herrera Abara Bianchi Dubois Eriksen "
         "Fernández Gupta Haddad Ivanova Jensen Kowalski Moreau Nakamura Petrov Rossi Schmidt Tanaka "
         "Xu Yilmaz Zhou Müller Nguyen Okafor")  # fmt: skip
FIRST, LAST = _FIRST.split(), _LAST.split()
FIRST_NUMBER = 1000  # episode numbers of the seed's show stay clear of the seed's own (490, 900)


class Competitors:
    """Draw episodes of 20 shows whose people recur and whose words are real English."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.english = EnglishWords(self.rng)
        names = [f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}" for _ in range(GUESTS * 3)]
        people = list(dict.fromkeys(n for n in names if n not in SEED_PEOPLE))
        self.hosts = ["Lex Fridman", *people[: SHOWS - 1]]
        self.guests = [*SEED_PEOPLE[1:], *people[SHOWS : SHOWS + GUESTS - 2]]
        self.shows = ["Lex Fridman Podcast"] + [
            " ".join(self.english.rare(2, start=500)).title() + " Show" for _ in range(SHOWS - 1)
        ]

    def _title(self, topic: list[str]) -> str:
        words = [*topic[:3], *self.english.rare(2, start=1000)]
        self.rng.shuffle(words)
        return ", ".join(w.title() for w in words)

    def episode(self, index: int, total: int) -> tuple[str, str]:
        """Return the page text and TOML metadata of competing episode `index` of `total`."""
        rng, english = self.rng, self.english
        show = index % SHOWS
        number = index // SHOWS + (FIRST_NUMBER if show == 0 else 1)
        topic = english.rare(12)
        host = self.hosts[show]
        guests = rng.sample(self.guests[:12], 1) if rng.random() < 0.1 else []
        guests += rng.sample(self.guests, rng.choice((1, 2)))
        guests = list(dict.fromkeys(guests))
        speakers = [host, *guests]
        lines = [f"{self._title(topic)} | {self.shows[show]} #{number}"]
        lines.append(f"{host} talks with {' and '.join(guests)}. " + " ".join(
            english.sentence(rng.randint(12, 24), topic, 0.25) for _ in range(2)))  # fmt: skip
        lines.append("Key takeaways")
        lines += [f"- • {english.sentence(rng.randint(15, 30), topic, 0.2)}" for _ in range(6)]
        lines.append(f"Recommendations ({rng.randint(10, 40)})")
        for second in sorted(rng.sample(range(30, 3 * 3600), 10)):
            lines.append(f'"{english.sentence(rng.randint(10, 35), topic, 0.15)}"')
            stamp = f"{second // 3600}:{second // 60 % 60:02d}:{second % 60:02d}"
            lines.append(f"{rng.choice(speakers)} · ▶ {stamp}")
        published = dt.date(2015, 1, 1) + dt.timedelta(days=index * 3650 // max(total, 1))
        meta = (
            f'url = "https://www.youtube.com/watch?v=rival{index:06d}"\n'
            f"published = {published.isoformat()}\n"
            f"hosts = [{_toml_str(host)}]\nguests = [{', '.join(_toml_str(g) for g in guests)}]\n"
        )
        return "\n".join(lines) + "\n", meta


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_competitors(target: Path, episodes: int = 1000, seed: int = 2026) -> Path:
    """Write `episodes` competing page and metadata files under `target`; return `target`."""
    competitors = Competitors(seed)
    for index in range(episodes):
        folder = target / f"show-{index % SHOWS:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        page, meta = competitors.episode(index, episodes)
        (folder / f"rival-{index:05d}.txt").write_text(page, encoding="utf-8")
        (folder / f"rival-{index:05d}.toml").write_text(meta, encoding="utf-8")
    return target


def main() -> int:
    """Write competing episodes to a folder given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    write_competitors(args.target, args.episodes, args.seed)
    print(f"wrote {args.episodes} competing episodes to {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
