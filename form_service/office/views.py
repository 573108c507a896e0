"""The ``office`` blueprint: every page and download under ``/office/``.

Every route but log-in needs a session; every route that names an application, a unit or
a job checks it against the user's scope first and answers 404 for anything outside it
(no reading, reviewing or exporting by guessing ids). Reads of personal data are audited
before the page is rendered.
"""

from __future__ import annotations

import io
import time
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import or_, select
from werkzeug.exceptions import RequestEntityTooLarge

from pingan.export.roster_import import write_template
from pingan.export.schema import ColumnError, export_schema
from pingan.fields import KINDS
from pingan.idnumber import mask_id_number
from pingan.records import application_record, field_value
from pingan.review import rejected_at
from pingan.schemas import application_fields

from .. import campaign_forms, cipher, today
from ..db import get_db, read_session
from ..models import Application, StageEvent
from ..office_models import AuditEvent, ExportJob, User
from . import auth, exports, imports, listing
from .audit import ACTIONS, record_now
from .auth import administrator_required, login_required, require_unit_in_scope
from .review import ReviewRefused, change_stages, reopen
from .stages import CLOSED_NAMES, histories, workflows

bp = Blueprint(
    "office",
    __name__,
    url_prefix="/office",
    template_folder="../templates",
    static_folder="static",
    static_url_path="/static",
)

AUDIT_PAGE_SIZE = 100
#: Seconds between refreshes of SQLite's planner statistics from the office list.
STATISTICS_EVERY = 600


@bp.url_value_preprocessor
def _upload_limit(endpoint, _values):
    """Roster uploads may be larger than other requests (``IMPORT_MAX_BYTES``).

    Set before any ``before_request``: the CSRF check reads the form, and with it the
    body, under the app's 128 KiB limit, so a limit set in the view came too late.
    """
    if endpoint == "office.import_roster":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """The import page with the limit named, for a logged-in user of the unit's scope."""
    if request.endpoint != "office.import_roster":
        return error
    if "office_user" not in g:  # the CSRF check read the body before the user was loaded
        auth.load_user()
    if g.office_user is None:
        return error
    unit = (request.view_args or {}).get("unit", "")
    if unit not in g.office_scope:
        abort(404)
    limit = current_app.config["IMPORT_MAX_BYTES"] // 1024
    size = f"{limit // 1024} MB" if limit >= 1024 else f"{limit} KB"
    message = f"名单文件超过 {size}，请分成几个文件上传，或删去名单以外的工作表和图片"
    return _import_page(unit, {"problems": [message], "stored": 0}, 413)


@bp.before_request
def _load_user():
    auth.load_user()


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _globals():
    deployment = current_app.extensions["pingan_deployment"]
    return {
        "office_user": g.get("office_user"),
        "tree": deployment.tree,
        "workflows": workflows(),
        "unit_name": lambda unit_id: (
            deployment.tree[unit_id].name if unit_id in deployment.tree else unit_id
        ),
        "stage_name": _stage_name,
    }


def _stage_name(campaign: str, stage: str) -> str:
    workflow = workflows().get(campaign)
    if workflow is None:
        return CLOSED_NAMES.get(stage, stage)
    return workflow.name(stage)


def _deployment():
    return current_app.extensions["pingan_deployment"]


# --- log-in ---------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    next_url = _safe_next(request.values.get("next"))
    if request.method == "POST":
        result = auth.log_in(
            request.form.get("username", ""), request.form.get("password", ""), auth.client_ip()
        )
        if result.user is not None:
            return redirect(next_url or url_for("office.applications"), 303)
        error, status = result.error, 401
    return (
        render_template(
            "office/login.html",
            error=error,
            next_url=next_url,
            username=request.form.get("username", "")[:60],
        ),
        status,
    )


def _safe_next(target: str | None) -> str | None:
    """Only a path inside /office/ (no open redirect).

    Browsers read a backslash as a slash (``/\\evil.example``) and drop tabs and line
    breaks, and a line break in a ``Location`` header is a server error: any of them, or
    a ``..`` segment (also percent-encoded), and the target is ignored.
    """
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/office/"):
        return None
    if ".." in unquote(parts.path).split("/"):
        return None
    return target


