"""Calibrate /ask's "I found nothing" cut-offs on the tuning half: top-3 against honest "nothing".

`python eval/curve.py [--words-only]` loads the evaluation's episodes alone and among the 1,000
competitors, then asks every tuning question at each point of a grid of cut-offs: the least score
an answer needs (`ranking.ASK_CUTOFF`), the least weight of question words a passage must hold
(`ranking.EVIDENCE_MIN`) and, with the [semantic] extra, the cosine with the question at which a
passage answers by meaning alone. It prints each point's top-3 and honest "nothing" (seed alone /
with the competitors), marks the points no other point beats on both, and names the one the rule
below picks. The test half is never read here.

The rule weighs the two targets alike: of the points whose figures with the competitors are at most
5 points below the seed alone's (the targets' drift limit), the one with the highest sum of top-3
and honest "nothing" with the competitors; then the higher of their lower figures; then the one
nearest the current setting, so that a tie never moves a cut-off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.realistic import write_competitors
from bot.knowledge import KnowledgeBase
from bot.search import ranking
from bot.search.semantic import available
from bot.storage import Database
from eval.questions import EPISODES, Question, load
from eval.run import DRIFT_MAX, VECTORS, Outcome, ask_all

CUTOFFS = (45.0, 50.0, 55.0, 60.0, 65.0, 70.0)
EVIDENCE = (7.0, 8.0, 9.0, 10.0, 11.0)
COSINES = (0.45, 0.5, 0.55, 0.6)
# With the extra a question costs ten times as much (its sentence vector): a narrower grid.
SEMANTIC_CUTOFFS, SEMANTIC_EVIDENCE = (55.0, 60.0, 65.0), (8.0, 9.0, 10.0)


@dataclass(frozen=True, slots=True)
class Point:
    """One setting of the cut-offs."""

    cutoff: float
    evidence: float
    cosine: float | None  # None: words only

    def label(self) -> str:
        """Return the setting as the table shows it."""
        cosine = "" if self.cosine is None else f" | {self.cosine:.2f}"
        return f"| {self.cutoff:g} | {self.evidence:g}{cosine}"


def current(semantic: bool) -> Point:
    """Return the cut-offs the engine uses now."""
    cosine = ranking.DENSE_FROM + (ranking.DENSE_TO - ranking.DENSE_FROM) * ranking.ASK_CUTOFF / 100
    return Point(ranking.ASK_CUTOFF, ranking.EVIDENCE_MIN, round(cosine, 3) if semantic else None)


@contextlib.contextmanager
def cutoffs(point: Point) -> Iterator[None]:
    """Set the ranking's cut-offs to `point` for the duration (the cosine keeps the scale's width)."""
    names = ("ASK_CUTOFF", "EVIDENCE_MIN", "DENSE_FROM", "DENSE_TO")
    kept = {name: getattr(ranking, name) for name in names}
    width = ranking.DENSE_TO - ranking.DENSE_FROM
    ranking.ASK_CUTOFF, ranking.EVIDENCE_MIN = point.cutoff, point.evidence
    if point.cosine is not None:  # the score at which a cosine answers is the cut-off's
        ranking.DENSE_FROM = point.cosine - width * point.cutoff / 100
        ranking.DENSE_TO = ranking.DENSE_FROM + width
    try:
        yield
    finally:
        for name, value in kept.items():
            setattr(ranking, name, value)


async def sweep(
    folders: Sequence[Path],
    db_path: Path,
    questions: Sequence[Question],
    points: Sequence[Point],
    semantic: bool,
) -> dict[Point, Outcome]:
    """Load `folders` once and ask the questions at every point."""
    db = await Database.open(db_path)
    try:
        VECTORS.parent.mkdir(exist_ok=True)
        kb = KnowledgeBase(db, semantic=semantic, vector_cache=VECTORS)
        report = await kb.ingest(list(folders))
        if not report.ok:
            raise RuntimeError(f"evaluation data did not load: {report.failed[:3]}")
        await kb.embedded()
        outcomes = {}
        for point in points:
            with cutoffs(point):
                outcomes[point] = await ask_all(kb, questions, explain=False)
        await kb.close()
        return outcomes
    finally:
        await db.close()


def figures(alone: Outcome, crowded: Outcome) -> tuple[float, float, float, float]:
    """Return top-3 and honest "nothing", alone then with the competitors."""
    return alone.top3, alone.honest, crowded.top3, crowded.honest


def pick(results: dict[Point, tuple[float, float, float, float]], now: Point) -> Point:
    """Return the point the module's rule picks (see the docstring)."""

    def distance(point: Point) -> float:
        cosine = 0.0 if point.cosine is None or now.cosine is None else abs(point.cosine - now.cosine) * 100
        return abs(point.cutoff - now.cutoff) + abs(point.evidence - now.evidence) + cosine

    def drifts(point: Point) -> bool:
        top3_alone, honest_alone, top3, honest = results[point]
        return top3_alone - top3 > DRIFT_MAX + 1e-9 or honest_alone - honest > DRIFT_MAX + 1e-9

    steady = [p for p in results if not drifts(p)] or list(results)
    return max(steady, key=lambda p: (round(sum(results[p][2:]), 6), min(results[p][2:]), -distance(p)))


