"""An office's activities: publish one for a unit in its scope, list them, and record
attendance in bulk afterwards (tick who came; hours pre-filled from the activity).

The rules and the totals are ``form_service/volunteers.py``; these routes turn forms into
its calls. Times are typed in the service's time zone and stored in UTC.
"""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

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

from pingan.points import hours_text, minutes_from_hours

from ...context import current_deployment, today
from ...db import get_db, read_session
from ...site_rebuild import queue_site_rebuild
from ...volunteer_models import KINDS, OPEN_TO, Activity, Attendance, SignUp, VolunteerRecord
from ...volunteer_reports import minimum_report, training_report
from ...volunteers import (
    ActivityInput,
    Refused,
    activity_problems,
    find_record,
    publish_activity,
    record_attendance,
    record_rules,
)
from ..auth import login_required
from .common import row_in_scope

bp = Blueprint("activities", __name__)

PAGE_SIZE = 100
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_HOURS = re.compile(r"^\d{1,2}(\.\d)?$")


@bp.get("/activities", endpoint="index")
@login_required
def index():
    """The scope's activities, newest start first."""
    rows = (
        read_session()
        .scalars(
            select(Activity)
            .where(
                Activity.deployment == current_deployment().id,
                Activity.unit.in_(g.office_scope),
            )
            .order_by(Activity.starts_at.desc(), Activity.id.desc())
            .limit(PAGE_SIZE)
        )
        .all()
    )
    return render_template("office/activities.html", activities=rows, kinds=KINDS)


@bp.get("/activities/minimums", endpoint="minimums")
@login_required
def minimums():
    """Activities held per unit of the scope against its level's minimum; units behind first."""
    try:
        day = datetime.date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = today()
    rows = minimum_report(
        read_session(), current_deployment(), g.office_scope, day, current_app.config["TIMEZONE"]
    )
    return render_template(
        "office/activity_minimums.html",
        rows=sorted(rows, key=lambda row: not row.behind),
        behind=sum(row.behind for row in rows),
        day=day,
        levels={level["id"]: level["name"] for level in current_deployment().settings["levels"]},
    )


@bp.get("/units/<unit>/training", endpoint="training")
@login_required
def training(unit: str):
    """The unit's volunteers against the scheme's training rule for a year (county: core
    members offered 4 sessions a year, others 1–2, each attending at least 1)."""
    if unit not in g.office_scope:
        abort(404)
    year_text = request.args.get("year", "")
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else today().year
    rules = record_rules()
    rows = training_report(
        read_session(), current_deployment(), unit, year, current_app.config["TIMEZONE"]
    )
    return render_template(
        "office/training.html",
        unit=current_deployment().tree[unit],
        year=year,
        rule=rules.training if rules else None,
        roles=rules.roles if rules else {},
        rows=rows,
        short=sum(bool(row.shortfalls) for row in rows),
    )


