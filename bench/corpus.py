"""Generate a synthetic corpus of episode page files (and their TOML metadata) in the seed's format."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
from pathlib import Path

SHOWS = 20
GUESTS = 3000
MENTION_POOL = 2000
WORDS = 6000
_FIRST = ("Ada Ben Chloé Dario Elif Farah Gökhan Hana Iker Jun Kofi Lena Marek Noor Oskar Priya Quinn Rosa "
         "Søren Tomasz Uma Vikram Wen Ximena Yusuf Zoë Seán Ingrid Mateo Aiko")  # fmt: skip
_LAST = ("Abara Bianchi Čapek Dubois Eriksen Fernández Gupta Haddad Ivanova Jensen Kowalski Lindqvist Moreau "
        "Nakamura O'Neill Petrov Quispe Rossi Schmidt Tanaka Ueda Valdés Wiśniewski Xu Yilmaz Zhou "
        "Ångström-Okafor Müller Nguyen Okafor Park")  # fmt: skip
_FILLER = "the of and to a in that is it for on with as was this we you they but so"
_SYLLABLES = "ka lo mi ren tas vu bel cor dan fen gri hol jun kel mor nis pal qua rin sol tem val wex yor zin"
FIRST, LAST, FILLER, SYLLABLES = _FIRST.split(), _LAST.split(), _FILLER.split(), _SYLLABLES.split()


def _words(rng: random.Random) -> list[str]:
    """Return a fixed vocabulary of pronounceable made-up words."""
    found: dict[str, None] = {}
    while len(found) < WORDS:
        found["".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3))))] = None
    return list(found)


class Corpus:
    """Draw episodes whose word frequencies follow Zipf's law, like real speech."""

    def __init__(self, seed: int = 490) -> None:
        self.rng = random.Random(seed)
        self.words = _words(self.rng)
        # Zipf-like: a few words are everywhere (the worst case for full-text search), most are rare.
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 5) for rank in range(len(self.words))))
        self.hosts = [self._name() for _ in range(SHOWS)]
        self.shows = [
            f"{self.words[100 + i].title()} {self.words[200 + i].title()} Show" for i in range(SHOWS)
        ]
        self.guests = list(dict.fromkeys(self._name() for _ in range(GUESTS * 2)))[:GUESTS]
        self.mentions = [self._phrase(3).title() for _ in range(MENTION_POOL)]

    def _name(self) -> str:
        return (
            f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} {self.rng.choice(self.words[3000:]).title()}"
        )

    def _phrase(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cum_weights, k=count))

    def _sentence(self, count: int) -> str:
        words = [
            self.rng.choice(FILLER) if self.rng.random() < 0.35 else self._phrase(1) for _ in range(count)
        ]
        return " ".join(words).capitalize() + "."

    def title(self, number: int) -> str:
        """Return the title line of episode `number`."""
        show = number % SHOWS
        return f"{self._phrase(4).title()}: {self._phrase(3)} | {self.shows[show]} #{number // SHOWS + 1}"

    def page(self, number: int, total: int) -> tuple[str, str]:
        """Return the page text and TOML metadata of episode `number` of `total`."""
        rng = self.rng
        host = self.hosts[number % SHOWS]
        guests = rng.sample(self.guests, rng.choice((2, 3)))
        speakers = [host, *guests]
        lines = [self.title(number), " ".join(self._sentence(20) for _ in range(3)), "Key takeaways"]
        lines += [f"- • {self._sentence(25)}" for _ in range(6)]
        lines.append(f"Recommendations ({rng.randint(30, 60)})")
        for second in sorted(rng.sample(range(30, 3 * 3600), 30)):
            lines.append(f'"{self._sentence(rng.randint(12, 30))}"')
            stamp = f"{second // 3600}:{second // 60 % 60:02d}:{second % 60:02d}" if second >= 3600 else (
                f"{second // 60}:{second % 60:02d}")  # fmt: skip
            lines.append(f"{rng.choice(speakers)} · ▶ {stamp}")
        lines.append(f"Mentioned ({rng.randint(5, 80)})")
        lines += rng.sample(self.mentions, 5)
        lines.append("More from these creators")
        lines += [self.title(rng.randrange(total + total // 5)) for _ in range(6)]
        published = dt.date(2015, 1, 1) + dt.timedelta(days=number * 3650 // max(total, 1))
        meta = (
            f'url = "https://www.youtube.com/watch?v=bench{number:07d}"\n'
            f"published = {published.isoformat()}\n"
            f"hosts = [{_toml_str(host)}]\nguests = [{', '.join(_toml_str(g) for g in guests)}]\n"
        )
        return "\n".join(lines) + "\n", meta


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_corpus(target: Path, episodes: int, seed: int = 490) -> Corpus:
    """Write `episodes` page and metadata files under `target` (one folder per show)."""
    corpus = Corpus(seed)
    # Titles of episodes are drawn as they are written, so the same RNG order gives the same corpus.
    for number in range(episodes):
        folder = target / f"show-{number % SHOWS:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        page, meta = corpus.page(number, episodes)
        (folder / f"ep-{number:06d}.txt").write_text(page, encoding="utf-8")
        (folder / f"ep-{number:06d}.toml").write_text(meta, encoding="utf-8")
    return corpus


def main() -> int:
    """Write a corpus to a folder given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=490)
    args = parser.parse_args()
    write_corpus(args.target, args.episodes, args.seed)
    print(f"wrote {args.episodes} episodes to {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
