"""The applications: the filtered list, bulk decisions, one application and its review.

The list's name search never puts the term in a URL, where access logs, browser history
and ``Referer`` headers would keep it (a name, or an ID number typed into the box): the
filter form is POSTed (with its CSRF token) to ``search``, which redirects to the list with
the term sealed in ``q``, a token encrypted with a key derived from ``SECRET_KEY`` that is
read for ``SEARCH_TOKEN_SECONDS`` only. Paging links carry the same kind of token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import time

from cryptography.fernet import Fernet, InvalidToken
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
from werkzeug.datastructures import MultiDict

from pingan.fields import KINDS
from pingan.records import application_record, field_value, format_reference
from pingan.review import rejected_at
from pingan.schemas import application_fields

from ...context import campaign_forms, cipher, current_deployment
from ...db import get_db, read_session
from ...models import Application, StageEvent
from ...office_models import User
from .. import listing
from ..audit import record_now
from ..auth import login_required
from ..review import ReviewRefused, change_stages, reopen
from ..stages import CLOSED_NAMES, histories, workflows
from .common import application_in_scope, categories, safe_next, stage_name

bp = Blueprint("applications", __name__)

#: Seconds between refreshes of SQLite's planner statistics from the office list.
STATISTICS_EVERY = 600
#: Seconds a list URL's search token (``q``) stays readable: an office's working session.
SEARCH_TOKEN_SECONDS = 12 * 3600
#: The filter form's fields, as the list's query string takes them (``name`` goes in ``q``).
FILTER_FIELDS = ("unit", "only", "campaign", "stage", "service_type", "date_from", "date_to")


@bp.get("/")
@login_required
def index():
    return redirect(url_for("office.applications.list"))


@bp.get("/applications", endpoint="list")
@login_required
def list_applications():
    deployment = current_deployment()
    _refresh_statistics_when_due()
    args = MultiDict(request.args)
    args.pop("name", None)  # a term only ever arrives sealed in q (see the module's doc)
    token = args.pop("q", None)
    term = _search_term(token) if token else None
    if term is not None:
        args["name"] = term
    list_filter = listing.ListFilter.from_args(args, g.office_scope, deployment)
    if token and term is None:
        list_filter.errors.append("姓名搜索已过期，请重新输入姓名后点“筛选”")
    if list_filter.errors:
        page = listing.Page(rows=[], total=0, page=1)
        status = 422
    else:
        page = listing.list_page(
            read_session(), list_filter, g.office_scope, deployment, current_app.config["TIMEZONE"]
        )
        status = 200
    return (
        render_template(
            "office/applications.html",
            page=page,
            list_filter=list_filter,
            list_args=functools.partial(_list_args, list_filter),
            unit_path=_unit_path(list_filter.unit or g.office_user.unit),
            stage_choices=_stage_choices(),
            service_choices=_service_choices(),
            campaigns=deployment.campaigns,
            service_labels={
                cid: {s["id"]: s["name"] for s in c.data.get("service_types", [])}
                for cid, c in deployment.campaigns.items()
            },
        ),
        status,
    )


@bp.post("/applications/search", endpoint="search")
@login_required
def search():
    """The filter form, posted: to the list, with any name sealed in a search token."""
    args = {key: request.form.get(key, "") for key in FILTER_FIELDS}
    term = request.form.get("name", "").strip()[:60]
    if term:
        args["q"] = search_token(term)
    return redirect(
        url_for("office.applications.list", **{k: v for k, v in args.items() if v}), 303
    )


def search_token(term: str) -> str:
    """*term* encrypted for a list URL: opaque, and readable for ``SEARCH_TOKEN_SECONDS``."""
    return _search_cipher().encrypt(term.encode("utf-8")).decode("ascii")


def _search_term(token: str) -> str | None:
    """The term a search token holds, or None when it is expired, altered or not ours."""
    try:
        data = _search_cipher().decrypt(token.encode("ascii"), ttl=SEARCH_TOKEN_SECONDS)
        return data.decode("utf-8")
    except (InvalidToken, UnicodeError):
        return None


def _search_cipher() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    key = hashlib.sha256(b"pingan office list search\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _list_args(list_filter: listing.ListFilter, **changes) -> dict[str, str]:
    """The list URL's query arguments for *list_filter*, its name sealed in ``q``."""
    args = list_filter.query_args(**changes)
    term = args.pop("name", None)
    if term:
        args["q"] = search_token(term)
    return args


def _refresh_statistics_when_due() -> None:
    """At the first list of this process and then every ``STATISTICS_EVERY`` seconds.

    The list's plan depends on them (``Database.refresh_statistics``); the table grows
    between restarts by online applications, which must not pay for it.
    """
    last = current_app.extensions.setdefault("pingan_statistics_refreshed", [None])
    now = time.monotonic()
    if last[0] is None or now - last[0] > STATISTICS_EVERY:
        last[0] = now
        get_db().refresh_statistics()


def _unit_path(unit_id: str) -> list:
    """From the user's own unit down to *unit_id* (in scope): the unit filter's breadcrumb.

    The filter offers the last unit's direct children, not every unit in scope, so the
    page stays small whatever the size of the tree.
    """
    path = current_deployment().tree.path(unit_id)
    start = next(i for i, unit in enumerate(path) if unit.id == g.office_user.unit)
    return path[start:]


def _stage_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for workflow in workflows().values():
        for stage in workflow.stages:
            seen.setdefault(stage.id, stage.name)
    seen.update(CLOSED_NAMES)
    return list(seen.items())


