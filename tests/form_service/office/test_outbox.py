"""The outbox: messages are stored with their decision and survive the process that made it.

A real SMTP server (aiosmtpd on 127.0.0.1) receives the e-mail; each test runs on SQLite
and PostgreSQL. "The process dies after the commit" is an app whose sender never wakes;
"a restart" is a new app over the same database.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import logging
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from offices import OfficeApplicant, audit_actions, get_db_of, stage_of
from sqlalchemy import inspect, select, update

from form_service.migrate import downgrade, upgrade
from form_service.models import utcnow
from form_service.office import letters
from form_service.office.notify import Notifier, SmtpSettings
from form_service.office_models import OutboxMessage


class Inbox:
    """An SMTP server on a fixed port, started when the test says so."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[email.message.EmailMessage] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def settings(self) -> SmtpSettings:
        return SmtpSettings("127.0.0.1", self.port, None, None, "noreply@pingan.example", False)


@pytest.fixture
def mail_server():
    """A server that is down until ``start()``: a refused connection, then a working one.

    Tests list it before ``office_app``, so that it stops after the apps' senders have.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox(port)
    yield inbox
    if inbox.controller is not None:
        inbox.controller.stop()


@pytest.fixture
def inbox(mail_server):
    mail_server.start()
    return mail_server


def rows(app, application_id: int | None = None) -> list[OutboxMessage]:
    with get_db_of(app).sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if application_id is not None:
            query = query.where(OutboxMessage.application_id == application_id)
        return list(session.scalars(query))


def eventually(check, timeout: float = 10.0):
    """Wait for the background sender: *check()* becomes true, or the test fails."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the background sender did not get there in time"
        time.sleep(0.05)


def make_due(app) -> None:
    """As if the retry delay had passed."""
    past = utcnow() - datetime.timedelta(seconds=1)
    with get_db_of(app).write() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.state == "pending").values(next_try_at=past)
        )


@pytest.fixture
def asleep(monkeypatch):
    """Apps built inside ``with asleep():`` never send: their process 'dies' after commits."""

    class Asleep:
        def __enter__(self):
            monkeypatch.setattr(Notifier, "wake", lambda self: None)

        def __exit__(self, *exc):
            monkeypatch.undo()

    return Asleep()


def test_a_decision_writes_its_messages_in_its_own_transaction(inbox, office_app, office):
    app = office_app("wujin", SMTP=inbox.settings())
    application = OfficeApplicant(app).stored(unit="hutang", email="li@example.com")
    [confirmation] = rows(app, application.id)
    assert (confirmation.channel, confirmation.recipient) == ("email", "li@example.com")
    assert confirmation.subject.startswith("报名已受理")

    response = office(app, "hutang").decide(application, "reject", reason="名额已满")
    assert response.status_code == 303
    decision = rows(app, application.id)[1:]
    assert [(row.channel, row.subject) for row in decision] == [
        ("email", "报名审核结果：" + confirmation.subject.split("：", 1)[1]),
        ("sms", None),
    ]
    assert "名额已满" in decision[0].body
    # The mobile number is stored as the application stores it: encrypted.
    assert decision[1].recipient == application.mobile_encrypted
    assert "13800138000" not in decision[1].recipient


def test_a_rolled_back_decision_writes_no_message(inbox, office_app, office, monkeypatch):
    app = office_app("wujin", SMTP=inbox.settings())
    application = OfficeApplicant(app).stored(unit="hutang", email="li@example.com")
    account = office(app, "hutang")
    before = stage_of(app, application.id)

    def broken(*_args):
        raise RuntimeError("the decision fails after its e-mail was written")

    monkeypatch.setattr(letters, "sms_decision", broken)
    with pytest.raises(RuntimeError):
        account.decide(application, "reject", reason="名额已满")
    assert [row.subject[:6] for row in rows(app, application.id)] == ["报名已受理："]
    assert stage_of(app, application.id) == before
    assert "stage_change" not in audit_actions(app)


def test_an_application_refused_as_a_duplicate_writes_no_confirmation(inbox, office_app):
    app = office_app("wujin", SMTP=inbox.settings())
    applicant = OfficeApplicant(app)
    id_number = applicant.next_id()
    applicant.stored(unit="hutang", email="li@example.com", id_number=id_number)
    again = applicant.submit(unit="hutang", email="li@example.com", id_number=id_number)
    assert again.status_code != 303
    assert len(rows(app)) == 1


def test_an_app_started_over_unsent_messages_sends_them_once(inbox, office_app, office, asleep):
    with asleep:  # this process stops right after its commits (and runs no queued task)
        before = office_app("wujin", SMTP=inbox.settings(), QUEUE_INLINE=False)
        application = OfficeApplicant(before).stored(unit="hutang", email="li@example.com")
        office(before, "hutang").decide(application, "reject", reason="名额已满")
        time.sleep(0.2)
    assert inbox.messages == []
    assert {row.state for row in rows(before)} == {"pending"}

    # The restart: its start-up drain sends them (a hiccup of the test server is retried).
    office_app("wujin", SMTP=inbox.settings(), OUTBOX_RETRY_SECONDS=1)
    eventually(lambda: len(inbox.messages) == 2)
    assert [message["Subject"][:6] for message in inbox.messages] == [
        "报名已受理：",
        "报名审核结果",
    ]
    eventually(lambda: {row.state for row in rows(before)} == {"sent"})

    again = office_app("wujin", SMTP=inbox.settings())  # another restart sends nothing again
    assert again.extensions["pingan_notifier"].drain() == 0
    time.sleep(0.2)
    assert len(inbox.messages) == 2


