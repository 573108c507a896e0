"""The unit tree: walking, scopes and paths without recursion, at any depth or width."""

from __future__ import annotations

import time

import pytest

from pingan.units import Unit, UnitTree, find_cycles


def unit(uid: str, parent: str | None = None, level: str = "town") -> Unit:
    return Unit(id=uid, name=uid.upper(), level=level, kind="territorial", parent=parent)


@pytest.fixture
def tree() -> UnitTree:
    """qu ─ dong ─ dong-1, dong-2; qu ─ xi (document order kept)."""
    return UnitTree(
        [
            unit("qu", level="district"),
            unit("dong", "qu"),
            unit("xi", "qu"),
            unit("dong-1", "dong", "village"),
            unit("dong-2", "dong", "village"),
        ]
    )


def test_walk_is_depth_first_in_document_order_with_depths(tree):
    walked = [(u.id, depth) for u, depth in tree.walk()]
    assert walked == [("qu", 0), ("dong", 1), ("dong-1", 2), ("dong-2", 2), ("xi", 1)]


def test_walk_from_a_unit(tree):
    assert [(u.id, d) for u, d in tree.walk(tree["dong"])] == [
        ("dong", 0),
        ("dong-1", 1),
        ("dong-2", 1),
    ]


def test_descendants_are_an_office_scope(tree):
    assert [u.id for u in tree.descendants("dong")] == ["dong", "dong-1", "dong-2"]
    assert [u.id for u in tree.descendants("dong", include_self=False)] == ["dong-1", "dong-2"]
    assert [u.id for u in tree.descendants("xi")] == ["xi"]


def test_ancestors_nearest_first_and_path_from_the_root(tree):
    assert [u.id for u in tree.ancestors("dong-2")] == ["dong", "qu"]
    assert [u.id for u in tree.path("dong-2")] == ["qu", "dong", "dong-2"]
    assert tree.ancestors("qu") == []


def test_lookup(tree):
    assert tree["xi"].name == "XI"
    assert "xi" in tree and "nan" not in tree
    assert len(tree) == 5
    assert [u.id for u in tree.roots] == ["qu"]
    assert tree.by_id["dong"].children == [tree["dong-1"], tree["dong-2"]]


def test_building_a_second_tree_over_the_same_units_does_not_double_children(tree):
    again = UnitTree(tree.units)
    assert [u.id for u in again["dong"].children] == ["dong-1", "dong-2"]


def test_label_prefers_the_short_name():
    assert Unit(id="a", name="湖塘平安志愿者工作站", level="t", kind="territorial").label == (
        "湖塘平安志愿者工作站"
    )
    short = Unit(id="a", name="湖塘平安志愿者工作站", short_name="湖塘", level="t", kind="x")
    assert short.label == "湖塘"


def test_from_data_ignores_keys_it_does_not_model():
    made = Unit.from_data({"id": "a", "name": "甲", "level": "town", "kind": "territorial", "x": 1})
    assert (made.id, made.parent, made.children) == ("a", None, [])


def test_a_10000_deep_chain_needs_no_recursion():
    depth = 10_000
    units = [unit("u0")] + [unit(f"u{i}", f"u{i - 1}") for i in range(1, depth)]
    started = time.perf_counter()
    chain = UnitTree(units)
    walked = list(chain.walk())
    assert walked[-1] == (chain[f"u{depth - 1}"], depth - 1)
    assert len(chain.descendants("u0")) == depth
    assert len(chain.path(f"u{depth - 1}")) == depth
    assert chain.ancestors(f"u{depth - 1}")[0].id == f"u{depth - 2}"
    assert time.perf_counter() - started < 5  # quadratic would take minutes


def test_a_100000_wide_tree_is_fast():
    width = 100_000
    units = [unit("root", level="district")] + [unit(f"c{i}", "root") for i in range(width)]
    started = time.perf_counter()
    wide = UnitTree(units)
    assert len(list(wide.walk())) == width + 1
    assert len(wide.descendants("root", include_self=False)) == width
    assert [u.id for u in wide.path("c99999")] == ["root", "c99999"]
    assert time.perf_counter() - started < 5  # quadratic would take minutes


def test_find_cycles_reports_each_cycle_once():
    parents = {
        "a": "b",
        "b": "c",
        "c": "a",  # a → b → c → a
        "d": "a",  # leads into the cycle, not part of it
        "e": "e",  # its own parent
        "f": None,
        "g": "f",
        "h": "nowhere",  # unknown parent: not a cycle
    }
    assert find_cycles(parents) == [["a", "b", "c"], ["e"]]


def test_find_cycles_on_a_long_chain_without_recursion():
    parents = {f"u{i}": f"u{i + 1}" for i in range(50_000)}
    assert find_cycles(parents) == []
    parents["u50000"] = "u0"
    assert [len(cycle) for cycle in find_cycles(parents)] == [50_001]
