"""Volunteers' records after registration: joining, placing, activities, sign-up,
attendance and awards, each in the caller's transaction with its totals and audit entry.

The rules are the deployment's records.yaml (``pingan.volunteer_rules``); this module
applies them to stored rows. Totals are never recomputed by scanning: every change that
moves them (an attendance recorded, corrected or removed; an award) adds its difference to
the volunteer's record (locked for the transaction) and to the unit's totals (an atomic
``UPDATE … SET x = x + :d``), so they are right after a correction and read in one row.
``tests/form_service/office/test_volunteer_records.py`` compares them with a recount.

Sign-up (认领) claims a place with one conditional ``UPDATE activities SET places_taken =
places_taken + 1 WHERE places_taken < places AND …``: PostgreSQL re-checks the condition
after waiting for the row lock of a concurrent claim, SQLite's ``BEGIN IMMEDIATE``
serialises writers, and a CHECK constraint (``places_taken <= places``) backs both, so the
places are never overbooked.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.points import attendance_points, award_points, hours_text
from pingan.stars import BY_AWARD, award_refusal, star_rating
from pingan.volunteer_rules import RecordRules

from .context import answer_to, current_deployment
from .db import Database
from .models import Application, utcnow
from .office.audit import record as audit
from .office_models import User
from .volunteer_models import (
    ACTIVITY,
    KINDS,
    OPEN_TO,
    TRAINING,
    Activity,
    Attendance,
    PointAward,
    SignUp,
    StarAward,
    UnitTotals,
    VolunteerRecord,
)

MAX_TITLE = 100
MAX_TEXT = 2000
MAX_PLACES = 10000
#: Longest attendance an office may record for one activity (a day and a night).
MAX_MINUTES = 24 * 60


class Refused(Exception):
    """Nothing was changed; ``message`` says why in words for the person who asked."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def record_rules() -> RecordRules | None:
    return current_deployment().records


def default_role(rules: RecordRules | None) -> str:
    return rules.default_role if rules else "member"


# --- records --------------------------------------------------------------------------------


def _skills_of(application: Application) -> list[str]:
    """The skills the record starts with: the answer to the form's field of a skills kind
    (``pingan.fields.skill_field``), if the form asks one and it was answered."""
    answer = answer_to(application, "skill_field")
    skill = answer.strip() if isinstance(answer, str) else ""
    return [skill] if skill else []


def join_record(session: Session, application: Application) -> VolunteerRecord:
    """The record of the newly registered *application*'s person: created, or joined.

    A later round's registration joins the record of the first (its number, unit, role and
    totals stay). Two registrations of one person at once meet the UNIQUE (deployment,
    id_hmac) constraint: the loser's transaction fails and is retried by the caller, and
    then joins.
    """
    record = session.scalar(
        select(VolunteerRecord)
        .where(
            VolunteerRecord.deployment == application.deployment,
            VolunteerRecord.id_hmac == application.id_hmac,
        )
        .with_for_update()
    )
    if record is not None:
        return record
    record = VolunteerRecord(
        deployment=application.deployment,
        id_hmac=application.id_hmac,
        volunteer_number=application.volunteer_number,
        name=application.name,
        id_last4=application.id_last4,
        unit=application.unit,
        role=None,
        skills=_skills_of(application),
        first_application_id=application.id,
    )
    session.add(record)
    session.flush()
    _add_to_unit(session, record.deployment, record.unit, volunteers=1)
    return record


def find_record(session: Session, deployment: str, key: str) -> VolunteerRecord | None:
    """The record of a volunteer number, or of the person of an application reference."""
    from .applications import normalise_reference

    key = (key or "").strip()
    record = session.scalar(
        select(VolunteerRecord).where(
            VolunteerRecord.deployment == deployment, VolunteerRecord.volunteer_number == key
        )
    )
    if record is not None:
        return record
    # A later registration's own number, or a reference: through the person's ID hash.
    id_hmac = session.scalar(
        select(Application.id_hmac).where(
            Application.deployment == deployment,
            (Application.volunteer_number == key)
            | (Application.reference == normalise_reference(key)),
        )
    )
    if id_hmac is None:
        return None
    return session.scalar(
        select(VolunteerRecord).where(
            VolunteerRecord.deployment == deployment, VolunteerRecord.id_hmac == id_hmac
        )
    )


