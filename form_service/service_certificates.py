"""Certificates of service record (志愿服务记录证明): issued by an office for a volunteer of
its scope, printed (HTML and PDF, ``pingan.printing.service_record_html``) and checked by
anyone at the public ``/verify`` page with the code printed on them.

The figures are those of the volunteer's recorded attendance: minutes and the number of
activities (trainings included) over a period, by default from the first to the last
attendance, or between dates the office chooses. They are stored as issued
(``certificate_models.ServiceCertificate``) with the issuing unit, who issued and when, and
the issue is audited in the same transaction.

The verification code is 12 characters drawn by ``secrets`` from an alphabet without the
characters people confuse (0/O, 1/I/L): 31¹² ≈ 7.9 × 10¹⁷ codes, so guessing one is out of
reach behind the page's rate limit. It is printed in groups of four (ABCD-EFGH-JKMN) and
read back ignoring case, spaces and hyphens.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingan.points import hours_text

from .certificate_models import ServiceCertificate
from .context import current_deployment
from .office.audit import record as audit
from .office_models import User
from .volunteer_models import Activity, Attendance, VolunteerRecord
from .volunteers import Refused

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
GROUP = 4


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """ABCDEFGHJKMN → ABCD-EFGH-JKMN, as printed."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalised(typed: str) -> str | None:
    """A typed code as stored, or None when it cannot be one (wrong length or letters)."""
    code = "".join(ch for ch in (typed or "")[:40].upper() if ch not in " -\t\u3000")
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


@dataclass(frozen=True)
class Period:
    """Chosen dates (both inclusive); None for the whole recorded history."""

    start: datetime.date | None = None
    end: datetime.date | None = None


def local_today(timezone: str) -> datetime.date:
    """The calendar's day (not the rules' ``TODAY``): attendance is recorded by the clock."""
    return datetime.datetime.now(ZoneInfo(timezone)).date()


def parse_period(start: str, end: str, today: datetime.date) -> Period:
    """The office's form: both dates or neither (YYYY-MM-DD, as a date input sends)."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return Period()
    if not (start and end):
        raise Refused("请同时填写证明期间的开始和结束日期，或都不填（按首次到末次服务）", 422)
    try:
        first, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    except ValueError:
        raise Refused("证明期间的日期格式不正确", 422) from None
    if first > last:
        raise Refused("证明期间的开始日期不能晚于结束日期", 422)
    if last > today:
        raise Refused("证明期间的结束日期不能晚于今天", 422)
    return Period(first, last)


def issue(
    session: Session,
    user: User,
    scope: frozenset[str],
    record_id: int,
    period: Period,
    timezone: str,
) -> ServiceCertificate:
    """Issue a certificate for a record of the scope; audited in the same transaction."""
    deployment = current_deployment().id
    record = session.scalar(
        select(VolunteerRecord).where(
            VolunteerRecord.id == record_id,
            VolunteerRecord.deployment == deployment,
            VolunteerRecord.unit.in_(scope),
        )
    )
    if record is None:
        raise Refused("没有找到这名志愿者，或其不在本单位管辖范围内", 404)
    zone = ZoneInfo(timezone)
    query = (
        select(
            func.coalesce(func.sum(Attendance.minutes), 0),
            func.count(Attendance.id),
            func.min(Activity.starts_at),
            func.max(Activity.starts_at),
        )
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.record_id == record.id)
    )
    if period.start is not None:
        query = query.where(
            Activity.starts_at >= _midnight(period.start, zone),
            Activity.starts_at < _midnight(period.end + datetime.timedelta(days=1), zone),
        )
    minutes, count, first, last = session.execute(query).one()
    if not count:
        raise Refused("所选期间没有服务记录，不能出具服务记录证明", 422)
    certificate = ServiceCertificate(
        deployment=deployment,
        code=new_code(),
        record_id=record.id,
        name=record.name,
        volunteer_number=record.volunteer_number,
        volunteer_unit=record.unit,
        unit=user.unit,
        minutes=int(minutes),
        activities=int(count),
        period_start=period.start or _local_day(first, zone),
        period_end=period.end or _local_day(last, zone),
        issued_by=user.id,
    )
    session.add(certificate)
    session.flush()
    audit(
        session,
        "service_certificate",
        user=user,
        unit=record.unit,
        record=record.id,
        certificate=certificate.id,
        hours=hours_text(certificate.minutes),
        activities=certificate.activities,
    )
    return certificate


def find(session: Session, typed: str) -> ServiceCertificate | None:
    """The certificate of a typed code in this deployment; None for an unknown or altered one."""
    code = normalised(typed)
    if code is None:
        return None
    return session.scalar(
        select(ServiceCertificate).where(
            ServiceCertificate.deployment == current_deployment().id,
            ServiceCertificate.code == code,
        )
    )


def _midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), zone).astimezone(datetime.UTC)


def _local_day(moment: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    if moment.tzinfo is None:  # SQLite gives stored UTC times back without a zone
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone).date()
