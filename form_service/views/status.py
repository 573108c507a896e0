"""``/status``: an applicant looks up the stage of an application.

The reference and the last four characters of the ID number are sent by POST, so that
neither appears in access logs or browser history; a wrong pair gets the same answer as
an unknown reference, and the form is rate-limited per client.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from .. import campaign_forms
from ..applications import find_by_reference, format_reference, latest_reason
from ..db import read_session
from ..extensions import limiter
from ..forms import CsrfForm

#: Stages an office can set that no campaign lists (see form_service.office.stages).
STAGE_NAMES = {"rejected": "未通过审核"}

bp = Blueprint("status", __name__, url_prefix="/status")


@bp.get("")
def lookup():
    return render_template("status.html", csrf_form=CsrfForm(), result=None, error=None)


@bp.post("")
@limiter.limit(lambda: current_app.config["STATUS_RATE_LIMIT"], methods=["POST"])
def result():
    reference = request.form.get("reference", "")
    last4 = request.form.get("last4", "")
    session = read_session()
    application = find_by_reference(session, reference, last4) if reference and last4 else None
    if application is None:
        error = (
            "没有找到相符的报名：请核对报名编号和身份证号码后四位"
            if reference and last4
            else "请填写报名编号和身份证号码后四位"
        )
        status = 404 if reference and last4 else 422
        return (
            render_template(
                "status.html",
                csrf_form=CsrfForm(),
                result=None,
                error=error,
                reference=reference[:20],
            ),
            status,
        )
    form = campaign_forms().get(application.campaign)
    stages = {
        stage["id"]: stage["name"]
        for stage in (form.campaign.data.get("review", {}).get("stages", []) if form else [])
    }
    tree = form.deployment.tree if form else None
    return render_template(
        "status.html",
        csrf_form=CsrfForm(),
        error=None,
        result={
            "reference": format_reference(application.reference),
            "campaign": form.campaign.title if form else application.campaign,
            "unit": tree[application.unit].name if tree and application.unit in tree else "",
            "stage": stages.get(application.stage) or STAGE_NAMES.get(application.stage, ""),
            "reason": latest_reason(session, application),
            "submitted_at": application.submitted_at,
            "volunteer_number": application.volunteer_number,
        },
    )
