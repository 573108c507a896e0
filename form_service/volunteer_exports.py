"""Offices' export of a unit's registered volunteers (hours, points, stars, role, unit),
its activities and their attendance, as one data package (``pingan.export.tables``):
``volunteers.csv``, ``activities.csv``, ``attendance.csv``, ``volunteers.xlsx`` with a
sheet each, and ``datapackage.json``.

The unit's scope is the unit and every unit below it. ID numbers are masked (birth date
hidden, ``pingan.idnumber.mask_id_number``), decrypted from the volunteer's first
application one row at a time; the mobile number is the application's, as in the
application export. Each table is one query on its ``(deployment, unit)`` index, streamed
(``yield_per``: a server-side cursor on PostgreSQL), so memory stays flat.

A small package is built in the request; a larger one (more rows than
``EXPORT_BACKGROUND_THRESHOLD``) is an export job of kind ``volunteers`` run by the
application export's machinery (``form_service.office.exports``: claim, lease, progress,
cache key, file). The export is audited when the package is handed over: before a
download is sent, and at each download of a job's file, with the rows of each table.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from pingan.deployment import Deployment
from pingan.export.tables import Column, TableSpec, write_tables_package
from pingan.idnumber import mask_id_number
from pingan.points import hours_text

from .context import cipher, current_deployment
from .db import get_db
from .models import Application
from .office.audit import record as audit_record
from .office_models import ExportJob, User
from .volunteer_models import KINDS, STATES, Activity, Attendance, VolunteerRecord
from .volunteers import record_rules

#: ``ExportJob.options["kind"]`` of this export.
KIND = "volunteers"
CONTENT = "志愿者档案、活动和服务记录"

WORKBOOK = "volunteers.xlsx"
UNREADABLE = "（无法读取）"
STREAM = 1000

VOLUNTEERS = TableSpec(
    "volunteers",
    "志愿者",
    (
        Column("志愿者编号"),
        Column("姓名"),
        Column("身份证号码", description="已隐去出生日期"),
        Column("手机号码"),
        Column("单位代码"),
        Column("所在单位"),
        Column("角色"),
        Column("特长"),
        Column("服务时长（小时）", "number"),
        Column("积分", "integer"),
        Column("参加活动次数", "integer"),
        Column("参加培训次数", "integer"),
        Column("星级", "integer"),
        Column("星级来源"),
        Column("注册时间", "datetime"),
    ),
)
ACTIVITIES = TableSpec(
    "activities",
    "活动",
    (
        Column("活动编号", "integer"),
        Column("单位代码"),
        Column("单位"),
        Column("类别"),
        Column("名称"),
        Column("服务类型"),
        Column("地点"),
        Column("开始时间", "datetime"),
        Column("结束时间", "datetime"),
        Column("名额", "integer"),
        Column("已报名", "integer"),
        Column("状态"),
    ),
)
ATTENDANCE = TableSpec(
    "attendance",
    "服务记录",
    (
        Column("活动编号", "integer"),
        Column("活动名称"),
        Column("活动单位代码"),
        Column("志愿者编号"),
        Column("姓名"),
        Column("服务时长（小时）", "number"),
        Column("积分", "integer"),
        Column("登记时间", "datetime"),
    ),
)
STAR_SOURCES = {"hours": "按服务时长", "awarded": "评定"}


@dataclass(frozen=True)
class VolunteerExport:
    """What an office asked to export: its unit's scope (ID numbers always masked)."""

    unit: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": KIND, "unit": self.unit}


