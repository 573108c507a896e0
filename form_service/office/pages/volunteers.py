"""Registered volunteers' records (志愿者档案) of the office's scope: list, read, place in a
unit (挂靠, 编入队伍), set the role (骨干…), award points for a named event (一案一奖) and,
where the scheme rates so, award the star rating (who, when, why). Every change is
``form_service/volunteers.py``'s, audited there; a record outside the scope is not found.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from pingan.points import hours_text
from pingan.stars import BY_AWARD

from ...context import current_deployment
from ...db import get_db, read_session
from ...office_models import User
from ...service_certificates import local_today
from ...volunteer_history import recent_attendance, recent_certificates
from ...volunteer_models import PointAward, StarAward, VolunteerRecord
from ...volunteers import (
    Refused,
    award_event_points,
    award_stars,
    default_role,
    place,
    record_rules,
    set_role,
)
from ..audit import record_now
from ..auth import login_required
from .common import row_in_scope

bp = Blueprint("volunteers", __name__)

PAGE_SIZE = 100
HISTORY = 50


@bp.get("/volunteers", endpoint="index")
@login_required
def index():
    """The scope's records, by volunteer number; ``q`` finds one number."""
    query = select(VolunteerRecord).where(
        VolunteerRecord.deployment == current_deployment().id,
        VolunteerRecord.unit.in_(g.office_scope),
    )
    wanted = request.args.get("q", "").strip()[:40]
    if wanted:
        query = query.where(VolunteerRecord.volunteer_number == wanted)
    records = (
        read_session()
        .scalars(query.order_by(VolunteerRecord.volunteer_number).limit(PAGE_SIZE))
        .all()
    )
    rules = record_rules()
    return render_template(
        "office/volunteers.html",
        records=records,
        wanted=wanted,
        hours=hours_text,
        role_name=lambda role: _role_name(rules, role),
    )


@bp.get("/volunteers/<int:record_id>", endpoint="show")
@login_required
def show(record_id: int):
    record = _in_scope(record_id)
    record_now("volunteer_view", unit=record.unit, record=record.id)
    session = read_session()
    # Who awarded each rating: the office and its account (the audit log holds the same).
    stars = session.execute(
        select(StarAward, User.display_name)
        .outerjoin(User, User.id == StarAward.awarded_by)
        .where(StarAward.record_id == record.id)
        .order_by(StarAward.id.desc())
    ).all()
    points = session.scalars(
        select(PointAward).where(PointAward.record_id == record.id).order_by(PointAward.id.desc())
    ).all()
    rules = record_rules()
    tree = current_deployment().tree
    return render_template(
        "office/volunteer.html",
        record=record,
        hours=hours_text(record.minutes),
        role=_role_name(rules, record.role),
        rules=rules,
        awarded=rules is not None and rules.stars.by == BY_AWARD,
        units=[unit for unit, _ in tree.walk() if unit.id in g.office_scope],
        attended=recent_attendance(session, record.id, HISTORY),
        star_awards=stars,
        point_awards=points,
        certificates=recent_certificates(session, record.id, HISTORY),
        certificate_hours=hours_text,
        today=local_today(current_app.config["TIMEZONE"]),
    )


@bp.post("/volunteers/<int:record_id>/place", endpoint="place")
@login_required
def place_volunteer(record_id: int):
    return _change(record_id, "place")


@bp.post("/volunteers/<int:record_id>/role", endpoint="role")
@login_required
def role(record_id: int):
    return _change(record_id, "role")


@bp.post("/volunteers/<int:record_id>/points", endpoint="points")
@login_required
def points(record_id: int):
    return _change(record_id, "points")


@bp.post("/volunteers/<int:record_id>/stars", endpoint="stars")
@login_required
def stars(record_id: int):
    return _change(record_id, "stars")


def _change(record_id: int, change: str):
    """Place, role, an award of points or of stars: one form each, one audited write."""
    _in_scope(record_id)
    form = request.form
    try:
        with get_db().write() as session:
            args = (session, g.office_user, g.office_scope, record_id)
            if change == "place":
                place(*args, form.get("unit", ""))
                message = "已调整所在单位。"
            elif change == "role":
                set_role(*args, form.get("role", ""))
                message = "已设置角色。"
            elif change == "points":
                award = award_event_points(*args, form.get("award", ""), form.get("reason", ""))
                message = f"已奖励 {award.points} 分。"
            else:
                rating = form.get("stars", "")
                if not rating.isdigit() or len(rating) > 1:
                    raise Refused("请选择星级", 422)
                award_stars(*args, int(rating), form.get("reason", ""))
                message = f"已评定为 {rating} 星。"
    except Refused as refused:
        if refused.status == 404:
            abort(404)
        flash(refused.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("office.volunteers.show", record_id=record_id), 303)


def _in_scope(record_id: int) -> VolunteerRecord:
    return row_in_scope(VolunteerRecord, record_id)


def _role_name(rules, role: str | None) -> str:
    role = role or default_role(rules)
    return rules.roles.get(role, role) if rules else role
