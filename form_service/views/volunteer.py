"""``/volunteer``: a registered volunteer looks up their record and signs up for activities.

No account: the volunteer number (or an application's reference) and the last four
characters of the ID number prove who asks, as on the status page, sent by POST so that
neither appears in access logs. A sequential number plus four characters is a weak
secret, so three things hold it back: a rate limit per client address, one per volunteer
number (from any address), and a lock of the number after ``VOLUNTEER_LOCK_FAILURES``
wrong tries in a row (``VOLUNTEER_LOCK_MINUTES``, answered 429 with ``Retry-After``),
for the look-up and for sign-up alike. An unknown number and a wrong pair get the same
answer.

Until the static site lists activities (a rebuild), ``/volunteer/activities`` and each
activity's page here are where volunteers sign up (认领) and cancel before the start.
"""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request, url_for
from sqlalchemy import select, update

from pingan.points import hours_text
from pingan.stars import BY_AWARD, BY_HOURS, next_threshold

from ..context import current_deployment
from ..db import get_db, read_session
from ..extensions import limiter
from ..forms import CsrfForm
from ..models import utcnow
from ..service_certificates import grouped
from ..volunteer_history import recent_attendance, recent_certificates
from ..volunteer_models import (
    KINDS,
    OPEN_TO,
    Activity,
    SignUp,
    StarAward,
    VolunteerRecord,
)
from ..volunteers import (
    Refused,
    cancel_sign_up,
    claim_place,
    default_role,
    find_record,
    record_rules,
)

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")

NOT_FOUND = "没有找到相符的志愿者档案：请核对志愿者编号（或报名编号）和身份证号码后四位"
MISSING = "请填写志愿者编号（或报名编号）和身份证号码后四位"
LOCKED = "这个志愿者编号的查询错误次数过多，已暂时锁定，请 {minutes} 分钟后再试"
RECENT = 20


class Locked(Exception):
    def __init__(self, seconds: int):
        self.seconds = max(seconds, 1)


def _address_limit() -> str:
    return current_app.config["VOLUNTEER_RATE_LIMIT"]


def _number_limit() -> str:
    return current_app.config["VOLUNTEER_NUMBER_RATE_LIMIT"]


def _number_key() -> str:
    """The per-number limit counts tries of one number from every address."""
    number = "".join((request.form.get("number") or "").split()).upper()[:40]
    return f"volunteer-number:{number}"


def limited(view):
    """The limits per client address and per volunteer number, each one budget shared by
    the look-up, sign-up and cancel: a guesser gains no tries by alternating the forms."""
    view = limiter.shared_limit(
        _number_limit, "volunteer-number", key_func=_number_key, methods=["POST"]
    )(view)
    return limiter.shared_limit(_address_limit, "volunteer-address", methods=["POST"])(view)


# --- the record -------------------------------------------------------------------------


@bp.get("")
def lookup():
    return render_template("volunteer.html", csrf_form=CsrfForm(), record=None, error=None)


@bp.post("")
@limited
def record_page():
    outcome = _proven()
    if isinstance(outcome, Refusal):
        return _lookup_page(outcome)
    return _record_page(outcome)


