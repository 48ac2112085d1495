"""The cut-off calibration: its rule, its frontier, and that a point's cut-offs apply only for its run."""

from bot.search import ranking
from eval.curve import Point, cutoffs, frontier, pick

NOW = Point(60.0, 9.0, None)


def test_pick_weighs_both_targets_alike_with_the_competitors():
    results = {
        NOW: (0.77, 1.00, 0.75, 0.95),
        Point(60.0, 8.0, None): (0.77, 1.00, 0.77, 0.81),  # higher lower figure, lower sum
        Point(50.0, 9.0, None): (0.81, 0.86, 0.79, 0.71),
    }
    assert pick(results, NOW) == NOW


def test_pick_leaves_out_points_that_drift_from_the_seed_alone():
    drifting = Point(55.0, 9.0, None)
    results = {NOW: (0.77, 0.95, 0.75, 0.90), drifting: (0.90, 0.95, 0.84, 0.90)}
    assert pick(results, NOW) == NOW


def test_a_tie_keeps_the_current_setting():
    results = {Point(65.0, 9.0, None): (0.7, 1.0, 0.7, 0.9), NOW: (0.7, 1.0, 0.7, 0.9)}
    assert pick(results, NOW) == NOW


def test_frontier_holds_only_points_nothing_beats_on_both():
    beaten = Point(65.0, 9.0, None)
    results = {NOW: (0, 0, 0.75, 0.95), beaten: (0, 0, 0.70, 0.95), Point(50.0, 9.0, None): (0, 0, 0.8, 0.7)}
    assert frontier(results) == {NOW, Point(50.0, 9.0, None)}


def test_cutoffs_apply_within_and_are_restored_after():
    before = (ranking.ASK_CUTOFF, ranking.EVIDENCE_MIN, ranking.DENSE_FROM, ranking.DENSE_TO)
    with cutoffs(Point(50.0, 7.0, 0.6)):
        assert (ranking.ASK_CUTOFF, ranking.EVIDENCE_MIN) == (50.0, 7.0)
        # the cosine given scores exactly the cut-off
        assert abs(ranking._dense_score(0.6) - 50.0) < 1e-9
    assert before == (ranking.ASK_CUTOFF, ranking.EVIDENCE_MIN, ranking.DENSE_FROM, ranking.DENSE_TO)
