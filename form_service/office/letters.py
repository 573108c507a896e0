"""The texts applicants receive by e-mail or SMS (zh-CN), and when they are queued.

Confirmations are queued by a session hook for every application stored through the
form or the API (``queue_confirmations``), after the commit; decisions (rejection with its
reason, registration with the volunteer number) by ``review.change_stages`` after its
commit. Texts never carry the ID number.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import Application
from .stages import REJECTED, Workflow

_PENDING = "pingan_confirmations"


def _status_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/status"


def _signature() -> str:
    deployment = current_app.extensions["pingan_deployment"]
    contact = deployment.settings.get("contact") or {}
    parts = [contact.get(key) for key in ("office", "phone") if contact.get(key)]
    return deployment.name + (f"（{'，'.join(parts)}）" if parts else "")


def _reference(reference: str) -> str:
    return f"{reference[:5]}-{reference[5:]}"


def confirmation(values: dict[str, Any]) -> tuple[str, str]:
    campaign = current_app.extensions["pingan_deployment"].campaigns[values["campaign"]]
    subject = f"报名已受理：{campaign.title}"
    body = (
        f"{values['name']}：您好！\n\n"
        f"您报名参加“{campaign.title}”的申请已受理，报名编号 {_reference(values['reference'])}。"
        "审核结果会另行通知。"
        f"您也可以凭报名编号和身份证号码后四位在 {_status_url()} 查询审核进度。\n\n"
        f"{_signature()}\n"
    )
    return subject, body


def decision(application: Application, workflow: Workflow, reason: str | None) -> tuple[str, str]:
    campaign = current_app.extensions["pingan_deployment"].campaigns[application.campaign]
    reference = _reference(application.reference)
    if application.stage == REJECTED:
        subject = f"报名审核结果：{campaign.title}"
        outcome = f"很遗憾，您的报名（编号 {reference}）未通过审核。原因：{reason}"
    else:
        subject = f"报名审核通过：{campaign.title}"
        outcome = f"您的报名（编号 {reference}）已审核通过：{workflow.name(application.stage)}。"
        if application.volunteer_number:
            outcome += f"您的志愿者编号是 {application.volunteer_number}。"
    body = (
        f"{application.name}：您好！\n\n{outcome}\n\n"
        f"如有疑问，请联系{_signature()}。审核进度可在 {_status_url()} 查询。\n"
    )
    return subject, body


def sms_decision(application: Application, workflow: Workflow) -> str:
    if application.stage == REJECTED:
        reference = _reference(application.reference)
        return f"【平安志愿者】您的报名 {reference} 未通过审核，原因请在报名进度查询页面查看。"
    return f"【平安志愿者】您的报名 {_reference(application.reference)} 已审核通过" + (
        f"，志愿者编号 {application.volunteer_number}。" if application.volunteer_number else "。"
    )


# --- the confirmation hook ---------------------------------------------------------------


def install_confirmation_hook() -> None:
    """Queue a confirmation for each application stored online, once committed."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _send)
        event.listen(Session, "after_rollback", _forget)


def _collect(session: Session, _context) -> None:
    if not has_app_context() or "pingan_notifier" not in current_app.extensions:
        return
    for obj in session.new:
        if isinstance(obj, Application) and obj.channel in ("form", "api"):
            email = (obj.answers or {}).get("email")
            if email:
                session.info.setdefault(_PENDING, []).append(
                    {
                        "email": email,
                        "name": obj.name,
                        "reference": obj.reference,
                        "campaign": obj.campaign,
                    }
                )


def _send(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    notifier = current_app.extensions.get("pingan_notifier")
    if notifier is None:
        return
    for values in pending:
        subject, body = confirmation(values)
        notifier.email(values["email"], subject, body)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
