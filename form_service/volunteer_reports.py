"""Reports over volunteers' records: activities held per unit against its level's minimum,
and each volunteer's training against the scheme's training rule.

The minimum is the deployment's records.yaml (``pingan.volunteer_rules.minimum_for``: Wujin's
village squads 2 a month, work stations 1 a month, the association 1 a quarter). An
activity counts for its own unit, in the period its start falls in (the service's time
zone); cancelled and unpublished ones and training sessions do not count. One query over
``activities`` by ``(deployment, unit, starts_at)`` reads the starts in the widest period
asked for (a quarter at most) and counts them per unit's own period: no scan of attendance.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingan.deployment import Deployment
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
    for unit, _ in deployment.tree.walk():
        if unit.id not in scope:
            continue
        minimum = minimum_for(rules, unit.level, day)
        if minimum is not None:
            start, end = period_of(minimum.per, day)
            wanted[unit.id] = (minimum, start, end)
    if not wanted:
        return []
    tz = ZoneInfo(zone)
    earliest = min(start for _, start, _ in wanted.values())
    latest = max(end for _, _, end in wanted.values())
    rows = session.execute(
        select(Activity.unit, Activity.starts_at).where(
            Activity.deployment == deployment.id,
            Activity.unit.in_(wanted),
            Activity.kind == ACTIVITY,
            Activity.state == "published",
            Activity.starts_at >= _utc(earliest, tz),
            Activity.starts_at < _utc(latest + datetime.timedelta(days=1), tz),
        )
    ).all()
    held = dict.fromkeys(wanted, 0)
    for unit, starts_at in rows:
        _, start, end = wanted[unit]
        local = _aware(starts_at).astimezone(tz).date()
        if start <= local <= end:
            held[unit] += 1
    return [UnitMinimum(unit, *wanted[unit], held[unit]) for unit in wanted]


def _utc(day: datetime.date, tz: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tz).astimezone(datetime.UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


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
    sessions = session.execute(
        select(Activity.id, Activity.unit, Activity.open_to).where(
            Activity.deployment == deployment.id,
            Activity.kind == TRAINING,
            Activity.state == "published",
            Activity.starts_at >= start,
            Activity.starts_at < end,
        )
    ).all()
    units = [u.id for u in deployment.tree.descendants(unit)]
    records = session.scalars(
        select(VolunteerRecord)
        .where(VolunteerRecord.deployment == deployment.id, VolunteerRecord.unit.in_(units))
        .order_by(VolunteerRecord.volunteer_number)
    ).all()
    attended: dict[int, int] = {}
    if records and sessions:
        for record_id, count in session.execute(
            select(Attendance.record_id, func.count())
            .where(
                Attendance.activity_id.in_([row.id for row in sessions]),
                Attendance.record_id.in_([record.id for record in records]),
            )
            .group_by(Attendance.record_id)
        ):
            attended[record_id] = count
    rows = []
    for record in records:
        above = (
            {u.id for u in deployment.tree.path(record.unit)}
            if record.unit in deployment.tree
            else set()
        )
        offered = sum(1 for row in sessions if row.open_to == "public" or row.unit in above)
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