@bp.route("/activities/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new():
    rules = record_rules()
    form = request.form if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, errors = _activity_input(form)
        if data is not None:
            errors = activity_problems(data, rules)
        if data is not None and not errors:
            try:
                with get_db().write() as session:
                    activity = publish_activity(session, g.office_user, g.office_scope, data)
            except Refused as refused:
                if refused.status == 404:
                    abort(404)
                errors["form"] = refused.message
            else:
                queue_site_rebuild()  # on the site's lists at once, not at the next schedule
                flash(f"已发布活动“{activity.title}”。", "success")
                return redirect(url_for("office.activities.show", activity_id=activity.id), 303)
    tree = current_deployment().tree
    units = [tree[unit_id] for unit_id in _scope_in_tree_order()]
    return (
        render_template(
            "office/activity_new.html",
            form=form,
            errors=errors,
            units=units,
            service_types=list(rules.service_types.items()) if rules else [],
            kinds=KINDS,
            open_to=OPEN_TO,
        ),
        422 if errors else 200,
    )


@bp.get("/activities/<int:activity_id>", endpoint="show")
@login_required
def show(activity_id: int):
    activity = _in_scope(activity_id)
    session = read_session()
    signed = session.scalars(
        select(VolunteerRecord)
        .join(SignUp, SignUp.record_id == VolunteerRecord.id)
        .where(SignUp.activity_id == activity.id, SignUp.state == "active")
        .order_by(VolunteerRecord.volunteer_number)
    ).all()
    recorded = {
        row.record_id: row
        for row in session.scalars(select(Attendance).where(Attendance.activity_id == activity.id))
    }
    people = {record.id: record for record in signed}
    missing = set(recorded) - set(people)
    if missing:
        for record in session.scalars(
            select(VolunteerRecord).where(VolunteerRecord.id.in_(missing))
        ):
            people[record.id] = record
    rows = [
        {
            "record": record,
            "came": record.id in recorded,
            "hours": hours_text(
                recorded[record.id].minutes if record.id in recorded else activity.minutes
            ),
            "points": recorded[record.id].points if record.id in recorded else None,
            "signed": any(r.id == record.id for r in signed),
        }
        for record in sorted(people.values(), key=lambda r: r.volunteer_number)
    ]
    rules = record_rules()
    return render_template(
        "office/activity.html",
        activity=activity,
        kind=KINDS[activity.kind],
        service_type=rules.service_types.get(activity.service_type, activity.service_type)
        if rules
        else activity.service_type,
        open_to=OPEN_TO[activity.open_to],
        hours=hours_text(activity.minutes),
        rows=rows,
    )


@bp.post("/activities/<int:activity_id>/attendance", endpoint="attendance")
@login_required
def attendance(activity_id: int):
    """Record, correct or remove attendance for every row of the form, all or nothing."""
    activity = _in_scope(activity_id)
    entries: dict[int, int | None] = {}
    problems = []
    for value in request.form.getlist("listed"):
        if not value.isdigit() or len(value) > 12:
            abort(400)
        record_id = int(value)
        if request.form.get(f"came-{record_id}"):
            hours = request.form.get(f"hours-{record_id}", "").strip()
            if not _HOURS.fullmatch(hours):
                problems.append(f"第 {len(entries) + 1} 行：时长请填写小时数，如 2 或 2.5")
                continue
            entries[record_id] = minutes_from_hours(hours)
        else:
            entries[record_id] = None
    extra = request.form.get("numbers", "")
    if extra.strip():
        session = read_session()
        for number in extra.split():
            record = find_record(session, current_deployment().id, number[:40])
            if record is None:
                problems.append(f"志愿者编号 {number[:40]} 不存在")
            else:
                entries[record.id] = activity.minutes
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(url_for("office.activities.show", activity_id=activity.id), 303)
    try:
        with get_db().write() as session:
            counts = record_attendance(session, g.office_user, g.office_scope, activity.id, entries)
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash(
            f"已登记 {counts['recorded']} 人，更正 {counts['corrected']} 人，"
            f"删除 {counts['removed']} 人，未变 {counts['unchanged']} 人。",
            "success",
        )
    return redirect(url_for("office.activities.show", activity_id=activity.id), 303)


def _in_scope(activity_id: int) -> Activity:
    return row_in_scope(Activity, activity_id)


def _scope_in_tree_order() -> list[str]:
    tree = current_deployment().tree
    return [unit.id for unit, _ in tree.walk() if unit.id in g.office_scope]


def _activity_input(form) -> tuple[ActivityInput | None, dict[str, str]]:
    """The form as an ActivityInput (times to UTC), or the fields it could not read."""
    errors: dict[str, str] = {}
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    try:
        day = datetime.date.fromisoformat(form.get("date", ""))
    except ValueError:
        errors["date"] = "请填写日期，格式 YYYY-MM-DD"
        day = None
    times = {}
    for name, label in (("start", "开始时间"), ("end", "结束时间")):
        match = _TIME.fullmatch(form.get(name, "").strip())
        if match is None:
            errors[name] = f"请填写{label}，格式 HH:MM"
        else:
            times[name] = datetime.time(int(match[1]), int(match[2]))
    places = form.get("places", "").strip()
    if not places.isdigit() or len(places) > 6:
        errors["places"] = "名额请填写整数"
    hours = form.get("hours", "").strip()
    if hours and not _HOURS.fullmatch(hours):
        errors["hours"] = "服务时长请填写小时数，如 2 或 2.5；不填则按起止时间计算"
    unit = form.get("unit", "")
    if unit not in g.office_scope:
        errors["unit"] = "请选择本单位或下级单位"
    if errors:
        return None, errors
    starts = datetime.datetime.combine(day, times["start"], zone).astimezone(datetime.UTC)
    ends = datetime.datetime.combine(day, times["end"], zone).astimezone(datetime.UTC)
    return (
        ActivityInput(
            unit=unit,
            title=form.get("title", ""),
            service_type=form.get("service_type", ""),
            place=form.get("place", ""),
            starts_at=starts,
            ends_at=ends,
            places=int(places),
            content=form.get("content", ""),
            requirements=form.get("requirements", ""),
            open_to=form.get("open_to", "unit"),
            kind=form.get("kind", "activity"),
            minutes=minutes_from_hours(hours) if hours else None,
        ),
        {},
    )
