"""Data packages of a unit's applications: the form and the download; and the pages of
background jobs of every kind (progress, download).

The form's ``package`` chooses the whole package (the default: CSV, datapackage.json and
the two workbooks) or the data package alone (``csv``: no XLSX, for a million rows a
matter of seconds where the workbooks take most of a minute). Any other value is a 400
with the export page and the choices named, never a package of a kind nobody asked for.
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
    send_file,
    url_for,
)
from sqlalchemy import select

from pingan.export.schema import ColumnError, export_schema

from ...context import current_deployment
from ...db import read_session
from ...office_models import ExportJob
from .. import exports
from ..auth import login_required, require_unit_in_scope

bp = Blueprint("exports", __name__)

#: The form's ``package`` choices → whether the package holds its workbooks.
PACKAGES = {"whole": True, "csv": False}
UNKNOWN_PACKAGE = "请选择导出内容：“完整数据包”或“仅数据包（CSV，不含 Excel 工作簿）”。"


class UnknownPackage(ValueError):
    """The form's ``package`` is neither of ``PACKAGES``."""


def _export_request(unit: str, values) -> exports.ExportRequest:
    deployment = current_deployment()
    chosen = [c for c in values.getlist("campaign") if c]
    unknown = [c for c in chosen if c not in deployment.campaigns]
    if unknown:
        abort(404)
    campaigns = tuple(chosen or deployment.campaigns)
    columns = tuple(c for c in values.getlist("column") if c) or None
    full = values.get("full_id_numbers") in ("1", "on", "true")
    package = values.get("package", "whole")
    if package not in PACKAGES:
        raise UnknownPackage(package)
    return exports.ExportRequest(unit, campaigns, columns, full, workbooks=PACKAGES[package])


@bp.get("/units/<unit>/export", endpoint="form")
@login_required
def export_form(unit: str):
    require_unit_in_scope(unit)
    return _export_page(unit)


def _export_page(unit: str, error: str | None = None, status: int = 200):
    deployment = current_deployment()
    columns: dict[str, str] = {}
    for campaign in deployment.campaigns.values():
        for spec in export_schema(campaign, deployment).fields:
            columns.setdefault(spec["name"], spec.get("title", spec["name"]))
    return render_template(
        "office/export.html",
        unit=deployment.tree[unit],
        campaigns=deployment.campaigns,
        columns=columns,
        error=error,
    ), status


@bp.route("/units/<unit>/export.zip", methods=["GET", "POST"], endpoint="zip")
@login_required
def export_zip(unit: str):
    """GET: masked numbers. POST (CSRF-checked): may ask for full numbers (administrators)."""
    require_unit_in_scope(unit)
    values = request.form if request.method == "POST" else request.args
    try:
        export = _export_request(unit, values)
    except UnknownPackage:
        return _export_page(unit, UNKNOWN_PACKAGE, 400)
    if export.full_id_numbers and (request.method != "POST" or not g.office_user.is_administrator):
        abort(403)
    deployment = current_deployment()
    try:
        _check_columns(export)
    except ColumnError as error:
        flash(str(error), "error")
        return redirect(url_for("office.exports.form", unit=unit), 303)
    total, key = exports.data_state(deployment, export)
    if total > current_app.config["EXPORT_BACKGROUND_THRESHOLD"]:
        job = exports.start_or_reuse_job(export, g.office_user, key, total)
        return redirect(url_for("office.exports.job", token=job.token), 303)
    try:
        handle, summary = exports.export_now(export, g.office_user)
    except ColumnError as error:
        flash(str(error), "error")
        return redirect(url_for("office.exports.form", unit=unit), 303)
    if summary.excluded_count:
        # The download leaves the clerk on the export page; the next page they open says
        # it, and excluded.csv in the package names every record.
        flash(_excluded_message(summary.excluded_count, summary.excluded), "error")
    response = send_file(
        handle,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.download_name(unit, workbooks=export.workbooks),
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
    deployment = current_deployment()
    known: set[str] = set()
    for campaign_id in export.campaigns:
        schema = export_schema(
            deployment.campaigns[campaign_id], deployment, full_id_numbers=export.full_id_numbers
        )
        known.update(schema.names)
    unknown = [name for name in export.columns if name not in known]
    if unknown:
        raise ColumnError(f"所选招募没有可导出的列：{'、'.join(unknown)[:200]}")


def _job_of_user(token: str) -> ExportJob:
    job = read_session().scalar(
        select(ExportJob).where(ExportJob.token == token, ExportJob.user_id == g.office_user.id)
    )
    if job is None or job.unit not in g.office_scope:
        abort(404)
    return job


@bp.get("/exports/<token>", endpoint="job")
@login_required
def export_job(token: str):
    job = _job_of_user(token)
    excluded, excluded_count = exports.job_excluded(job)
    kind = exports.kind_of(job)
    return render_template(
        "office/export_job.html",
        job=job,
        kind=kind,
        workbooks=job.options.get("workbooks", True),
        title=exports.KINDS[kind].title,
        figures=job.options.get("figures", {}),
        unit=current_deployment().tree[job.unit],
        excluded=excluded,
        excluded_count=excluded_count,
    )


@bp.get("/exports/<token>/download", endpoint="download")
@login_required
def export_download(token: str):
    job = _job_of_user(token)
    if job.state != "done" or not job.path:
        abort(404)
    kind = exports.kind_of(job)
    downloaded = exports.KINDS[kind].downloaded
    if downloaded is not None:
        downloaded(job, g.office_user)
    return send_file(
        job.path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.job_download_name(job),
    )
