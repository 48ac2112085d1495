"""The fuzzy name index: order, case, accents and typos in names, and priority on ties."""

from bot.search.names import NameIndex


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