def test_a_failed_send_is_tried_again_later_and_not_lost(mail_server, office_app, caplog):
    # No background runner: it could send the due message before drain() counts it.
    app = office_app("wujin", SMTP=mail_server.settings(), QUEUE_INLINE=False)
    notifier = app.extensions["pingan_notifier"]
    with caplog.at_level(logging.WARNING):
        OfficeApplicant(app).stored(unit="hutang", email="wang@example.com")
        notifier.drain()
    [row] = rows(app)
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "ConnectionRefusedError")
    due_in = row.next_try_at.replace(tzinfo=datetime.UTC) - utcnow()
    assert datetime.timedelta(seconds=50) < due_in <= datetime.timedelta(seconds=60)
    assert "notification not sent: ConnectionRefusedError" in caplog.text
    assert "wang@example.com" not in caplog.text
    assert notifier.drain() == 0  # not due yet

    mail_server.start()
    make_due(app)
    assert notifier.drain() == 1
    [message] = mail_server.messages
    assert message["To"] == "wang@example.com"
    [row] = rows(app)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


def test_the_background_sender_retries_by_itself(mail_server, office_app):
    app = office_app("wujin", SMTP=mail_server.settings(), OUTBOX_RETRY_SECONDS=1)
    OfficeApplicant(app).stored(unit="hutang", email="wang@example.com")
    eventually(lambda: rows(app)[0].attempts >= 1)  # the retry a second later may be next
    mail_server.start()
    eventually(lambda: len(mail_server.messages) == 1)
    eventually(lambda: rows(app)[0].state == "sent")


def test_after_the_last_attempt_a_message_is_marked_failed(mail_server, office_app, caplog):
    app = office_app(
        "wujin", SMTP=mail_server.settings(), OUTBOX_RETRY_SECONDS=0, OUTBOX_MAX_ATTEMPTS=3
    )
    with caplog.at_level(logging.WARNING):
        OfficeApplicant(app).stored(unit="hutang", email="wang@example.com")
        eventually(lambda: rows(app)[0].state == "failed")
    [row] = rows(app)
    assert (row.attempts, row.last_error) == (3, "ConnectionRefusedError")
    assert "attempt 3 of 3, given up" in caplog.text
    mail_server.start()
    assert app.extensions["pingan_notifier"].drain() == 0  # left for an operator


def test_two_processes_draining_at_once_send_each_message_once(inbox, office_app, asleep):
    with asleep:
        first = office_app("wujin", SMTP=inbox.settings())
        second = office_app("wujin", SMTP=inbox.settings())
        applicant = OfficeApplicant(first)
        for number in range(6):
            applicant.stored(unit="hutang", email=f"a{number}@example.com")
    senders = [
        threading.Thread(target=app.extensions["pingan_notifier"].drain) for app in (first, second)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(message["To"] for message in inbox.messages) == [
        f"a{number}@example.com" for number in range(6)
    ]
    assert {(row.state, row.attempts) for row in rows(first)} == {("sent", 1)}


def test_a_retried_e_mail_keeps_its_message_id(mail_server, office_app):
    app = office_app("wujin", SMTP=mail_server.settings())
    notifier = app.extensions["pingan_notifier"]
    OfficeApplicant(app).stored(unit="hutang", email="wang@example.com")
    notifier.drain()
    mail_server.start()
    make_due(app)
    notifier.drain()
    with get_db_of(app).write() as session:  # as if the "sent" mark had been lost
        session.execute(update(OutboxMessage).values(state="pending", next_try_at=utcnow()))
    notifier.drain()
    first, second = mail_server.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith(f"<outbox.{rows(app)[0].id}.")


def test_0006_adds_the_outbox_and_its_downgrade_removes_it(office_app):
    engine = get_db_of(office_app("wujin")).engine
    assert "outbox" in inspect(engine).get_table_names()
    downgrade(engine, "0005")
    assert "outbox" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert {index["name"] for index in inspect(engine).get_indexes("outbox")} == {
        "ix_outbox_state_next_try_at"
    }


def test_letters_go_to_the_field_the_form_finds_by_kind(inbox, office_app, office):
    """The confirmation and the decision go to the answer of the field ``letter_field``
    names (from the kinds), not to whatever answer is called 'email'."""
    app = office_app("wujin", SMTP=inbox.settings())
    form = app.extensions["pingan_forms"]["wujin-2026"]
    assert form.letter_field == "email"
    form.__dict__["letter_field"] = "registration_address"  # as if that field were the e-mail kind
    application = OfficeApplicant(app).stored(
        unit="hutang", email="wang@example.com", registration_address="li@example.com"
    )
    office(app, "hutang").decide(application, "reject", reason="名额已满")
    recipients = [row.recipient for row in rows(app, application.id) if row.channel == "email"]
    assert recipients == ["li@example.com", "li@example.com"]
