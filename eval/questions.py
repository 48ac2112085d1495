"""The evaluation's question set: loading, the fixed tuning/test split, and judging answers."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.model import Passage
from bot.text import normalize

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.toml"
EPISODES = HERE / "episodes"
HALVES = ("tune", "test")
KINDS = ("description", "takeaway", "quote", "moment", "chapter")  # kinds of stored passage
_SPEC = re.compile(rf"(?P<key>\S+) (?P<kind>{'|'.join(KINDS)})(?:: (?P<fragment>.+))?")


@dataclass(frozen=True, slots=True)
class Answer:
    """Name the passages that count as right: an episode's passages of one kind containing a fragment."""

    key: str
    kind: str
    fragment: str = ""  # normalized; "" accepts any passage of that kind in that episode

    @classmethod
    def parse(cls, spec: str) -> Answer:
        """Read `KEY KIND: fragment` or `KEY KIND`."""
        match = _SPEC.fullmatch(spec.strip())
        if match is None:
            raise ValueError(
                f"expected `EPISODE-KEY KIND: fragment` (KIND one of {', '.join(KINDS)}), got {spec!r}"
            )
        return cls(match["key"], match["kind"], normalize(match["fragment"] or ""))

    def accepts(self, key: str, kind: str, text: str) -> bool:
        """Tell whether a passage (its episode key, kind and text) is this answer."""
        return key == self.key and kind == self.kind and self.fragment in normalize(text)


@dataclass(frozen=True, slots=True)
class Question:
    """Hold one question, what it tests, and the passages that answer it (none: unanswerable)."""

    text: str
    type: str
    answers: tuple[Answer, ...]

    @property
    def half(self) -> str:
        """Return "tune" or "test", fixed by a hash of the text so the split never drifts."""
        digest = hashlib.sha256(normalize(self.text).encode()).digest()
        return HALVES[digest[0] % 2]

    @property
    def answerable(self) -> bool:
        """Tell whether some passage answers the question."""
        return bool(self.answers)

    def rank(self, passages: Sequence[Passage]) -> int | None:
        """Return the 1-based position of the first right passage, or None."""
        for position, passage in enumerate(passages, 1):
            if any(a.accepts(passage.episode.key, passage.kind, passage.text) for a in self.answers):
                return position
        return None


def load(path: Path = QUESTIONS, half: str | None = None) -> list[Question]:
    """Return the questions of `path` (of one half, when given), in file order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    questions = [
        Question(item["text"], item["type"], tuple(Answer.parse(spec) for spec in item["answers"]))
        for item in data["question"]
    ]
    return [q for q in questions if half is None or q.half == half]