@bp.post("/logout")
def logout():
    auth.log_out()
    flash("您已退出登录。")
    return redirect(url_for("office.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user's own password: the current one, the new one twice."""
    problems: list[str] = []
    if request.method == "POST":
        problems = auth.change_password(
            g.office_user,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            request.form.get("repeat_password", ""),
            auth.client_ip(),
        )
        if not problems:
            flash("密码已修改。其他设备上的登录已全部退出。")
            return redirect(url_for("office.applications"), 303)
    return (
        render_template(
            "office/password.html", problems=problems, min_length=auth.MIN_PASSWORD_LENGTH
        ),
        422 if problems else 200,
    )


@bp.get("/")
@login_required
def index():
    return redirect(url_for("office.applications"))


# --- lists and bulk decisions --------------------------------------------------------------


@bp.get("/applications")
@login_required
def applications():
    deployment = _deployment()
    _refresh_statistics_when_due()
    list_filter = listing.ListFilter.from_args(request.args, g.office_scope, deployment)
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
    path = _deployment().tree.path(unit_id)
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
    for campaign in _deployment().campaigns.values():
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
    target = _safe_next(request.form.get("back"))
    return target or url_for("office.applications")


def _int_list(values: list[str]) -> list[int]:
    result = []
    for value in values:
        if not value.isdigit() or len(value) > 12:
            abort(400)
        result.append(int(value))
    return result


# --- one application -------------------------------------------------------------------------


def _application_in_scope(application_id: int) -> Application:
    application = read_session().scalar(
        select(Application).where(
            Application.id == application_id, Application.unit.in_(g.office_scope)
        )
    )
    if application is None:
        abort(404)
    return application


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
            labels = {c.id: c.name for c in _categories(form)}  # directed ones too
        value = field_value(record, field.name)
        rows.append((field.title, field.kind.to_text(value, labels, catalogue[field.name])))
    return rows


def _categories(form):
    table = form.deployment.quotas.get(form.campaign.data.get("quota", ""))
    return table.categories if table else []


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
        campaign=_deployment().campaigns[application.campaign],
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


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    found = _application_in_scope(application_id)
    record_now("view", unit=found.unit, application_id=found.id, reference=found.reference)
    return _render_application(found)


@bp.post("/applications/<int:application_id>/full-id")
@login_required
def full_id(application_id: int):
    found = _application_in_scope(application_id)
    record_now("view_full_id", unit=found.unit, application_id=found.id, reference=found.reference)
    return _render_application(found, full_id=cipher().decrypt(found.id_encrypted))


@bp.post("/applications/<int:application_id>/stage")
@login_required
def stage(application_id: int):
    found = _application_in_scope(application_id)
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
        return redirect(url_for("office.application", application_id=found.id), 303)
    change = changes[0]
    name = _stage_name(found.campaign, change.to_stage)
    message = f"已将报名 {change.reference} 变更为“{name}”"
    if change.volunteer_number:
        message += f"，志愿者编号 {change.volunteer_number}"
    flash(message + "。")
    return redirect(url_for("office.application", application_id=found.id), 303)


@bp.post("/applications/<int:application_id>/reopen")
@login_required
def reopen_application(application_id: int):
    """退回 undone: back to the stage at which it was rejected, with a reason (audited)."""
    found = _application_in_scope(application_id)
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
        return redirect(url_for("office.application", application_id=found.id), 303)
    name = _stage_name(found.campaign, change.to_stage)
    flash(f"已恢复审核报名 {change.reference}，现为“{name}”。")
    return redirect(url_for("office.application", application_id=found.id), 303)


@bp.get("/applications/<int:application_id>/certificate")
@login_required
def certificate(application_id: int):
    """Only after the scheme's last stage (Chongqing: the city's identity check)."""
    found = _application_in_scope(application_id)
    workflow = workflows()[found.campaign]
    refusal = workflow.certificate_refusal(found.stage)
    if refusal or not found.volunteer_number:
        flash(refusal or "该报名没有志愿者编号，不能打印证书", "error")
        return redirect(url_for("office.application", application_id=found.id), 303)
    record_now("certificate", unit=found.unit, application_id=found.id, reference=found.reference)
    id_number = cipher().decrypt(found.id_encrypted)
    registered_at, issued_at = (
        read_session().scalar(
            select(StageEvent.at)
            .where(StageEvent.application_id == found.id, StageEvent.to_stage == stage)
            .order_by(StageEvent.id.desc())
            .limit(1)
        )
        or found.updated_at
        for stage in (workflow.numbering_stage, workflow.final)
    )
    return render_template(
        "office/certificate.html",
        application=found,
        campaign=_deployment().campaigns[found.campaign],
        issuer=workflow.certificate_issuer,
        masked_id=mask_id_number(id_number) if found.id_type == "resident_id" else "",
        registered_at=registered_at,
        issued_at=issued_at,
    )


# --- exports ------------------------------------------------------------------------------------


def _export_request(unit: str, values) -> exports.ExportRequest:
    deployment = _deployment()
    chosen = [c for c in values.getlist("campaign") if c]
    unknown = [c for c in chosen if c not in deployment.campaigns]
    if unknown:
        abort(404)
    campaigns = tuple(chosen or deployment.campaigns)
    columns = tuple(c for c in values.getlist("column") if c) or None
    full = values.get("full_id_numbers") in ("1", "on", "true")
    return exports.ExportRequest(unit, campaigns, columns, full)


@bp.get("/units/<unit>/export")
@login_required
def export_form(unit: str):
    require_unit_in_scope(unit)
    deployment = _deployment()
    columns: dict[str, str] = {}
    for campaign in deployment.campaigns.values():
        for spec in export_schema(campaign, deployment).fields:
            columns.setdefault(spec["name"], spec.get("title", spec["name"]))
    return render_template(
        "office/export.html",
        unit=deployment.tree[unit],
        campaigns=deployment.campaigns,
        columns=columns,
        error=None,
    )


@bp.route("/units/<unit>/export.zip", methods=["GET", "POST"])
@login_required
def export_zip(unit: str):
    """GET: masked numbers. POST (CSRF-checked): may ask for full numbers (administrators)."""
    require_unit_in_scope(unit)
    values = request.form if request.method == "POST" else request.args
    export = _export_request(unit, values)
    if export.full_id_numbers and (request.method != "POST" or not g.office_user.is_administrator):
        abort(403)
    deployment = _deployment()
    try:
        _check_columns(export)
    except ColumnError as error:
        flash(str(error), "error")
        return redirect(url_for("office.export_form", unit=unit), 303)
    total, key = exports.data_state(deployment, export)
    if total > current_app.config["EXPORT_BACKGROUND_THRESHOLD"]:
        job = exports.start_or_reuse_job(export, g.office_user, key, total)
        return redirect(url_for("office.export_job", token=job.token), 303)
    try:
        handle, summary = exports.export_now(export, g.office_user)
    except ColumnError as error:
        flash(str(error), "error")
        return redirect(url_for("office.export_form", unit=unit), 303)
    if summary.excluded_count:
        # The download leaves the clerk on the export page; the next page they open says
        # it, and excluded.csv in the package names every record.
        flash(_excluded_message(summary.excluded_count, summary.excluded), "error")
    response = send_file(
        handle,
        mimetype="application/zip",
        as_attachment=True,
        download_name=_download_name(unit),
    )
    response.headers["X-Pingan-Excluded"] = str(summary.excluded_count)
    return response


#: How many references a message names before "等".
EXCLUDED_NAMED = 5


def _excluded_message(count: int, excluded: list) -> str:
    references = "、".join(item.reference for item in excluded[:EXCLUDED_NAMED])
    more = "等" if count > EXCLUDED_NAMED else ""
    return (
        f"最近一次导出的数据包中有 {count} 份报名因数据有误未能导出"
        f"（申请编号 {references}{more}），原因见数据包中的 excluded.csv。"
    )


def _check_columns(export: exports.ExportRequest) -> None:
    """Each chosen column must be exportable from at least one chosen campaign."""
    if export.columns is None:
        return
    deployment = _deployment()
    known: set[str] = set()
    for campaign_id in export.campaigns:
        schema = export_schema(
            deployment.campaigns[campaign_id], deployment, full_id_numbers=export.full_id_numbers
        )
        known.update(schema.names)
    unknown = [name for name in export.columns if name not in known]
    if unknown:
        raise ColumnError(f"所选招募没有可导出的列：{'、'.join(unknown)[:200]}")


def _download_name(unit: str) -> str:
    stamp = today().strftime("%Y%m%d")
    return f"{unit}-{stamp}.zip"


def _job_of_user(token: str) -> ExportJob:
    job = read_session().scalar(
        select(ExportJob).where(ExportJob.token == token, ExportJob.user_id == g.office_user.id)
    )
    if job is None or job.unit not in g.office_scope:
        abort(404)
    return job


@bp.get("/exports/<token>")
@login_required
def export_job(token: str):
    job = _job_of_user(token)
    excluded, excluded_count = exports.job_excluded(job)
    return render_template(
        "office/export_job.html",
        job=job,
        unit=_deployment().tree[job.unit],
        excluded=excluded,
        excluded_count=excluded_count,
    )


@bp.get("/exports/<token>/download")
@login_required
def export_download(token: str):
    job = _job_of_user(token)
    if job.state != "done" or not job.path:
        abort(404)
    return send_file(
        job.path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=_download_name(job.unit),
    )


# --- audit log ---------------------------------------------------------------------------------


@bp.get("/audit")
@administrator_required
def audit_log():
    """Newest first, a page at a time from ``before`` (an event id: no deep OFFSET)."""
    before = request.args.get("before", "")
    query = select(AuditEvent)
    if before.isdigit() and len(before) <= 12:
        query = query.where(AuditEvent.id < int(before))
    tree = _deployment().tree
    if len(g.office_scope) < len(tree):  # else: the whole tree, no condition to check
        in_scope = AuditEvent.unit.in_(g.office_scope)
        if tree[g.office_user.unit].parent is None:  # a root's administrators: no-unit events
            in_scope = or_(in_scope, AuditEvent.unit.is_(None))
        query = query.where(in_scope)
    rows = (
        read_session()
        .scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1))
        .all()
    )
    events = rows[:AUDIT_PAGE_SIZE]
    return render_template(
        "office/audit.html",
        events=events,
        older=events[-1].id if len(rows) > AUDIT_PAGE_SIZE else None,
        newest=not before,
        actions=ACTIONS,
    )


