"""A volunteer record's history as both record pages show it, the volunteer's own
(``/volunteer``) and the office's: the latest attendance and certificates of service
record, newest first, one query each on the record's index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.points import hours_text

from .certificate_models import ServiceCertificate
from .volunteer_models import KINDS, Activity, Attendance


def recent_attendance(session: Session, record_id: int, limit: int) -> list[dict[str, Any]]:
    """The record's latest *limit* attended activities: title, kind, start, hours, points."""
    rows = session.execute(
        select(Attendance, Activity)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.record_id == record_id)
        .order_by(Activity.starts_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "title": activity.title,
            "kind": KINDS[activity.kind],
            "at": activity.starts_at,
            "hours": hours_text(row.minutes),
            "points": row.points,
        }
        for row, activity in rows
    ]


def recent_certificates(session: Session, record_id: int, limit: int) -> list[ServiceCertificate]:
    """The record's latest *limit* certificates of service record."""
    return list(
        session.scalars(
            select(ServiceCertificate)
            .where(ServiceCertificate.record_id == record_id)
            .order_by(ServiceCertificate.id.desc())
            .limit(limit)
        )
    )
