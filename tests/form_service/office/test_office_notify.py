"""E-mail to applicants through a real SMTP server (aiosmtpd on 127.0.0.1); SMS gateway."""

from __future__ import annotations

import email
import email.policy
import logging

import pytest
from aiosmtpd.controller import Controller
from offices import OfficeApplicant, reload

from form_service.config import DEFAULTS, environment_config, finish_config
from form_service.office.notify import LoggingSmsGateway, SmtpSettings, smtp_settings


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def inbox(unused_port):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=unused_port)
    controller.start()
    handler.port = unused_port
    yield handler
    controller.stop()


def smtp_for(inbox) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", inbox.port, None, None, "noreply@pingan.example", False)


def drain(app):
    app.extensions["pingan_notifier"].drain()


def test_an_applicant_with_an_e_mail_address_gets_a_confirmation(inbox, office_app):
    app = office_app("wujin", SMTP=smtp_for(inbox))
    application = OfficeApplicant(app).stored(unit="hutang", email="zhang@example.com")
    drain(app)
    [message] = inbox.messages
    assert message["To"] == "zhang@example.com"
    assert message["Subject"].startswith("报名已受理")
    body = message.get_content()
    assert f"{application.reference[:5]}-{application.reference[5:]}" in body
    assert application.id_last4 not in body.replace(application.reference, "")


def test_no_e_mail_without_an_address(inbox, office_app):
    app = office_app("wujin", SMTP=smtp_for(inbox))
    OfficeApplicant(app).stored(unit="hutang", email=None)
    drain(app)
    assert inbox.messages == []


def test_the_decision_and_its_reason_are_e_mailed_after_the_commit(inbox, office_app, office):
    app = office_app("wujin", SMTP=smtp_for(inbox))
    application = OfficeApplicant(app).stored(unit="hutang", email="li@example.com")
    account = office(app, "hutang")
    account.decide(application, "reject", reason="所填服务时间本站暂无岗位。")
    drain(app)
    decision = inbox.messages[-1]
    assert decision["Subject"].startswith("报名审核结果")
    assert "所填服务时间本站暂无岗位。" in decision.get_content()


def test_registration_mails_the_volunteer_number(inbox, office_app, office):
    app = office_app("wujin", SMTP=smtp_for(inbox))
    application = OfficeApplicant(app).stored(unit="hutang", email="li@example.com")
    account = office(app, "hutang")
    account.decide(application, "approve")
    account.decide(application, "approve")
    drain(app)
    assert len(inbox.messages) == 2  # confirmation and registration, not the middle stage
    assert reload(app, application.id).volunteer_number in inbox.messages[-1].get_content()


def test_a_broken_mail_server_loses_no_application_and_logs_no_address(
    office_app, caplog, unused_port
):
    broken = SmtpSettings("127.0.0.1", unused_port, None, None, "noreply@pingan.example", False)
    app = office_app("wujin", SMTP=broken)
    with caplog.at_level(logging.WARNING):
        application = OfficeApplicant(app).stored(unit="hutang", email="wang@example.com")
        drain(app)
    assert reload(app, application.id) is not None
    assert "notification not sent: ConnectionRefusedError" in caplog.text
    assert "wang@example.com" not in caplog.text


def test_smtp_settings_come_from_the_environment(tmp_path):
    def settings(environ):
        config = {**DEFAULTS, **environment_config(environ)}
        finish_config(config, tmp_path)
        return smtp_settings(config)

    assert settings({}) is None
    configured = settings(
        {"PINGAN_SMTP_HOST": "mail.example", "PINGAN_SMTP_USER": "u", "PINGAN_SMTP_FROM": "a@b.cn"}
    )
    assert (configured.host, configured.port, configured.starttls, configured.sender) == (
        "mail.example",
        587,
        True,
        "a@b.cn",
    )
    plain = settings({"PINGAN_SMTP_HOST": "m", "PINGAN_SMTP_STARTTLS": "0"})
    assert (plain.port, plain.starttls, plain.sender) == (25, False, "noreply@m")


def test_sms_is_off_by_default_and_logs_without_the_number(office_app, office, caplog):
    app = office_app("wujin")
    assert isinstance(app.extensions["pingan_notifier"].sms, LoggingSmsGateway)
    application = OfficeApplicant(app).stored(unit="hutang")
    account = office(app, "hutang")
    with caplog.at_level(logging.INFO, logger="form_service.office.notify"):
        account.decide(application, "reject", reason="名额已满")
        drain(app)
    assert "SMS gateway not configured" in caplog.text
    assert "13800138000" not in caplog.text


class RecordingGateway:
    """A deployment's own gateway, as ``SMS_GATEWAY`` configures it."""

    sent: list[tuple[str, str]] = []

    def __init__(self, config):
        self.config = config

    def send(self, mobile: str, text: str) -> None:
        RecordingGateway.sent.append((mobile, text))


def test_a_configured_sms_gateway_gets_the_decision(office_app, office):
    app = office_app("wujin", SMS_GATEWAY=f"{__name__}:RecordingGateway")
    application = OfficeApplicant(app).stored(unit="hutang")
    office(app, "hutang").decide(application, "reject", reason="名额已满")
    drain(app)
    assert RecordingGateway.sent[-1][0] == "13800138000"
    assert "未通过审核" in RecordingGateway.sent[-1][1]
