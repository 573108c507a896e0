"""The unit tree: who is below whom, and which level each unit is at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Unit:
    """One node of the organisation tree (a district, a work station, a university…)."""

    id: str
    name: str
    level: str
    kind: str
    parent: str | None = None
    short_name: str | None = None
    registered_population: int | None = None
    resident_population: int | None = None
    contact: dict[str, Any] | None = None
    description: str | None = None
    example: bool = False
    children: list[Unit] = field(default_factory=list, repr=False)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Unit:
        known = {
            key: data[key] for key in cls.__dataclass_fields__ if key in data and key != "children"
        }
        return cls(**known)


class UnitTree:
    """Units indexed by id, with children lists; built once, then read many times.

    The tree is assumed checked (see ``tree_problems``): no unknown parents, no cycles.
    """

    def __init__(self, units: list[Unit]):
        self.units = units
        self.by_id: dict[str, Unit] = {unit.id: unit for unit in units}
        self.roots: list[Unit] = []
        for unit in units:
            unit.children = []  # a second tree over the same units must not double them
        for unit in units:
            parent = self.by_id.get(unit.parent) if unit.parent else None
            if parent is None:
                self.roots.append(unit)
            else:
                parent.children.append(unit)

    def __getitem__(self, unit_id: str) -> Unit:
        return self.by_id[unit_id]

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.by_id

    def __len__(self) -> int:
        return len(self.units)

    def walk(self, start: Unit | None = None) -> Iterator[tuple[Unit, int]]:
        """Depth-first (unit, depth) pairs in document order, without recursion."""
        stack = [(unit, 0) for unit in reversed([start] if start else self.roots)]
        while stack:
            unit, depth = stack.pop()
            yield unit, depth
            stack.extend((child, depth + 1) for child in reversed(unit.children))

    def descendants(self, unit_id: str, include_self: bool = True) -> list[Unit]:
        """The unit and every unit below it (an office's scope)."""
        found = [unit for unit, _ in self.walk(self.by_id[unit_id])]
        return found if include_self else found[1:]

    def ancestors(self, unit_id: str) -> list[Unit]:
        """Units above *unit_id*, nearest first."""
        chain = []
        unit = self.by_id[unit_id]
        while unit.parent and unit.parent in self.by_id:
            unit = self.by_id[unit.parent]
            chain.append(unit)
        return chain

    def path(self, unit_id: str) -> list[Unit]:
        """From the root down to *unit_id*."""
        return list(reversed(self.ancestors(unit_id))) + [self.by_id[unit_id]]


def find_cycles(parents: dict[str, str | None]) -> list[list[str]]:
    """Each cycle of parent links once, as the list of ids along it."""
    state: dict[str, int] = {}  # 1 = on current chain, 2 = done
    cycles = []
    for start in parents:
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in parents and state.get(node) is None:
            state[node] = 1
            chain.append(node)
            node = parents[node]
        if node is not None and state.get(node) == 1:
            cycles.append(chain[chain.index(node) :])
        for visited in chain:
            state[visited] = 2
    return cycles
