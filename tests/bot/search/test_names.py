"""The fuzzy name index: order, case, accents and typos in names, and priority on ties."""

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