# --- directed recruitment: roster import -------------------------------------------------------


def _import_page(unit: str, result=None, status: int = 200, chosen: dict | None = None):
    deployment = _deployment()
    forms = campaign_forms()
    categories = {
        cid: [(c.id, f"（{c.number}）{c.name}", c.recruitment) for c in _categories(form)]
        for cid, form in forms.items()
        if "category" in form
    }
    return (
        render_template(
            "office/import.html",
            unit=deployment.tree[unit],
            campaigns=deployment.campaigns,
            categories=categories,
            relaxed_age=[
                form.campaign.title
                for form in forms.values()
                if form.eligibility.get("age", {}).get("in_principle")
            ],
            age_exception=imports.AGE_EXCEPTION,
            result=result,
            chosen=chosen or {},
        ),
        status,
    )


@bp.get("/units/<unit>/import")
@login_required
def import_form(unit: str):
    require_unit_in_scope(unit)
    return _import_page(unit)


@bp.post("/units/<unit>/import")
@login_required
def import_roster(unit: str):
    require_unit_in_scope(unit)
    campaign_id = request.form.get("campaign", "")
    if campaign_id not in campaign_forms():
        abort(404)
    category = request.form.get("category") or None
    chosen = {"campaign": campaign_id, "category": category}
    upload = request.files.get("roster")
    problems = []
    if upload is None or not upload.filename:
        problems.append("请选择要上传的名单文件（.xlsx 或 .csv）")
    if not request.form.get("consent"):
        problems.append("请确认已取得名单中每个人的书面同意")
    if problems:
        return _import_page(unit, {"problems": problems, "stored": 0}, 422, chosen)
    result = imports.import_roster(
        upload.read(), campaign_id, unit, category, g.office_user, g.office_scope
    )
    if not result.ok:
        report = {"problems": [str(p) for p in result.problems], "stored": 0, "rows": result.rows}
        return _import_page(unit, report, 422, chosen)
    message = f"已导入 {result.stored} 份报名"
    if result.age_exceptions:
        message += f"，其中 {result.age_exceptions} 人{imports.AGE_EXCEPTION}"
    flash(message + "。")
    return redirect(url_for("office.applications", campaign=campaign_id), 303)


@bp.get("/campaigns/<campaign_id>/roster-template.xlsx")
@login_required
def roster_template(campaign_id: str):
    deployment = _deployment()
    campaign = deployment.campaigns.get(campaign_id)
    if campaign is None:
        abort(404)
    handle = io.BytesIO()
    write_template(campaign, deployment, handle)
    handle.seek(0)
    return send_file(
        handle,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{campaign_id}-roster-template.xlsx",
    )