def place(
    session: Session, user: User, scope: frozenset[str], record_id: int, unit: str
) -> VolunteerRecord:
    """Place or move a volunteer (挂靠, 编入队伍) to *unit*: both in the office's scope."""
    record = _record_in_scope(session, scope, record_id)
    if unit not in scope:
        raise Refused("只能把志愿者编入本单位或下级单位", 404)
    if unit == record.unit:
        return record
    before = record.unit
    record.unit = unit
    _add_to_unit(session, record.deployment, before, volunteers=-1)
    _add_to_unit(session, record.deployment, unit, volunteers=1)
    audit(session, "volunteer_place", user=user, unit=unit, record=record.id, before=before)
    return record


def set_role(
    session: Session, user: User, scope: frozenset[str], record_id: int, role: str
) -> VolunteerRecord:
    """Give a volunteer a role of the scheme (骨干…), audited."""
    rules = record_rules()
    if rules is None or role not in rules.roles:
        raise Refused("本方案没有这个角色", 422)
    record = _record_in_scope(session, scope, record_id)
    before = record.role or default_role(rules)
    record.role = role
    audit(
        session,
        "volunteer_role",
        user=user,
        unit=record.unit,
        record=record.id,
        before=before,
        after=role,
    )
    return record


# --- activities -----------------------------------------------------------------------------


@dataclass
class ActivityInput:
    """What an office types to publish an activity (times in UTC)."""

    unit: str
    title: str
    service_type: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    places: int
    content: str = ""
    requirements: str = ""
    open_to: str = "unit"
    kind: str = ACTIVITY
    minutes: int | None = None
    #: Made up for a demonstration (the deployment's ``example_activity``).
    example: bool = False


def activity_problems(data: ActivityInput, rules: RecordRules | None) -> dict[str, str]:
    """Field → Chinese message for everything wrong with *data* (empty: it may be stored)."""
    problems: dict[str, str] = {}
    for name, limit in (("title", MAX_TITLE), ("place", 200)):
        value = _clean(getattr(data, name))
        if not value:
            problems[name] = "请填写" + {"title": "活动名称", "place": "活动地点"}[name]
        elif len(value) > limit:
            problems[name] = f"最多 {limit} 个字"
    for name in ("content", "requirements"):
        if len(_clean(getattr(data, name))) > MAX_TEXT:
            problems[name] = f"最多 {MAX_TEXT} 个字"
    if rules is None:
        problems["service_type"] = "本方案没有志愿者档案规则（records.yaml），不能发布活动"
    elif data.service_type not in rules.service_types:
        problems["service_type"] = "请选择本方案的服务类型"
    if data.kind not in KINDS:
        problems["kind"] = "请选择活动或培训"
    if data.open_to not in OPEN_TO:
        problems["open_to"] = "请选择报名范围"
    if data.ends_at <= data.starts_at:
        problems["ends_at"] = "结束时间须晚于开始时间"
    if not 1 <= data.places <= MAX_PLACES:
        problems["places"] = f"名额须在 1 至 {MAX_PLACES} 之间"
    if data.minutes is not None and not 0 < data.minutes <= MAX_MINUTES:
        problems["minutes"] = "服务时长须大于 0 且不超过 24 小时"
    return problems


