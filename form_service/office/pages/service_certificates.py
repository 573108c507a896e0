"""Certificates of service record (志愿服务记录证明) from the volunteer record page: issue one
for a volunteer of the scope (the whole recorded history or chosen dates), print it (the
same HTML WeasyPrint turns into the PDF) and download the PDF. Issuing and printing are
audited; a record or certificate outside the scope is not found (404).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from sqlalchemy import or_, select

from pingan.points import hours_text
from pingan.printing import ServiceRecord, html_to_pdf, service_record_html, style_hashes
from pingan.zhtext import zh_date

from ...certificate_models import ServiceCertificate
from ...context import current_deployment
from ...dates import local_date
from ...db import get_db, read_session
from ...service_certificates import grouped, issue, local_today, parse_period
from ...volunteer_models import VolunteerRecord
from ...volunteers import Refused
from ..audit import record_now
from ..auth import login_required

bp = Blueprint("service_certificates", __name__)


@bp.post("/volunteers/<int:record_id>/certificates", endpoint="issue")
@login_required
def issue_certificate(record_id: int):
    back = url_for("office.volunteers.show", record_id=record_id)
    try:
        day = local_today(current_app.config["TIMEZONE"])
        period = parse_period(request.form.get("start", ""), request.form.get("end", ""), day)
        with get_db().write() as session:
            certificate = issue(
                session,
                g.office_user,
                g.office_scope,
                record_id,
                period,
                current_app.config["TIMEZONE"],
            )
            certificate_id = certificate.id
    except Refused as refused:
        if refused.status == 404:
            abort(404)
        flash(refused.message, "error")
        return redirect(back, 303)
    flash("已出具志愿服务记录证明。", "success")
    return redirect(url_for(".show", certificate_id=certificate_id), 303)


@bp.get("/service-certificates/<int:certificate_id>", endpoint="show")
@login_required
def show(certificate_id: int):
    """The print view: the certificate's own page, under a policy allowing its style only."""
    html = _html(_in_scope(certificate_id, "html"))
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {' '.join(style_hashes(html))}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response


@bp.get("/service-certificates/<int:certificate_id>.pdf", endpoint="pdf")
@login_required
def pdf(certificate_id: int):
    certificate = _in_scope(certificate_id, "pdf")
    response = current_app.response_class(
        html_to_pdf(_html(certificate)), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = (
        f"inline; filename=service-record-{certificate.volunteer_number}.pdf"
    )
    return response


def _in_scope(certificate_id: int, form: str) -> ServiceCertificate:
    """Issued by an office of the scope, or for a volunteer now serving in it; audited."""
    certificate = read_session().scalar(
        select(ServiceCertificate)
        .outerjoin(VolunteerRecord, VolunteerRecord.id == ServiceCertificate.record_id)
        .where(
            ServiceCertificate.id == certificate_id,
            ServiceCertificate.deployment == current_deployment().id,
            or_(
                ServiceCertificate.unit.in_(g.office_scope),
                VolunteerRecord.unit.in_(g.office_scope),
            ),
        )
    )
    if certificate is None:
        abort(404)
    record_now(
        "service_certificate_print",
        unit=certificate.volunteer_unit,
        record=certificate.record_id,
        certificate=certificate.id,
        format=form,
    )
    return certificate


def _html(certificate: ServiceCertificate) -> str:
    deployment = current_deployment()
    tree = deployment.tree

    def unit_name(unit: str) -> str:
        return tree[unit].name if unit in tree else unit

    return service_record_html(
        ServiceRecord(
            deployment=deployment.name,
            issuer=unit_name(certificate.unit),
            name=certificate.name,
            volunteer_number=certificate.volunteer_number,
            volunteer_unit=unit_name(certificate.volunteer_unit),
            hours=hours_text(certificate.minutes),
            activities=certificate.activities,
            period_start=zh_date(certificate.period_start),
            period_end=zh_date(certificate.period_end),
            issued_on=local_date(certificate.issued_at),
            code=grouped(certificate.code),
            verify_url=current_app.config["PUBLIC_URL"].rstrip("/") + "/verify",
        )
    )
