"""The texts applicants receive by e-mail or SMS (zh-CN), and when they are written.

Each message goes into the outbox (``notify.Notifier``) in the transaction that causes
it: a confirmation for every application stored through the form or the API, by a
session hook before the application's row is flushed; a decision (rejection with its
reason, registration with the volunteer number) by ``queue_decisions``, which
``review.change_stages`` calls inside its write transaction. Texts never carry the ID
number.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from ..context import answer_to
from ..models import Application
from .stages import REJECTED, Workflow, workflows


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


def letter_address(application: Any) -> str | None:
    """The address e-mails to *application*'s applicant go to: the answer of its form's
    field of an e-mail kind (``pingan.fields.letter_field``), or None."""
    return answer_to(application, "letter_field")


def queue_decisions(session: Session, applications: list[Application], reason: str | None) -> None:
    """Write the e-mail and SMS of each final decision into *session*'s transaction."""
    notifier = current_app.extensions["pingan_notifier"]
    for application in applications:
        workflow = workflows()[application.campaign]
        if application.stage not in (REJECTED, workflow.numbering_stage):
            continue
        subject, body = decision(application, workflow, reason)
        email = letter_address(application)
        notifier.email(session, email, subject, body, application=application)
        notifier.text(
            session,
            application.mobile_encrypted,
            sms_decision(application, workflow),
            application=application,
        )


# --- the confirmation, written with the application ---------------------------------------


def install_confirmation_hook(app: Flask) -> None:
    """Have ``applications.submit`` write a confirmation with each online application.

    ``submit`` stores the application with statements on the driver (the ORM's unit of
    work would hold SQLite's write lock longer), so it asks the hooks in
    ``pingan_stored_hooks`` for the rows to store with it, in the same transaction.
    """
    hooks = app.extensions.setdefault("pingan_stored_hooks", [])
    if confirmation_rows not in hooks:
        hooks.append(confirmation_rows)


def confirmation_rows(application: Any) -> list:
    """The outbox row of the e-mail confirming an application made online, if it gave an
    address and e-mail is on; *application* is ``submit``'s ``StoredApplication``."""
    if application.channel not in ("form", "api"):
        return []
    email = letter_address(application)
    notifier = current_app.extensions["pingan_notifier"]
    if not email or notifier.smtp is None:  # no letter to write (inside the write lock)
        return []
    values = {
        "name": application.name,
        "reference": application.reference,
        "campaign": application.campaign,
    }
    subject, body = confirmation(values)
    return [notifier.email_row(email, subject, body)]
