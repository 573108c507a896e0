"""Honour nominations: record one, withdraw one, and export the decisions for the site.

The rules are ``pingan.honours``; these functions store what an office decided, each in
the caller's write transaction together with its audit event. The site never reads the
database: ``decisions_document`` is what ``pingan honours export`` writes for the build.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.honours import (
    DECISIONS_FORMAT,
    STATUS_NAMES,
    WITHDRAWN,
    NominationInput,
    honour_key,
    nomination_problems,
    notice_status,
)

from .build_inputs import write_json
from .honour_models import HonourNomination
from .models import utcnow
from .office.audit import record as audit
from .office_models import User
from .volunteer_models import VolunteerRecord


class Refused(Exception):
    """Nothing was changed; ``message`` says why, ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().replace("\r\n", "\n").split("\n"))


def status_of(nomination: HonourNomination, day: datetime.date) -> str:
    return notice_status(
        nomination.notice_starts,
        nomination.notice_ends,
        nomination.withdrawn_at is not None,
        day,
    )


def nominate(
    session: Session,
    user: User,
    scope: frozenset[str],
    deployment: str,
    data: NominationInput,
    day: datetime.date,
    record_id: int | None = None,
) -> HonourNomination:
    """Record a nomination of a person in a unit of the office's scope, and audit it.

    Given *record_id*, the nominee is that volunteer record of the scope (its name and
    unit replace the typed ones), and the nomination links it: the honour roll then shows
    the record's stars, points and hours.
    """
    record = None
    if record_id is not None:
        record = session.get(VolunteerRecord, record_id)
        if record is None or record.deployment != deployment or record.unit not in scope:
            raise Refused("没有这份志愿者档案", 404)
        data = dataclasses.replace(data, name=record.name, unit=record.unit)
    if data.unit not in scope:
        raise Refused("只能提名本单位或下级单位的志愿者", 404)
    problems = nomination_problems(data, day)
    if problems:
        raise Refused("；".join(problems.values()), 422)
    name, honour = data.name.strip(), data.honour.strip()
    # The same honour as the site compares them ("张 三" is 张三): the year's live ones.
    key = honour_key(name, honour, data.year)
    live = session.execute(
        select(HonourNomination.name, HonourNomination.honour).where(
            HonourNomination.deployment == deployment,
            HonourNomination.year == data.year,
            HonourNomination.withdrawn_at.is_(None),
        )
    )
    if any(honour_key(*row, data.year) == key for row in live):
        raise Refused(f"{name}已被提名为{data.year}年度“{honour}”，不能重复提名")
    nomination = HonourNomination(
        deployment=deployment,
        unit=data.unit,
        name=name,
        honour=honour,
        year=data.year,
        deeds=_clean(data.deeds),
        consent_date=data.consent_date,
        consent_method=data.consent_method,
        notice_starts=data.notice_starts,
        notice_ends=data.notice_ends,
        objections=_clean(data.objections),
        nominated_by=user.id,
        record_id=record.id if record is not None else None,
    )
    session.add(nomination)
    session.flush()
    linked = {} if record is None else {"record": record.id}
    audit(
        session,
        "honour_nominate",
        user=user,
        unit=nomination.unit,
        nomination=nomination.id,
        nominee=nomination.name,
        honour=nomination.honour,
        year=nomination.year,
        consent=f"{nomination.consent_date.isoformat()} {nomination.consent_method}",
        notice=f"{nomination.notice_starts.isoformat()} 至 {nomination.notice_ends.isoformat()}",
        **linked,
    )
    return nomination


def withdraw(
    session: Session,
    user: User,
    scope: frozenset[str],
    nomination_id: int,
    reason: str,
    day: datetime.date,
) -> HonourNomination:
    """Withdraw a nomination (under notice, awarded or not yet shown) with a reason."""
    nomination = session.get(HonourNomination, nomination_id)
    if nomination is None or nomination.unit not in scope:
        raise Refused("没有这个提名", 404)
    reason = _clean(reason)
    if not reason:
        raise Refused("请填写撤回的理由", 422)
    if len(reason) > 500:
        raise Refused("理由不能超过 500 个字", 422)
    before = status_of(nomination, day)
    if before == WITHDRAWN:
        raise Refused("这个提名已经撤回")
    nomination.withdrawn_at = utcnow()
    nomination.withdrawn_reason = reason
    nomination.withdrawn_by = user.id
    audit(
        session,
        "honour_withdraw",
        user=user,
        unit=nomination.unit,
        nomination=nomination.id,
        nominee=nomination.name,
        honour=nomination.honour,
        year=nomination.year,
        status=STATUS_NAMES[before],
        reason=reason,
    )
    return nomination


def decisions_document(session: Session, deployment: str) -> dict[str, Any]:
    """Every nomination of *deployment* as the site's build reads it (``honours.json``).

    Dates, not statuses: the build works out the status on the day it runs, so a page
    built during the notice says until when, and the next build shows the honour awarded.
    A withdrawn nomination carries only what identifies it (so a YAML twin is hidden too),
    never the reason. A live one linked to a volunteer record carries the record's
    recorded stars, points and minutes, read from its maintained totals (no attendance is
    scanned), so the honour roll shows recorded figures instead of hand-typed ones.
    """
    rows = session.execute(
        select(HonourNomination, VolunteerRecord)
        .outerjoin(
            VolunteerRecord,
            (VolunteerRecord.id == HonourNomination.record_id)
            & (VolunteerRecord.deployment == deployment),
        )
        .where(HonourNomination.deployment == deployment)
        .order_by(HonourNomination.id)
    )
    honours = []
    for row, record in rows:
        entry: dict[str, Any] = {
            "nomination": row.id,
            "name": row.name,
            "unit": row.unit,
            "honour": row.honour,
            "year": row.year,
            "withdrawn": row.withdrawn_at is not None,
        }
        if row.withdrawn_at is None:
            entry |= {
                "deeds": row.deeds,
                "consent": {"date": row.consent_date.isoformat(), "method": row.consent_method},
                "notice": {
                    "starts": row.notice_starts.isoformat(),
                    "ends": row.notice_ends.isoformat(),
                    "objections": row.objections,
                },
            }
            if record is not None:
                entry["record"] = {
                    "stars": record.stars,
                    "star_source": record.star_source,
                    "points": record.points,
                    "minutes": record.minutes,
                }
        honours.append(entry)
    return {"format": DECISIONS_FORMAT, "deployment": deployment, "honours": honours}


def write_decisions(session: Session, deployment: str, out: Path) -> int:
    """Write ``decisions_document`` to *out* atomically (the build never reads half a
    file); return how many nominations it holds."""
    document = decisions_document(session, deployment)
    write_json(document, out)
    return len(document["honours"])
