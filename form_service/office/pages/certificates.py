"""The volunteer's certificate, printable after the scheme's last stage."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from pingan.idnumber import mask_id_number

from ...context import cipher, current_deployment
from ...db import read_session
from ...models import StageEvent
from ..audit import record_now
from ..auth import login_required
from ..stages import workflows
from .common import application_in_scope

bp = Blueprint("certificates", __name__)


@bp.get("/applications/<int:application_id>/certificate", endpoint="show")
@login_required
def certificate(application_id: int):
    """Only after the scheme's last stage (Chongqing: the city's identity check)."""
    found = application_in_scope(application_id)
    workflow = workflows()[found.campaign]
    refusal = workflow.certificate_refusal(found.stage)
    if refusal or not found.volunteer_number:
        flash(refusal or "该报名没有志愿者编号，不能打印证书", "error")
        return redirect(url_for("office.applications.detail", application_id=found.id), 303)
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
        campaign=current_deployment().campaigns[found.campaign],
        issuer=workflow.certificate_issuer,
        masked_id=mask_id_number(id_number) if found.id_type == "resident_id" else "",
        registered_at=registered_at,
        issued_at=issued_at,
    )
