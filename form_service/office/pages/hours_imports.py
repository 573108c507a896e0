"""Hours from a spreadsheet (``form_service/hours_import.py``): the upload page of a unit,
all or nothing, recorded as the attendance page records (audited there)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from ...context import current_deployment
from ...db import get_db
from ...hours_import import ACTIVITY, HOURS, NUMBER, HoursImport, import_hours, read_sheet
from ...volunteers import Refused
from ..auth import login_required, require_unit_in_scope
from ..upload_limits import RosterLimits
from .common import allow_roster_sized_uploads

bp = Blueprint("hours_imports", __name__)


allow_roster_sized_uploads(bp, "office.hours_imports.upload")


def _page(unit: str, result: HoursImport | None = None, status: int = 200):
    return (
        render_template(
            "office/hours_import.html",
            unit=current_deployment().tree[unit],
            columns=(NUMBER, ACTIVITY, HOURS),
            result=result,
        ),
        status,
    )


@bp.get("/units/<unit>/hours-import", endpoint="form")
@login_required
def form(unit: str):
    require_unit_in_scope(unit)
    return _page(unit)


@bp.post("/units/<unit>/hours-import", endpoint="upload")
@login_required
def upload(unit: str):
    require_unit_in_scope(unit)
    sheet = request.files.get("sheet")
    if sheet is None or not sheet.filename:
        return _page(unit, HoursImport(problems=["请选择要上传的 Excel 文件（.xlsx）"]), 422)
    unit_scope = frozenset(each.id for each in current_deployment().tree.descendants(unit))
    rows, problems = read_sheet(sheet.read(), RosterLimits.from_config(current_app.config))
    if problems:
        return _page(unit, HoursImport(problems=problems), 422)
    try:
        with get_db().write() as session:
            result = import_hours(session, g.office_user, g.office_scope, unit_scope, rows)
            if not result.ok:
                raise _NothingStored(result)
    except _NothingStored as nothing:
        return _page(unit, nothing.result, 422)
    except Refused as refused:
        return _page(unit, HoursImport(problems=[refused.message]), 422)
    flash(
        f"已导入 {result.rows} 行：新登记 {result.recorded} 条，更正 {result.corrected} 条，"
        f"未变 {result.unchanged} 条。",
        "success",
    )
    return redirect(url_for("office.hours_imports.form", unit=unit), 303)


class _NothingStored(Exception):
    """Leaves the write without storing anything (the file had problems)."""

    def __init__(self, result: HoursImport):
        self.result = result
