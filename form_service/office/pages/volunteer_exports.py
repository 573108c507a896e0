"""The data package of a unit's volunteers, activities and attendance
(``form_service/volunteer_exports.py``): masked ID numbers only, so a GET; a unit outside
the user's scope is a 404, and the export is audited before it is sent."""

from __future__ import annotations

from flask import Blueprint, current_app, send_file

from ...context import current_deployment, today
from ...db import get_db, read_session
from ...volunteer_exports import export_volunteers
from ...volunteers import record_rules
from ..audit import record
from ..auth import login_required, require_unit_in_scope

bp = Blueprint("volunteer_exports", __name__)


@bp.get("/units/<unit>/volunteers.zip", endpoint="zip")
@login_required
def volunteers_zip(unit: str):
    require_unit_in_scope(unit)
    handle, counts = export_volunteers(
        read_session(),
        current_deployment(),
        record_rules(),
        unit,
        current_app.config["TIMEZONE"],
    )
    with get_db().write() as session:
        record(
            session,
            "export",
            unit=unit,
            content="志愿者档案、活动和服务记录",
            volunteers=counts["volunteers"],
            activity_rows=counts["activities"],
            attendance=counts["attendance"],
        )
    return send_file(
        handle,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{unit}-volunteers-{today():%Y%m%d}.zip",
    )