@dataclass
class Refusal:
    """Why a look-up or sign-up was refused: the same words for unknown and wrong."""

    message: str
    status: int
    retry_after: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def _proven() -> int | Refusal:
    """The id of the record the form's number and last four characters prove."""
    number = request.form.get("number", "").strip()
    last4 = request.form.get("last4", "")
    if not (number and last4):
        return Refusal(MISSING, 422)
    try:
        record_id = prove(number, last4)
    except Locked as locked:
        return Refusal(LOCKED.format(minutes=-(-locked.seconds // 60)), 429, locked.seconds)
    return Refusal(NOT_FOUND, 404) if record_id is None else record_id


def prove(key: str, last4: str) -> int | None:
    """The id of the record of *key* whose ID number ends in *last4*; counts failures.

    Raises Locked while the number is locked. The check reads; only a wrong pair writes
    (one atomic ``failed_lookups + 1``, kept though the answer is a refusal), and enough
    in a row lock the number; a right pair clears a count left by earlier mistakes.
    """
    config = current_app.config
    now = utcnow()
    with get_db().sessions() as session:
        record = find_record(session, current_deployment().id, key)
        if record is None:
            return None
        record_id, stored, failed, locked_until = (
            record.id,
            record.id_last4,
            record.failed_lookups,
            record.lookup_locked_until,
        )
    if locked_until is not None and _aware(locked_until) > now:
        raise Locked(int((_aware(locked_until) - now).total_seconds()))
    given = "".join((last4 or "").split()).upper()[-4:] or "-"
    table = VolunteerRecord.__table__
    if hmac.compare_digest(stored, given):
        if failed or locked_until is not None:
            with get_db().write() as session:
                session.execute(
                    update(table)
                    .where(table.c.id == record_id)
                    .values(failed_lookups=0, lookup_locked_until=None)
                )
        return record_id
    with get_db().write() as session:
        count = session.execute(
            update(table)
            .where(table.c.id == record_id)
            .values(failed_lookups=table.c.failed_lookups + 1)
            .returning(table.c.failed_lookups)
        ).scalar_one()
        if count >= config["VOLUNTEER_LOCK_FAILURES"]:
            minutes = config["VOLUNTEER_LOCK_MINUTES"]
            session.execute(
                update(table)
                .where(table.c.id == record_id)
                .values(
                    failed_lookups=0,
                    lookup_locked_until=now + datetime.timedelta(minutes=minutes),
                )
            )
    return None


def _lookup_page(refusal: Refusal):
    page = render_template(
        "volunteer.html",
        csrf_form=CsrfForm(),
        record=None,
        error=refusal.message,
        number=request.form.get("number", "").strip()[:40],
    )
    return page, refusal.status, refusal.headers


def _record_page(
    record_id: int, notice: str | None = None, problem: str | None = None, status: int = 200
):
    session = read_session()
    record = session.get(VolunteerRecord, record_id)
    rules = record_rules()
    tree = current_deployment().tree
    signed = (
        session.execute(
            select(Activity)
            .join(SignUp, SignUp.activity_id == Activity.id)
            .where(
                SignUp.record_id == record.id,
                SignUp.state == "active",
                Activity.starts_at > utcnow(),
            )
            .order_by(Activity.starts_at)
        )
        .scalars()
        .all()
    )
    award = None
    if record.star_source == BY_AWARD:
        award = session.scalar(
            select(StarAward)
            .where(StarAward.record_id == record.id)
            .order_by(StarAward.id.desc())
            .limit(1)
        )
    role = record.role or default_role(rules)
    upcoming = None
    if rules is not None and rules.stars.by == BY_HOURS:
        upcoming = next_threshold(rules.stars, record.minutes)
    return (
        render_template(
            "volunteer.html",
            csrf_form=CsrfForm(),
            error=None,
            notice=notice,
            problem=problem,
            record={
                "name": masked_name(record.name),
                "number": record.volunteer_number,
                "unit": tree[record.unit].name if record.unit in tree else record.unit,
                "role": rules.roles.get(role, role) if rules else role,
                "hours": hours_text(record.minutes),
                "points": record.points,
                "activities": record.activities,
                "trainings": record.trainings,
                "stars": record.stars,
                "star_source": record.star_source,
                "award": award
                and {
                    "unit": tree[award.unit].name if award.unit in tree else award.unit,
                    "at": award.awarded_at,
                    "reason": award.reason,
                },
                "next_hours": upcoming,
                "points_example": bool(rules and rules.points.example),
                "points_text": rules.points.text if rules else "",
                "stars_example": bool(rules and rules.stars.example),
                "stars_text": rules.stars.text if rules else "",
                "attended": recent_attendance(session, record.id, RECENT),
                "signed": signed,
                "certificates": [
                    {
                        "issuer": tree[c.unit].name if c.unit in tree else c.unit,
                        "issued_at": c.issued_at,
                        "hours": hours_text(c.minutes),
                        "activities": c.activities,
                        "code": grouped(c.code),
                    }
                    for c in recent_certificates(session, record.id, RECENT)
                ],
            },
            proof={
                "number": request.form.get("number", ""),
                "last4": request.form.get("last4", ""),
            },
        ),
        status,
    )


def masked_name(name: str) -> str:
    """张*、张*明: enough for the volunteer to know it is theirs, little for anyone else."""
    if len(name) <= 2:
        return name[:1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- activities -----------------------------------------------------------------------------


@bp.get("/activities")
def activities():
    """Published activities still to come, with the places left."""
    rows = (
        read_session()
        .scalars(
            select(Activity)
            .where(
                Activity.deployment == current_deployment().id,
                Activity.state == "published",
                Activity.starts_at > utcnow(),
            )
            .order_by(Activity.starts_at)
            .limit(200)
        )
        .all()
    )
    return render_template(
        "volunteer_activities.html", activities=rows, kinds=KINDS, open_to=OPEN_TO
    )


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    return _activity_page(_published(activity_id))


@bp.post("/activities/<int:activity_id>/signup")
@limited
def sign_up(activity_id: int):
    return _change_place(activity_id, claim_place, "您已报名“{title}”。")


@bp.post("/activities/<int:activity_id>/cancel")
@limited
def cancel(activity_id: int):
    # The cancel button stands on the record page, so a refusal is told there.
    return _change_place(activity_id, cancel_sign_up, "您已取消报名“{title}”。", on_record=True)


def _change_place(activity_id: int, change, done: str, on_record: bool = False):
    """Sign-up or cancel: prove the pair, make the change, show the outcome."""
    activity = _published(activity_id)
    outcome = _proven()
    if isinstance(outcome, Refusal):
        return _activity_page(activity, outcome.message, outcome.status, outcome.headers)
    try:
        change(get_db(), activity.id, outcome)
    except Refused as refused:
        if on_record:
            return _record_page(outcome, problem=refused.message, status=refused.status)
        return _activity_page(activity, problem=refused.message, status=refused.status)
    return _record_page(outcome, notice=done.format(title=activity.title))


def _published(activity_id: int) -> Activity:
    activity = read_session().get(Activity, activity_id)
    if (
        activity is None
        or activity.state != "published"
        or activity.deployment != current_deployment().id
    ):
        abort(404)
    return activity


def _activity_page(activity: Activity, problem: str | None = None, status: int = 200, headers=None):
    tree = current_deployment().tree
    rules = record_rules()
    started = _aware(activity.starts_at) <= utcnow()
    return (
        render_template(
            "volunteer_activity.html",
            csrf_form=CsrfForm(),
            activity=activity,
            unit=tree[activity.unit].name if activity.unit in tree else activity.unit,
            service_type=rules.service_types.get(activity.service_type, activity.service_type)
            if rules
            else activity.service_type,
            kind=KINDS[activity.kind],
            open_to=OPEN_TO[activity.open_to],
            hours=hours_text(activity.minutes),
            started=started,
            problem=problem,
            number=request.form.get("number", "")[:40],
            record_url=url_for("volunteer.lookup"),
        ),
        status,
        headers or {},
    )


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
