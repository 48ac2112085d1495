"""Measure /ask on the question set: top-1, top-3, MRR and honest "nothing", alone and among competitors.

`make eval` prints the test half. While tuning, run `python eval/run.py --half tune --misses` to see
each tuning question's outcome; the test half's per-question outcomes are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.realistic import write_competitors
from bot.knowledge import KnowledgeBase
from bot.search.semantic import available
from bot.storage import Database
from eval.methods import METHODS
from eval.questions import EPISODES, Question, load

VECTORS = Path(__file__).resolve().parent / ".cache" / "vectors"  # passages' sentence vectors, kept
LIMIT = 5  # passages asked for; MRR counts a right passage down to this rank
TOP3_TARGET, NOTHING_TARGET, DRIFT_MAX = 0.90, 0.90, 0.05


@dataclass
class Outcome:
    """Hold how one configuration did on a list of questions."""

    ranks: list[int | None] = field(default_factory=list)  # answerable: rank of the first right one
    nothing: list[bool] = field(default_factory=list)  # unanswerable: answered "nothing"
    times: list[float] = field(default_factory=list)  # ms per question
    lines: list[str] = field(default_factory=list)  # per-question outcome, tuning half only

    def share(self, hit) -> float:
        """Return the share of answerable questions whose rank satisfies `hit`."""
        return sum(1 for r in self.ranks if r is not None and hit(r)) / max(1, len(self.ranks))

    @property
    def top1(self) -> float:
        """Return the share answered right first."""
        return self.share(lambda r: r == 1)

    @property
    def top3(self) -> float:
        """Return the share with a right passage in the first three."""
        return self.share(lambda r: r <= 3)

    @property
    def mrr(self) -> float:
        """Return the mean reciprocal rank of the first right passage (0 when none in the top 5)."""
        return sum(1 / r for r in self.ranks if r) / max(1, len(self.ranks))

    @property
    def honest(self) -> float:
        """Return the share of unanswerable questions answered "I found nothing"."""
        return sum(self.nothing) / max(1, len(self.nothing))

    def percentile(self, p: float) -> float:
        """Return the p-th percentile time per question in ms."""
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def ask_all(kb: KnowledgeBase, questions: Sequence[Question], explain: bool) -> Outcome:
    """Ask every question, timing each, and judge the answers."""
    outcome = Outcome()
    for question in questions:
        start = time.perf_counter()
        passages = await kb.ask(question.text, limit=LIMIT)
        outcome.times.append((time.perf_counter() - start) * 1000)
        if question.answerable:
            rank = question.rank(passages)
            outcome.ranks.append(rank)
            ok = rank is not None and rank <= 3
        else:
            outcome.nothing.append(not passages)
            ok = not passages
        if explain:
            got = (
                f"{passages[0].episode.key} {passages[0].kind}: {passages[0].text[:70]}" if passages else "-"
            )
            mark = "ok  " if ok else "MISS"
            where = f"rank {rank}" if question.answerable else f"{len(passages)} passages"
            outcome.lines.append(f"{mark} [{question.type}] {question.text[:80]!r}: {where}; first: {got}")
    return outcome


async def measure(
    folders: Sequence[Path],
    db_path: Path,
    questions: Sequence[Question],
    *,
    explain: bool,
    semantic: bool,
    method: str | None,
    sentences: bool = True,
) -> Outcome:
    """Load `folders` into a fresh knowledge base and ask the questions (twice: the first run warms up)."""
    db = await Database.open(db_path)
    try:
        VECTORS.parent.mkdir(exist_ok=True)
        kb = KnowledgeBase(
            db, semantic=semantic, expand=METHODS.get(method), vector_cache=VECTORS, sentences=sentences
        )
        report = await kb.ingest(list(folders))
        if not report.ok:
            raise RuntimeError(f"evaluation data did not load: {report.failed[:3]}")
        await kb.embedded()  # every passage's sentence vector (the first run computes and keeps them)
        await ask_all(kb, questions, explain=False)
        return await ask_all(kb, questions, explain)
    finally:
        await db.close()


def table(
    half: str, questions: Sequence[Question], alone: Outcome, crowded: Outcome, competitors: int
) -> str:
    """Render both configurations as a Markdown table with the targets."""
    answerable = sum(q.answerable for q in questions)
    rows = [
        f"| {half} half: {answerable} answerable, {len(questions) - answerable} unanswerable | seed alone "
        f"| + {competitors:,} competing episodes | target |",
        "|---|---|---|---|",
        f"| top-1 | {alone.top1:.0%} | {crowded.top1:.0%} | - |",
        f"| top-3 | {alone.top3:.0%} | {crowded.top3:.0%} | >= {TOP3_TARGET:.0%}, <= 5 points below alone |",
        f"| MRR | {alone.mrr:.2f} | {crowded.mrr:.2f} | - |",
        f'| honest "nothing" | {alone.honest:.0%} | {crowded.honest:.0%} '
        f"| >= {NOTHING_TARGET:.0%}, <= 5 points below alone |",
        f"| time per question, p50 / p99 (ms) | {alone.percentile(0.5):.1f} / {alone.percentile(0.99):.1f} "
        f"| {crowded.percentile(0.5):.1f} / {crowded.percentile(0.99):.1f} | - |",
    ]
    return "\n".join(rows)


def met(alone: Outcome, crowded: Outcome) -> bool:
    """Tell whether the figures with competitors meet every target."""
    return (
        crowded.top3 >= TOP3_TARGET
        and crowded.honest >= NOTHING_TARGET
        and alone.top3 - crowded.top3 <= DRIFT_MAX
        and alone.honest - crowded.honest <= DRIFT_MAX
    )


async def run(
    half: str, competitors: int, explain: bool, semantic: bool, method: str | None, *, sentences: bool = True
) -> int:
    """Measure one half of the questions alone and among competitors; print the table."""
    questions = load(half=half)
    options = {"explain": explain, "semantic": semantic, "method": method, "sentences": sentences}
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        work = Path(tmp)
        alone = await measure([EPISODES], work / "alone.db", questions, **options)
        rivals = write_competitors(work / "rivals", competitors)
        crowded = await measure([EPISODES, rivals], work / "crowded.db", questions, **options)
    if explain:
        print("seed alone:", *alone.lines, sep="\n")
        print(f"\nwith {competitors:,} competing episodes:", *crowded.lines, sep="\n")
        print()
    engine = "words only"
    if semantic and available():
        engine = (
            "words, word vectors" + (" and sentence vectors" if sentences else "") + " (the [semantic] extra)"
        )
    print(f"/ask engine: {engine}\n")
    print(table(half, questions, alone, crowded, competitors))
    ok = met(alone, crowded)
    print("\nevery target met" if ok else "\nsome target missed")
    return 0 if ok or half == "tune" else 1


def main() -> int:
    """Parse options and run the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("tune", "test"), default="test")
    parser.add_argument("--competitors", type=int, default=1000, help="competing episodes to add")
    parser.add_argument("--words-only", action="store_true", help="leave the optional word vectors out")
    parser.add_argument(
        "--no-sentences",
        action="store_true",
        help="leave the optional sentence vectors out (word vectors only)",
    )
    parser.add_argument("--method", choices=sorted(METHODS), help="widen questions another way (tuning half)")
    parser.add_argument(
        "--misses", action="store_true", help="print each question's outcome (tuning half only)"
    )
    args = parser.parse_args()
    if args.misses and args.half != "tune":
        parser.error("--misses shows per-question outcomes of the tuning half only")
    if args.method and args.half != "tune":
        parser.error("--method compares ways of widening questions on the tuning half only")
    semantic = not args.words_only
    return asyncio.run(
        run(args.half, args.competitors, args.misses, semantic, args.method, sentences=not args.no_sentences)
    )


if __name__ == "__main__":
    raise SystemExit(main())