def _service_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for campaign in current_deployment().campaigns.values():
        for choice in campaign.data.get("service_types", []):
            seen.setdefault(choice["id"], choice["name"])
    return list(seen.items())


@bp.post("/applications/bulk")
@login_required
def bulk():
    ids = _int_list(request.form.getlist("selected"))
    seen = {i: request.form[f"stage-{i}"] for i in ids if request.form.get(f"stage-{i}")}
    action = request.form.get("action", "")
    try:
        changes = change_stages(
            g.office_user, g.office_scope, ids, action, request.form.get("reason"), seen
        )
    except ReviewRefused as refused:
        if refused.status == 404:
            abort(404)
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(_back_to_list(), 303)
    verb = "审核通过" if action == "approve" else "退回"
    flash(f"已{verb} {len(changes)} 份报名。")
    return redirect(_back_to_list(), 303)


def _back_to_list() -> str:
    target = safe_next(request.form.get("back"))
    return target or url_for("office.applications.list")


def _int_list(values: list[str]) -> list[int]:
    result = []
    for value in values:
        if not value.isdigit() or len(value) > 12:
            abort(400)
        result.append(int(value))
    return result


def _details(application: Application) -> list[tuple[str, str]]:
    """(title, shown value) for each field of the application's form but the ID number.

    Read back as the exports read it (``pingan.records``) and shown as its kind writes it.
    """
    form = campaign_forms().get(application.campaign)
    if form is None:
        return []
    record = application_record(application, cipher().decrypt)
    catalogue = application_fields()
    rows = []
    for field in form.fields:
        if field.kind.name == "id_number":
            continue  # shown masked, or in full on request (audited), on its own
        labels = dict(field.choices or [])
        if field.choices_from == "categories":
            labels = {c.id: c.name for c in categories(form)}  # directed ones too
        value = field_value(record, field.name)
        rows.append((field.title, field.kind.to_text(value, labels, catalogue[field.name])))
    return rows


def _render_application(application: Application, full_id: str | None = None):
    workflow = workflows()[application.campaign]
    events = (
        read_session()
        .scalars(
            select(StageEvent)
            .where(StageEvent.application_id == application.id)
            .order_by(StageEvent.id)
        )
        .all()
    )
    user_ids = {
        int(e.actor.removeprefix("user:"))
        for e in events
        if e.actor.startswith("user:") and e.actor[5:].isdigit()
    }
    names = {}
    if user_ids:
        names = {
            f"user:{uid}": name
            for uid, name in read_session().execute(
                select(User.id, User.display_name).where(User.id.in_(user_ids))
            )
        }
    id_number = cipher().decrypt(application.id_encrypted)
    history = histories(read_session(), [application.id])[application.id]
    office, unit = g.office_user.unit, application.unit
    return render_template(
        "office/application.html",
        application=application,
        campaign=current_deployment().campaigns[application.campaign],
        details=_details(application),
        masked_id=KINDS["id_number"].mask(id_number),
        full_id=full_id,
        events=events,
        actor_names={**names, "applicant": "申请人", "import": "导入"},
        workflow=workflow,
        next_stage=workflow.next_stage(application.stage),
        refusal=workflow.refusal(application.stage, "approve", office, unit, history),
        reopen_refusal=workflow.reopen_refusal(application.stage, office, unit, history),
        reopen_stage=rejected_at(history),
        certificate_refusal=workflow.certificate_refusal(application.stage),
    )


@bp.get("/applications/<int:application_id>", endpoint="detail")
@login_required
def detail(application_id: int):
    found = application_in_scope(application_id)
    record_now("view", unit=found.unit, application_id=found.id, reference=found.reference)
    return _render_application(found)


@bp.post("/applications/<int:application_id>/full-id")
@login_required
def full_id(application_id: int):
    found = application_in_scope(application_id)
    record_now("view_full_id", unit=found.unit, application_id=found.id, reference=found.reference)
    return _render_application(found, full_id=cipher().decrypt(found.id_encrypted))


@bp.post("/applications/<int:application_id>/stage")
@login_required
def stage(application_id: int):
    found = application_in_scope(application_id)
    try:
        changes = change_stages(
            g.office_user,
            g.office_scope,
            [found.id],
            request.form.get("action", ""),
            request.form.get("reason"),
            {found.id: request.form.get("stage", "")},
        )
    except ReviewRefused as refused:
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("office.applications.detail", application_id=found.id), 303)
    change = changes[0]
    name = stage_name(found.campaign, change.to_stage)
    message = f"已将报名 {format_reference(change.reference)} 变更为“{name}”"
    if change.volunteer_number:
        message += f"，志愿者编号 {change.volunteer_number}"
    flash(message + "。")
    return redirect(url_for("office.applications.detail", application_id=found.id), 303)


@bp.post("/applications/<int:application_id>/reopen", endpoint="reopen")
@login_required
def reopen_rejected(application_id: int):
    """退回 undone: back to the stage at which it was rejected, with a reason (audited)."""
    found = application_in_scope(application_id)
    try:
        change = reopen(
            g.office_user,
            g.office_scope,
            found.id,
            request.form.get("reason"),
            request.form.get("stage") or None,
        )
    except ReviewRefused as refused:
        for problem in refused.problems:
            flash(problem, "error")
        return redirect(url_for("office.applications.detail", application_id=found.id), 303)
    name = stage_name(found.campaign, change.to_stage)
    flash(f"已恢复审核报名 {format_reference(change.reference)}，现为“{name}”。")
    return redirect(url_for("office.applications.detail", application_id=found.id), 303)
