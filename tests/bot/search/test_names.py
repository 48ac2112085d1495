"""The fuzzy name index: order, case, accents and typos in names, and priority on ties."""

import random

from bot.search.names import NameIndex
from bot.slices import drain


def test_name_index_tolerates_order_case_accents_and_typos():
    names = NameIndex([(1, ["Nathan Lambert"]), (2, ["Zoë Ångström-Okafor"]), (3, ["Sebastian Raschka"])], {})
    assert names.search("LAMBERT nathan")[0] == (1, 100.0)
    assert names.search("zoe angstrom")[0][0] == 2
    assert names.search("Sebastain")[0][0] == 3
    assert names.search("qqqq") == []
    assert names.exact("zoe angstrom okafor") == [2]
    assert names.exact("zoe") == []


def test_name_index_prefers_priority_on_ties():
    names = NameIndex([(1, ["Ada One"]), (2, ["Ada Two"])], {2: 5.0})
    assert [entry for entry, _ in names.search("ada")] == [2, 1]


def test_an_updated_index_answers_like_a_rebuilt_one_and_leaves_the_old_as_it_was():
    entries = {1: ["Quokka Quasars"], 2: ["Pulsar Timing Arrays", "Pulsars"], 3: ["Zephyrine Telescopes"]}
    old = NameIndex(entries.items(), {})
    new = drain(old.updated({2, 3}, [(3, ["Zephyrine Quokkas"]), (4, ["Pulsar Clocks"])], {4: 1.0}))
    rebuilt = NameIndex({1: entries[1], 3: ["Zephyrine Quokkas"], 4: ["Pulsar Clocks"]}.items(), {4: 1.0})
    assert new.contents() == rebuilt.contents()
    assert new.dead == 3
    for typed in ("pulsar", "zephyrine", "quokka", "telescopes", "timing", "pulsr clocks", "zephyrne"):
        assert new.search(typed) == rebuilt.search(typed)
        assert new.word_typos(typed) == rebuilt.word_typos(typed)
    assert old.contents() == NameIndex(entries.items(), {}).contents()
    assert [e for e, _ in old.search("pulsar timing")] == [2]


def test_the_best_few_are_the_first_of_all_matches_ties_included():
    # Equal scores and equal priorities: the names met first stay first, however few are asked for.
    entries = [(i, [f"Ada {word} Show"]) for i, word in enumerate(["Alpha", "Beta", "Gamma", "Delta"] * 5)]
    names = NameIndex(entries, {i: float(i % 3) for i in range(20)})
    everything = names.search("ada", limit=100)
    assert len(everything) == 20
    for limit in (1, 2, 5, 7, 19):
        assert names.search("ada", limit=limit) == everything[:limit]


def test_a_search_reading_only_the_best_names_answers_as_one_scoring_all_of_them():
    # Many names sharing syllables, priorities that often tie, short prefixes and several words:
    # the bounded search must give what scoring every matched name gives, order and scores included.
    rng = random.Random(12)  # noqa: S311 (test data)
    syllables = ["ni", "nis", "qua", "ka", "lo", "mi", "vu", "bel", "wex", "tem", "jun"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))

    entries = [(i, [" ".join(word() for _ in range(rng.randint(1, 6)))]) for i in range(400)]
    entries += [(i, [" ".join(word() for _ in range(3))]) for i in range(0, 400, 7)]  # a second name
    names = NameIndex(entries, {i: float(rng.randint(0, 2)) for i in range(400)})
    again = names.reprioritized({i: float(-i) for i in range(400)})
    typed = [word()[: rng.randint(2, 6)] for _ in range(60)]
    typed += [" ".join(word()[: rng.randint(2, 8)] for _ in range(rng.randint(2, 4))) for _ in range(60)]
    for index in (names, again):
        for text in typed:
            tokens = list(dict.fromkeys(text.split()))
            for limit in (1, 3, 25):
                for cutoff in (0.0, 50.0, 60.0, 75.0):
                    assert index.search(text, limit, cutoff) == index._search_all(tokens, limit, cutoff), text


def test_names_tied_on_score_and_priority_keep_the_order_their_words_are_found_in():
    # "kaa" is found before "kab" (same score as a prefix of "ka"), so its name comes first on a
    # full tie, although it was added second.
    names = NameIndex([(0, ["Kab Lom"]), (1, ["Kaa Lom"])], {})
    found = names.search("ka lom")
    assert [entry for entry, _ in found] == [1, 0]
    assert found[0][1] == found[1][1]