def publish_activity(
    session: Session,
    user: User | None,
    scope: frozenset[str],
    data: ActivityInput,
    publish: bool = True,
    actor: str | None = None,
) -> Activity:
    """Store (and by default publish) an activity of a unit in the office's scope.

    *user* is None when a command publishes it (the demo's example): *actor* names it.
    """
    if data.unit not in scope:
        raise Refused("只能为本单位或下级单位发布活动", 404)
    problems = activity_problems(data, record_rules())
    if problems:
        raise Refused("；".join(problems.values()), 422)
    minutes = data.minutes
    if minutes is None:
        minutes = min(int((data.ends_at - data.starts_at).total_seconds() // 60), MAX_MINUTES)
    now = utcnow()
    activity = Activity(
        deployment=current_deployment().id,
        unit=data.unit,
        kind=data.kind,
        title=_clean(data.title),
        content=_clean(data.content),
        service_type=data.service_type,
        place=_clean(data.place),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        minutes=minutes,
        places=data.places,
        places_taken=0,
        requirements=_clean(data.requirements),
        open_to=data.open_to,
        state="published" if publish else "draft",
        example=data.example,
        created_by=user.id if user is not None else None,
        published_at=now if publish else None,
    )
    session.add(activity)
    session.flush()
    _add_to_unit(session, activity.deployment, activity.unit)
    audit(
        session,
        "activity_publish",
        user=user,
        actor=actor,
        unit=data.unit,
        activity=activity.id,
        title=activity.title,
    )
    return activity


# --- sign-up --------------------------------------------------------------------------------


def sign_up_refusal(activity: Activity | None, record: VolunteerRecord) -> str | None:
    """Why *record*'s volunteer may not sign up for *activity* (None: they may)."""
    if (
        activity is None
        or activity.state != "published"
        or activity.deployment != record.deployment
    ):
        return "没有找到这个活动"
    if activity.open_to == "unit":
        tree = current_deployment().tree
        units = (
            {unit.id for unit in tree.descendants(activity.unit)}
            if activity.unit in tree
            else set()
        )
        if record.unit not in units:
            return "这个活动只接受本单位志愿者报名"
    return None


def claim_place(
    db: Database, activity_id: int, record_id: int, now: datetime.datetime | None = None
) -> SignUp:
    """Sign a volunteer up for a place (认领), in its own transaction; Refused when full."""
    now = now or utcnow()
    try:
        with db.write() as session:
            activity = session.get(Activity, activity_id)
            record = session.get(VolunteerRecord, record_id)
            if record is None:
                raise Refused("没有找到这名志愿者", 404)
            refusal = sign_up_refusal(activity, record)
            if refusal:
                raise Refused(refusal, 404 if refusal == "没有找到这个活动" else 403)
            existing = session.scalar(
                select(SignUp).where(
                    SignUp.activity_id == activity_id, SignUp.record_id == record_id
                )
            )
            if existing is not None and existing.state == "active":
                raise Refused("您已报名这个活动")
            taken = session.execute(
                update(Activity)
                .where(
                    Activity.id == activity_id,
                    Activity.state == "published",
                    Activity.places_taken < Activity.places,
                    Activity.starts_at > now,
                )
                .values(places_taken=Activity.places_taken + 1)
                .returning(Activity.places_taken)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
            if taken is None:
                started = _aware(activity.starts_at) <= now
                raise Refused("活动已开始，不能再报名" if started else "名额已满")
            if existing is not None:
                existing.state, existing.cancelled_at, existing.created_at = "active", None, now
                signup = existing
            else:
                signup = SignUp(activity_id=activity_id, record_id=record_id, created_at=now)
                session.add(signup)
            session.flush()
    except IntegrityError:
        # The same volunteer's other sign-up committed first (UNIQUE activity, volunteer).
        raise Refused("您已报名这个活动") from None
    return signup


def cancel_sign_up(
    db: Database, activity_id: int, record_id: int, now: datetime.datetime | None = None
) -> None:
    """Cancel a sign-up before the activity starts; the place is free again."""
    now = now or utcnow()
    with db.write() as session:
        signup = session.scalar(
            select(SignUp)
            .where(
                SignUp.activity_id == activity_id,
                SignUp.record_id == record_id,
                SignUp.state == "active",
            )
            .with_for_update()
        )
        if signup is None:
            raise Refused("您没有报名这个活动", 404)
        freed = session.execute(
            update(Activity)
            .where(Activity.id == activity_id, Activity.starts_at > now, Activity.places_taken > 0)
            .values(places_taken=Activity.places_taken - 1)
            .returning(Activity.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if freed is None:
            raise Refused("活动已开始，不能再取消报名")
        signup.state, signup.cancelled_at = "cancelled", now


# --- attendance and awards --------------------------------------------------------------------


def record_attendance(
    session: Session,
    user: User,
    scope: frozenset[str],
    activity_id: int,
    entries: Mapping[int, int | None],
) -> dict[str, int]:
    """Record, correct or remove (None) attendance: record id → minutes. All or nothing.

    A volunteer may be recorded when they signed up for the activity or serve in the
    office's scope. Each change moves the record's and the unit's totals by its difference
    and is audited; a correction's audit entry holds the minutes and points before and after.
    """
    rules = record_rules()
    activity = session.scalar(select(Activity).where(Activity.id == activity_id).with_for_update())
    if (
        activity is None
        or activity.unit not in scope
        or activity.deployment != current_deployment().id
    ):
        raise Refused("没有找到这个活动", 404)
    if rules is None:
        raise Refused("本方案没有志愿者档案规则（records.yaml），不能记录服务时长", 422)
    if _aware(activity.starts_at) > utcnow():
        raise Refused("活动开始后才能登记到场和服务时长")
    ids = sorted(entries)
    records = {
        r.id: r
        for r in session.scalars(
            select(VolunteerRecord)
            .where(VolunteerRecord.id.in_(ids))
            .order_by(VolunteerRecord.id)
            .with_for_update()
        )
    }
    signed = set(
        session.scalars(
            select(SignUp.record_id).where(
                SignUp.activity_id == activity_id,
                SignUp.record_id.in_(ids),
                SignUp.state == "active",
            )
        )
    )
    existing = {
        a.record_id: a
        for a in session.scalars(
            select(Attendance).where(
                Attendance.activity_id == activity_id, Attendance.record_id.in_(ids)
            )
        )
    }
    for record_id in ids:
        record = records.get(record_id)
        minutes = entries[record_id]
        if (
            record is None
            or record.deployment != activity.deployment
            or (record.unit not in scope and record_id not in signed and record_id not in existing)
        ):
            raise Refused("所选志愿者中有不存在或不在本单位管辖范围内的", 404)
        if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
            raise Refused(f"{record.name}：服务时长须在 0 至 24 小时之间", 422)
    counts = {"recorded": 0, "corrected": 0, "removed": 0, "unchanged": 0}
    for record_id in ids:
        record, minutes, before = records[record_id], entries[record_id], existing.get(record_id)
        if minutes is None and before is None:
            counts["unchanged"] += 1
            continue
        points = (
            attendance_points(rules.points, activity.service_type, minutes)
            if minutes is not None and activity.kind == ACTIVITY
            else 0
        )
        if (
            before is not None
            and minutes is not None
            and (before.minutes, before.points) == (minutes, points)
        ):
            counts["unchanged"] += 1
            continue
        old_minutes, old_points = (before.minutes, before.points) if before else (0, 0)
        new_minutes = minutes or 0
        present = (before is None) - (minutes is None)  # +1 new, -1 removed, 0 corrected
        _add_to_record(
            rules, record, activity.kind, new_minutes - old_minutes, points - old_points, present
        )
        _add_to_unit(
            session,
            activity.deployment,
            activity.unit,
            minutes=_service(activity, new_minutes - old_minutes),
            points=points - old_points,
            attendances=present,
        )
        if before is None:
            session.add(
                Attendance(
                    deployment=activity.deployment,
                    activity_id=activity.id,
                    record_id=record.id,
                    unit=activity.unit,
                    kind=activity.kind,
                    service_type=activity.service_type,
                    minutes=new_minutes,
                    points=points,
                    recorded_by=user.id,
                )
            )
            action = "recorded"
        elif minutes is None:
            session.delete(before)
            action = "removed"
        else:
            before.minutes, before.points, before.recorded_by = new_minutes, points, user.id
            action = "corrected"
        counts[action] += 1
        audit(
            session,
            {
                "recorded": "attendance_record",
                "corrected": "attendance_correct",
                "removed": "attendance_remove",
            }[action],
            user=user,
            unit=activity.unit,
            activity=activity.id,
            record=record.id,
            hours_before=hours_text(old_minutes) if before else None,
            hours_after=hours_text(new_minutes) if minutes is not None else None,
            points_before=old_points if before else None,
            points_after=points if minutes is not None else None,
        )
    return counts


def award_event_points(
    session: Session, user: User, scope: frozenset[str], record_id: int, award: str, reason: str
) -> PointAward:
    """Fixed points for a named event (一案一奖, an honour) to a volunteer in scope."""
    rules = record_rules()
    if rules is None or award not in rules.points.awards:
        raise Refused("本方案没有这项奖励", 422)
    record = _record_in_scope(session, scope, record_id)
    points = award_points(rules.points, award)
    row = PointAward(
        record_id=record.id,
        award=award,
        points=points,
        reason=_clean(reason) or None,
        unit=user.unit,
        awarded_by=user.id,
    )
    session.add(row)
    _add_to_record(rules, record, ACTIVITY, 0, points, 0)
    _add_to_unit(session, record.deployment, record.unit, points=points)
    audit(
        session,
        "points_award",
        user=user,
        unit=record.unit,
        record=record.id,
        award=award,
        points=points,
        reason=row.reason,
    )
    return row


def award_stars(
    session: Session, user: User, scope: frozenset[str], record_id: int, stars: int, reason: str
) -> StarAward:
    """An office's star rating (county alliance: by performance), with who, when and why."""
    rules = record_rules()
    if rules is None:
        raise Refused("本方案没有星级规则", 422)
    refusal = award_refusal(rules.stars, stars, reason)
    if refusal:
        raise Refused(refusal, 422)
    record = _record_in_scope(session, scope, record_id)
    row = StarAward(
        record_id=record.id,
        stars=stars,
        reason=_clean(reason),
        unit=user.unit,
        awarded_by=user.id,
        evidence={"hours": hours_text(record.minutes), "points": record.points},
    )
    session.add(row)
    record.stars, record.star_source = star_rating(rules.stars, record.minutes, stars)
    audit(
        session,
        "stars_award",
        user=user,
        unit=record.unit,
        record=record.id,
        stars=stars,
        reason=row.reason,
    )
    return row


# --- totals ---------------------------------------------------------------------------------


def _add_to_record(
    rules: RecordRules, record: VolunteerRecord, kind: str, minutes: int, points: int, count: int
) -> None:
    """Move a locked record's totals by a difference; an hours rule re-rates its star."""
    if kind == TRAINING:
        record.trainings += count
    else:
        record.activities += count
        record.minutes += minutes
    record.points += points
    if rules.stars.by != BY_AWARD:
        record.stars, record.star_source = star_rating(rules.stars, record.minutes, None)


def _service(activity: Activity, minutes: int) -> int:
    """Minutes that count as service: a training's attendance counts as a training only."""
    return minutes if activity.kind == ACTIVITY else 0


def _add_to_unit(session: Session, deployment: str, unit: str, **deltas: int) -> None:
    """Add *deltas* to a unit's totals row (created at zero the first time), atomically."""
    table = UnitTotals.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(table)
        .values(deployment=deployment, unit=unit, volunteers=0, minutes=0, points=0, attendances=0)
        .on_conflict_do_nothing(index_elements=["deployment", "unit"])
    )
    changes = {name: table.c[name] + delta for name, delta in deltas.items() if delta}
    if changes:
        session.execute(
            update(table)
            .where(table.c.deployment == deployment, table.c.unit == unit)
            .values(**changes)
        )


def _record_in_scope(session: Session, scope: frozenset[str], record_id: int) -> VolunteerRecord:
    record = session.scalar(
        select(VolunteerRecord)
        .where(
            VolunteerRecord.id == record_id,
            VolunteerRecord.deployment == current_deployment().id,
            VolunteerRecord.unit.in_(scope),
        )
        .with_for_update()
    )
    if record is None:
        raise Refused("没有找到这名志愿者，或其不在本单位管辖范围内", 404)
    return record


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
