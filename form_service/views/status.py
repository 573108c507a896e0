"""``/status``: an applicant looks up the stage of an application, and may withdraw it.

The reference and the last four characters of the ID number are sent by POST, so that
neither appears in access logs or browser history; a wrong pair gets the same answer as
an unknown reference, and the form is rate-limited per client. A rejected application
shows the office's reason and that the applicant may apply again once it is put right
(``pingan.review``: a rejection closes the application, a new one may follow). A pending
application can be withdrawn (撤回) with the same proof, confirmed by a tick; the
withdrawal is a stage event and an audit event in one transaction.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from sqlalchemy import select

from pingan.review import PENDING, REJECTED, WITHDRAWN, Workflow

from ..applications import find_by_reference, format_reference, latest_reason, withdraw
from ..context import campaign_forms, today
from ..db import get_db, read_session
from ..extensions import limiter
from ..forms import CsrfForm
from ..models import Application
from ..office.audit import record

bp = Blueprint("status", __name__, url_prefix="/status")

NOT_FOUND = "没有找到相符的报名：请核对报名编号和身份证号码后四位"
MISSING = "请填写报名编号和身份证号码后四位"
CONFIRM = "请勾选“确认撤回本次报名”后再提交"


def _rate_limit() -> str:
    return current_app.config["STATUS_RATE_LIMIT"]


@bp.get("")
def lookup():
    return render_template("status.html", csrf_form=CsrfForm(), result=None, error=None)


@bp.post("")
@limiter.limit(_rate_limit, methods=["POST"])
def result():
    reference = request.form.get("reference", "")
    last4 = request.form.get("last4", "")
    session = read_session()
    application = find_by_reference(session, reference, last4) if reference and last4 else None
    if application is None:
        return _not_found(reference, last4)
    return _result_page(session, application)


@bp.post("/withdraw")
@limiter.limit(_rate_limit, methods=["POST"])
def withdraw_application():
    """撤回: the applicant ends a pending application (they may apply again later)."""
    reference = request.form.get("reference", "")
    last4 = request.form.get("last4", "")
    if not (reference and last4):
        return _not_found(reference, last4)
    confirmed = bool(request.form.get("confirm"))
    with get_db().write() as session:
        found = find_by_reference(session, reference, last4)
        application = (
            session.scalar(select(Application).where(Application.id == found.id).with_for_update())
            if found is not None
            else None
        )
        if application is None:
            return _not_found(reference, last4)
        if not confirmed:
            return _result_page(session, application, problem=CONFIRM, status=422)
        problem = withdraw(session, application, _workflow(application))
        if problem is None:
            record(
                session,
                "withdraw",
                actor="applicant",
                unit=application.unit,
                application_id=application.id,
                reference=application.reference,
            )
    if problem:
        return _result_page(read_session(), application, problem=problem, status=409)
    return _result_page(read_session(), application, notice="您已撤回本次报名。")


def _not_found(reference: str, last4: str):
    error = NOT_FOUND if reference and last4 else MISSING
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


def _workflow(application: Application) -> Workflow | None:
    form = campaign_forms().get(application.campaign)
    return Workflow(form.campaign, form.deployment) if form else None


def _result_page(session, application, problem=None, notice=None, status=200):
    form = campaign_forms().get(application.campaign)
    workflow = _workflow(application)
    tree = form.deployment.tree if form else None
    state = workflow.state(application.stage) if workflow else None
    open_today = form is not None and form.campaign.status(today()) == "open"
    return (
        render_template(
            "status.html",
            csrf_form=CsrfForm(),
            error=None,
            problem=problem,
            notice=notice,
            result={
                "reference": format_reference(application.reference),
                "campaign": form.campaign.title if form else application.campaign,
                "unit": tree[application.unit].name if tree and application.unit in tree else "",
                "stage": workflow.name(application.stage) if workflow else application.stage,
                "state": state,
                "reason": latest_reason(session, application),
                "submitted_at": application.submitted_at,
                "volunteer_number": application.volunteer_number,
                "rejected": application.stage == REJECTED,
                "withdrawn": application.stage == WITHDRAWN,
                "may_withdraw": state == PENDING,
                "apply_url": (
                    url_for("apply.form", campaign_id=application.campaign)
                    if open_today and form.campaign.accepts_public()
                    else None
                ),
                "contact": form.contact_text if form else "",
            },
            proof={"reference": application.reference, "last4": application.id_last4},
        ),
        status,
    )
