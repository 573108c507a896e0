"""Reports over volunteers' records: activities held per unit against its level's minimum,
and each volunteer's training against the scheme's training rule.

The minimum is the deployment's records.yaml (``pingan.volunteer_rules.minimum_for``: Wujin's
village squads 2 a month, work stations 1 a month, the association 1 a quarter). An
activity counts for its own unit, in the period its start falls in (the service's time
zone); cancelled and unpublished ones and training sessions do not count.

Both reports read through ``activities``' index ``(deployment, unit, kind, state,
starts_at)`` (migration 0014), so their cost follows the units asked about, not the
deployment's millions of rows (``benchmarks/volunteers.py``; the plans are asserted by
``tests/form_service/office/test_volunteer_query_plans.py``): the minimum report counts in
SQL, one ``GROUP BY unit`` per period (a month's units and a quarter's; over most of the
tree, the period's activities by ``(deployment, state, starts_at)``), and the training
report reads only the sessions that can be offered to the unit's volunteers.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingan.deployment import Deployment
from pingan.units import Unit, UnitTree
from pingan.volunteer_rules import Minimum, minimum_for, period_of, training_shortfalls

from .volunteer_models import ACTIVITY, TRAINING, Activity, Attendance, VolunteerRecord


@dataclass(frozen=True)
class UnitMinimum:
    """One unit's activities in one period against the minimum of its level."""

    unit: str
    minimum: Minimum
    start: datetime.date
    end: datetime.date
    held: int

    @property
    def behind(self) -> bool:
        return self.held < self.minimum.activities


def minimum_report(
    session: Session,
    deployment: Deployment,
    scope: frozenset[str],
    day: datetime.date,
    zone: str,
) -> list[UnitMinimum]:
    """Each unit of *scope* whose level has a minimum on *day*, in tree order."""
    rules = deployment.records
    if rules is None:
        return []
    wanted: dict[str, tuple[Minimum, datetime.date, datetime.date]] = {}
    for unit in _in_tree_order(deployment.tree, scope):
        minimum = minimum_for(rules, unit.level, day)
        if minimum is not None:
            start, end = period_of(minimum.per, day)
            wanted[unit.id] = (minimum, start, end)
    if not wanted:
        return []
    tz = ZoneInfo(zone)
    periods: dict[tuple[datetime.date, datetime.date], list[str]] = {}
    for unit, (_, start, end) in wanted.items():
        periods.setdefault((start, end), []).append(unit)
    held = dict.fromkeys(wanted, 0)
    for (start, end), units in periods.items():
        # A start on a local day of [start, end] is an instant in [start's midnight, the
        # midnight after end) there: counted by the index, without reading the rows.
        query = (
            select(Activity.unit, func.count())
            .where(
                Activity.deployment == deployment.id,
                Activity.kind == ACTIVITY,
                Activity.state == "published",
                Activity.starts_at >= _utc(start, tz),
                Activity.starts_at < _utc(end + datetime.timedelta(days=1), tz),
            )
            .group_by(Activity.unit)
        )
        if len(units) * 2 <= len(deployment.tree):
            query = query.where(Activity.unit.in_(units))
        # else most of the tree: reading the period's activities by (deployment, state,
        # starts_at) beats one index search per unit (12,000 for a district: 5× slower).
        group = set(units)
        held.update((unit, count) for unit, count in session.execute(query) if unit in group)
    return [UnitMinimum(unit, *wanted[unit], held[unit]) for unit in wanted]


def _in_tree_order(tree: UnitTree, scope: frozenset[str]) -> list[Unit]:
    """The units of *scope* in the tree's order; an office's scope (one unit and all below
    it) without walking the rest of the tree, which at 12,000 units cost more than the
    report's query."""
    tops = [unit for unit in scope if unit in tree and tree[unit].parent not in scope]
    if len(tops) == 1:
        below = [unit for unit, _ in tree.walk(tree[tops[0]])]
        if len(below) == len(scope):
            return below
    return [unit for unit, _ in tree.walk() if unit.id in scope]


