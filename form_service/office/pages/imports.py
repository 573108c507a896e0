"""Directed recruitment: the roster template and the all-or-nothing roster upload."""

from __future__ import annotations

import io

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
from werkzeug.exceptions import RequestEntityTooLarge

from pingan.export.roster_import import write_template

from ...context import campaign_forms, current_deployment
from .. import auth, imports
from ..auth import login_required, require_unit_in_scope
from .common import allow_roster_sized_uploads, categories

bp = Blueprint("imports", __name__)


allow_roster_sized_uploads(bp, "office.imports.upload")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """The import page with the limit named, for a logged-in user of the unit's scope."""
    if request.endpoint != "office.imports.upload":
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


def _import_page(unit: str, result=None, status: int = 200, chosen: dict | None = None):
    deployment = current_deployment()
    forms = campaign_forms()
    choices = {
        cid: [(c.id, f"（{c.number}）{c.name}", c.recruitment) for c in categories(form)]
        for cid, form in forms.items()
        if "category" in form
    }
    return (
        render_template(
            "office/import.html",
            unit=deployment.tree[unit],
            campaigns=deployment.campaigns,
            categories=choices,
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


@bp.get("/units/<unit>/import", endpoint="form")
@login_required
def import_form(unit: str):
    require_unit_in_scope(unit)
    return _import_page(unit)


@bp.post("/units/<unit>/import", endpoint="upload")
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
    return redirect(url_for("office.applications.list", campaign=campaign_id), 303)


@bp.get("/campaigns/<campaign_id>/roster-template.xlsx", endpoint="template")
@login_required
def roster_template(campaign_id: str):
    deployment = current_deployment()
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