def data_state(request: VolunteerExport) -> tuple[int, str]:
    """(rows, cache key) of what *request* would export now: per table one aggregate on
    its index (rows, highest id, latest change), and the names the package writes."""
    deployment = current_deployment()
    rules = record_rules()
    units = _scope(deployment, request.unit)
    states = []
    with get_db().sessions() as session:
        for model in (VolunteerRecord, Activity, Attendance):
            states.append(
                session.execute(
                    select(func.count(), func.max(model.id), func.max(model.updated_at)).where(
                        model.deployment == deployment.id, model.unit.in_(units)
                    )
                ).one()
            )
    key = json.dumps(
        [
            request.as_dict(),
            [list(state) for state in states],
            dict(rules.roles) if rules else {},
            dict(rules.service_types) if rules else {},
            [deployment.tree[unit].name for unit in units],
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return sum(state[0] for state in states), hashlib.sha256(key.encode()).hexdigest()


def write_volunteers(
    request: VolunteerExport,
    out: str | Path | IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the package of *request* to *out*; → rows per table."""
    deployment = current_deployment()
    rules = record_rules()
    unit = request.unit
    units = _scope(deployment, unit)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    with get_db().sessions() as session:
        return write_tables_package(
            out,
            name=f"{deployment.id}-{unit}-volunteers",
            title=f"{deployment.tree[unit].name}{CONTENT}",
            description=(
                "三个 CSV 资源（UTF-8，带 BOM）供数据工具读取：志愿者档案、活动、服务记录；用 "
                f"Excel 查看请打开 {WORKBOOK}（内容相同，身份证号、手机号码按文本保存）。"
                "身份证号码已隐去出生日期。"
            ),
            workbook=WORKBOOK,
            tables=[
                (VOLUNTEERS, _volunteers(session, deployment, rules, units, zone)),
                (ACTIVITIES, _activities(session, deployment, rules, units, zone)),
                (ATTENDANCE, _attendance(session, deployment, units, zone)),
            ],
            created=datetime.datetime.now(zone),
            progress=progress,
        )


def export_now(request: VolunteerExport, user: User) -> IO[bytes]:
    """The package in an unlinked temporary file (at 0), audited before it is sent."""
    handle = tempfile.TemporaryFile(prefix="pingan-volunteers-")
    try:
        counts = write_volunteers(request, handle)
        audit(request.unit, counts, user=user)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def audit(unit: str, counts: dict[str, int], **who: Any) -> None:
    """Commit the audit event of a package handed to an office: the rows of each table."""
    with get_db().write() as session:
        audit_record(
            session,
            "export",
            unit=unit,
            content=CONTENT,
            volunteers=counts["volunteers"],
            activity_rows=counts["activities"],
            attendance=counts["attendance"],
            **who,
        )


# --- as an export job (``form_service.office.exports``) -----------------------------------


def write_job(
    options: dict[str, Any], out: Path, progress: Callable[[int], None]
) -> tuple[int, dict[str, int]]:
    """The job's package: (rows written, rows per table, kept with the job)."""
    counts = write_volunteers(VolunteerExport(options["unit"]), out, progress)
    return sum(counts.values()), counts


def audit_download(job: ExportJob, user: User) -> None:
    """Each download of a finished job's package is an export handed over."""
    audit(job.unit, job.options["figures"], user=user, background=True)


def _scope(deployment: Deployment, unit: str) -> list[str]:
    return [each.id for each in deployment.tree.descendants(unit)]


def _volunteers(session, deployment, rules, units, zone) -> Iterator[list]:
    decrypt = cipher().decrypt
    tree = deployment.tree
    roles = rules.roles if rules else {}
    default_role = rules.default_role if rules else ""
    rows = session.execute(
        select(
            VolunteerRecord,
            Application.id_encrypted,
            Application.mobile_encrypted,
        )
        .outerjoin(Application, Application.id == VolunteerRecord.first_application_id)
        .where(VolunteerRecord.deployment == deployment.id, VolunteerRecord.unit.in_(units))
        # By unit first: the (deployment, unit) index gives that order, so a small unit's
        # export reads its own rows, not the deployment's in number order.
        .order_by(VolunteerRecord.unit, VolunteerRecord.volunteer_number)
        .execution_options(yield_per=STREAM)
    )
    for record, id_encrypted, mobile_encrypted in rows:
        role = record.role or default_role
        yield [
            record.volunteer_number,
            record.name,
            _read(decrypt, id_encrypted, mask_id_number),
            _read(decrypt, mobile_encrypted),
            record.unit,
            tree[record.unit].name if record.unit in tree else record.unit,
            roles.get(role, role),
            "、".join(record.skills or []),
            hours_text(record.minutes),
            record.points,
            record.activities,
            record.trainings,
            record.stars,
            STAR_SOURCES.get(record.star_source or "", "") if record.stars else "",
            _time(record.registered_at, zone),
        ]
        session.expunge(record)


def _activities(session, deployment, rules, units, zone) -> Iterator[list]:
    tree = deployment.tree
    types = rules.service_types if rules else {}
    rows = session.scalars(
        select(Activity)
        .where(Activity.deployment == deployment.id, Activity.unit.in_(units))
        .order_by(Activity.starts_at, Activity.id)
        .execution_options(yield_per=STREAM)
    )
    for activity in rows:
        yield [
            activity.id,
            activity.unit,
            tree[activity.unit].name if activity.unit in tree else activity.unit,
            KINDS.get(activity.kind, activity.kind),
            activity.title,
            types.get(activity.service_type, activity.service_type),
            activity.place,
            _time(activity.starts_at, zone),
            _time(activity.ends_at, zone),
            activity.places,
            activity.places_taken,
            STATES.get(activity.state, activity.state),
        ]
        session.expunge(activity)


def _attendance(session, deployment, units, zone) -> Iterator[list]:
    rows = session.execute(
        select(
            Attendance.activity_id,
            Activity.title,
            Attendance.unit,
            VolunteerRecord.volunteer_number,
            VolunteerRecord.name,
            Attendance.minutes,
            Attendance.points,
            Attendance.recorded_at,
        )
        .join(Activity, Activity.id == Attendance.activity_id)
        .join(VolunteerRecord, VolunteerRecord.id == Attendance.record_id)
        .where(Attendance.deployment == deployment.id, Attendance.unit.in_(units))
        .order_by(Attendance.activity_id, VolunteerRecord.volunteer_number)
        .execution_options(yield_per=STREAM)
    )
    for activity_id, title, unit, number, name, minutes, points, recorded_at in rows:
        yield [
            activity_id,
            title,
            unit,
            number,
            name,
            hours_text(minutes),
            points,
            _time(recorded_at, zone),
        ]


def _read(decrypt, token: str | None, then=lambda text: text) -> str:
    """A stored encrypted value as written: empty when none is stored, ``UNREADABLE`` when
    the configured keys cannot read it (the row is still exported: its figures are whole)."""
    if not token:
        return ""
    try:
        return then(decrypt(token))
    except ValueError:
        return UNREADABLE


def _time(moment: datetime.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite gives stored UTC times back without a zone
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone).isoformat(timespec="seconds")