def _utc(day: datetime.date, tz: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tz).astimezone(datetime.UTC)


@dataclass(frozen=True)
class TrainingRow:
    """One volunteer's training in one year: sessions offered to them, and attended."""

    record_id: int
    name: str
    volunteer_number: str
    unit: str
    role: str
    offered: int
    attended: int
    shortfalls: tuple[str, ...]


def training_report(
    session: Session, deployment: Deployment, unit: str, year: int, zone: str
) -> list[TrainingRow]:
    """The volunteers of *unit* and below against the scheme's training rule for *year*.

    A training session is offered to a volunteer when it is open to every volunteer of the
    scheme, or to the volunteers of its unit and that unit is the volunteer's or above it
    (the county trains core members, towns and villages their own). Cancelled and
    unpublished sessions are not offered.
    """
    rules = deployment.records
    if rules is None or rules.training is None:
        return []
    tz = ZoneInfo(zone)
    start, end = _utc(datetime.date(year, 1, 1), tz), _utc(datetime.date(year + 1, 1, 1), tz)
    in_year = (
        Activity.deployment == deployment.id,
        Activity.kind == TRAINING,
        Activity.state == "published",
        Activity.starts_at >= start,
        Activity.starts_at < end,
    )
    tree = deployment.tree
    units = [u.id for u in tree.descendants(unit)]
    # A volunteer of *unit* or below is offered the sessions open to everyone and those of a
    # unit on their path from the root: above *unit*, *unit*, or between it and theirs.
    near = [u.id for u in tree.ancestors(unit)] + units
    offered_here = dict(
        session.execute(
            select(Activity.unit, func.count())
            .where(*in_year, Activity.unit.in_(near), Activity.open_to != "public")
            .group_by(Activity.unit)
        ).all()
    )
    open_to_all = session.scalar(select(func.count()).where(*in_year, Activity.open_to == "public"))
    # Sorted here rather than by SQL: an ORDER BY on the number let the planner walk the
    # deployment's whole number index instead of reading the units' volunteers.
    records = sorted(
        session.scalars(
            select(VolunteerRecord).where(
                VolunteerRecord.deployment == deployment.id, VolunteerRecord.unit.in_(units)
            )
        ),
        key=lambda record: record.volunteer_number,
    )
    # Each volunteer's training attendances by the record index (an attendance carries its
    # activity's kind), then which of those sessions count this year, by primary key: a join
    # let the planner start from the year's activities of the whole deployment.
    sessions_taken = (
        session.execute(
            select(Attendance.record_id, Attendance.activity_id).where(
                Attendance.record_id.in_([record.id for record in records]),
                Attendance.kind == TRAINING,
            )
        ).all()
        if records
        else []
    )
    counted: set[int] = set()
    if sessions_taken:
        # By primary key only: with the deployment and state in the WHERE clause SQLite
        # preferred reading the year's activities by (deployment, state, starts_at).
        for activity_id, of, state in session.execute(
            select(Activity.id, Activity.deployment, Activity.state).where(
                Activity.id.in_({activity_id for _, activity_id in sessions_taken}),
                Activity.kind == TRAINING,
                Activity.starts_at >= start,
                Activity.starts_at < end,
            )
        ):
            if of == deployment.id and state == "published":
                counted.add(activity_id)
    attended = Counter(
        record_id for record_id, activity_id in sessions_taken if activity_id in counted
    )
    rows = []
    for record in records:
        above = [u.id for u in tree.path(record.unit)] if record.unit in tree else []
        offered = open_to_all + sum(offered_here.get(u, 0) for u in above)
        role = record.role or rules.default_role
        taken = attended.get(record.id, 0)
        rows.append(
            TrainingRow(
                record.id,
                record.name,
                record.volunteer_number,
                record.unit,
                role,
                offered,
                taken,
                tuple(training_shortfalls(rules.training, role, offered, taken)),
            )
        )
    return rows