def frontier(results: dict[Point, tuple[float, float, float, float]]) -> set[Point]:
    """Return the points that no other point matches or beats on both figures with the competitors."""
    return {
        p
        for p, (_, _, top3, honest) in results.items()
        if not any(
            (t >= top3 and h >= honest and (t, h) != (top3, honest))
            for q, (_, _, t, h) in results.items()
            if q != p
        )
    }


def render(results: dict[Point, tuple[float, float, float, float]], now: Point, chosen: Point) -> str:
    """Render the curve as a Markdown table, best first by the rule's order."""
    semantic = now.cosine is not None
    head = "| score cut-off | least evidence" + (" | answering cosine" if semantic else "")
    rows = [
        head + ' | top-3 alone / + competitors | honest "nothing" alone / + competitors | |',
        "|---" * (4 + semantic) + "|---|",
    ]
    edge = frontier(results)
    ordered = sorted(results, key=lambda p: (-results[p][2], -results[p][3]))
    for point in ordered:
        top3_alone, honest_alone, top3, honest = results[point]
        marks = [
            m
            for m, on in (("frontier", point in edge), ("now", point == now), ("picked", point == chosen))
            if on
        ]
        shares = f"{top3_alone:.0%} / {top3:.0%} | {honest_alone:.0%} / {honest:.0%}"
        rows.append(f"{point.label()} | {shares} | {', '.join(marks)} |")
    return "\n".join(rows)


async def run(competitors: int, semantic: bool) -> None:
    """Sweep the grid on the tuning half, alone and among competitors, and print the curve."""
    semantic = semantic and available()
    questions = load(half="tune")
    now = current(semantic)
    cosines: Sequence[float | None] = (None,)
    if now.cosine is not None:
        cosines = sorted({*COSINES, now.cosine})
    axes = (SEMANTIC_CUTOFFS, SEMANTIC_EVIDENCE) if semantic else (CUTOFFS, EVIDENCE)
    grid = [Point(c, e, s) for c, e, s in itertools.product(*axes, cosines)]
    if now not in grid:
        grid.append(now)
    with tempfile.TemporaryDirectory(prefix="curve-") as tmp:
        work = Path(tmp)
        alone = await sweep([EPISODES], work / "alone.db", questions, grid, semantic)
        rivals = write_competitors(work / "rivals", competitors)
        crowded = await sweep([EPISODES, rivals], work / "crowded.db", questions, grid, semantic)
    results = {p: figures(alone[p], crowded[p]) for p in grid}
    chosen = pick(results, now)
    engine = "words, word vectors and sentence vectors" if semantic else "words only"
    print(f"/ask engine: {engine}; tuning half, seed alone and + {competitors:,} competing episodes\n")
    print(render(results, now, chosen))
    print(f"\nnow: {now.label()[2:]}; picked: {chosen.label()[2:]}")


def main() -> None:
    """Parse options and print the curve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--competitors", type=int, default=1000, help="competing episodes to add")
    parser.add_argument("--words-only", action="store_true", help="leave the optional [semantic] extra out")
    args = parser.parse_args()
    asyncio.run(run(args.competitors, not args.words_only))


if __name__ == "__main__":
    main()
