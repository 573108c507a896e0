"""Aggregate counts for the site's charts and station ranking (statistics.json).

The site never reads the database: ``statistics_document`` is what ``pingan statistics
export`` writes and a site rebuild reads (checked by ``pingan.statistics.load_statistics``).
Every figure is counted by a query grouped in the database — a Chongqing-scale service
hands over a few thousand groups, never its rows — and nothing personal leaves: no name,
no number, and no grid worker (their applications are added up to their station's unit).

Days and months are the service's time zone's (config ``TIMEZONE``). PostgreSQL converts
each stored UTC time with the zone's rules; SQLite, which knows no zones, shifts it by the
zone's offset on the day of the export (China keeps one offset all year).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pingan.deployment import Deployment
from pingan.review import CLOSED_STAGES, REGISTERED, Workflow
from pingan.statistics import STATISTICS_FORMAT

from .build_inputs import write_json
from .models import Application
from .volunteer_models import Activity, Attendance, VolunteerRecord


def _local_text(session: Session, column: Any, zone: str, pattern: str) -> ColumnElement[str]:
    """*column* (a stored UTC time) as text in *zone*: *pattern* is ``day`` or ``month``."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(
            func.timezone(zone, column), "YYYY-MM-DD" if pattern == "day" else "YYYY-MM"
        )
    offset = datetime.datetime.now(ZoneInfo(zone)).utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds() // 60)
    return func.strftime(
        "%Y-%m-%d" if pattern == "day" else "%Y-%m", column, f"{minutes:+d} minutes"
    )


def grid_worker_counts(session: Session, deployment: str, codes: list[str]) -> dict[str, tuple]:
    """Grid worker code (upper case) → (applied, registered) through it, in one grouped query.

    An application names its grid worker in ``via`` (the QR code fills it in), compared
    without regard to case as people type codes; registered means it has its volunteer
    number. The office's grid-worker page and the site's station ranking both count so.
    """
    if not codes:
        return {}
    code = func.upper(Application.via)
    query = (
        select(code, func.count(), func.count(Application.volunteer_number))
        .where(Application.deployment == deployment, code.in_([c.upper() for c in codes]))
        .group_by(code)
    )
    return {row[0]: (row[1], row[2]) for row in session.execute(query)}


def _applications(session: Session, deployment: Deployment, zone: str) -> list[dict[str, Any]]:
    """Open applications per campaign, unit and day submitted, with how many are registered
    (a rejected or withdrawn one is not counted, as in the live progress API)."""
    day = _local_text(session, Application.submitted_at, zone, "day")
    rows = session.execute(
        select(Application.campaign, Application.unit, day, Application.stage, func.count())
        .where(
            Application.deployment == deployment.id,
            Application.stage.not_in(sorted(CLOSED_STAGES)),
        )
        .group_by(Application.campaign, Application.unit, day, Application.stage)
    )
    registered_stages: dict[str, set[str]] = {}
    for campaign in deployment.campaigns.values():
        workflow = Workflow(campaign, deployment)
        registered_stages[campaign.id] = {
            stage.id for stage in workflow.stages if workflow.state(stage.id) == REGISTERED
        }
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for campaign, unit, on, stage, count in rows:
        entry = counts[(campaign, unit, on)]
        entry[0] += count
        if stage in registered_stages.get(campaign, ()):
            entry[1] += count
    return [
        {"campaign": c, "unit": u, "day": d, "applications": a, "registered": r}
        for (c, u, d), (a, r) in sorted(counts.items())
    ]


def _volunteers(session: Session, deployment: Deployment) -> list[dict[str, Any]]:
    rows = session.execute(
        select(VolunteerRecord.unit, func.count())
        .where(VolunteerRecord.deployment == deployment.id)
        .group_by(VolunteerRecord.unit)
        .order_by(VolunteerRecord.unit)
    )
    return [{"unit": unit, "volunteers": count} for unit, count in rows]


def _hours(session: Session, deployment: Deployment, zone: str) -> list[dict[str, Any]]:
    """Minutes served per unit (the activity's) and month the activity started in."""
    month = _local_text(session, Activity.starts_at, zone, "month")
    rows = session.execute(
        select(Attendance.unit, month, func.sum(Attendance.minutes))
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.deployment == deployment.id)
        .group_by(Attendance.unit, month)
        .order_by(Attendance.unit, month)
    )
    return [
        {"unit": unit, "month": on, "minutes": int(minutes or 0)}
        for unit, on, minutes in rows
        if minutes
    ]


def _stations(session: Session, deployment: Deployment) -> list[dict[str, Any]]:
    """Applications through grid workers, added up to each grid worker's station."""
    workers = deployment.grid_workers
    counts = grid_worker_counts(session, deployment.id, [worker["code"] for worker in workers])
    stations: dict[str, list[int]] = {}
    for worker in workers:
        entry = stations.setdefault(worker["unit"], [0, 0])
        applied, registered = counts.get(worker["code"].upper(), (0, 0))
        entry[0] += applied
        entry[1] += registered
    return [
        {"unit": unit, "applications": a, "registered": r}
        for unit, (a, r) in sorted(stations.items())
    ]


def statistics_document(
    session: Session, deployment: Deployment, zone: str, day: datetime.date
) -> dict[str, Any]:
    """The counts of *deployment* as the site's build reads them (``statistics.json``)."""
    return {
        "format": STATISTICS_FORMAT,
        "deployment": deployment.id,
        "day": day.isoformat(),
        "applications": _applications(session, deployment, zone),
        "volunteers": _volunteers(session, deployment),
        "hours": _hours(session, deployment, zone),
        "stations": _stations(session, deployment),
    }


def write_statistics(
    session: Session, deployment: Deployment, zone: str, day: datetime.date, out: Path
) -> int:
    """Write ``statistics_document`` to *out* atomically (the build never reads half a
    file); return how many applications it counts."""
    document = statistics_document(session, deployment, zone, day)
    write_json(document, out, indent=None)
    return sum(row["applications"] for row in document["applications"])
