"""The data package of a unit's volunteers, activities and attendance
(``form_service/volunteer_exports.py``): masked ID numbers only, so a GET; a unit outside
the user's scope is a 404. A small package is sent at once, audited before it is sent; a
larger one is an export job (``..exports``), whose progress page and download are the
application export's, audited at each download."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, send_file, url_for

from ... import volunteer_exports
from .. import exports
from ..auth import login_required, require_unit_in_scope

bp = Blueprint("volunteer_exports", __name__)


@bp.get("/units/<unit>/volunteers.zip", endpoint="zip")
@login_required
def volunteers_zip(unit: str):
    require_unit_in_scope(unit)
    request = volunteer_exports.VolunteerExport(unit)
    total, key = volunteer_exports.data_state(request)
    if total > current_app.config["EXPORT_BACKGROUND_THRESHOLD"]:
        job = exports.start_job(request.as_dict(), g.office_user, key, total)
        return redirect(url_for("office.exports.job", token=job.token), 303)
    return send_file(
        volunteer_exports.export_now(request, g.office_user),
        mimetype="application/zip",
        as_attachment=True,
        download_name=exports.download_name(unit, volunteer_exports.KIND),
    )
