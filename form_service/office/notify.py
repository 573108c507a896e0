"""Telling applicants: an e-mail on receipt and on the decision; SMS through a gateway.

E-mail goes out only to an applicant who gave an address, and only when SMTP is
configured (``PINGAN_SMTP_HOST`` and friends, see ``form_service/config.py``); without it the
service works the same and sends nothing.

The outbox: every message is an ``OutboxMessage`` row, added by ``Notifier.email`` and
``Notifier.text`` to the session of the transaction that stores the application or the
decision, so it is committed with it or not at all, and a process that dies after the
commit loses nothing. After the commit the ``outbox`` task is queued (``form_service.queue``)
and a runner of any instance sends what is due: it claims a row (moving ``next_try_at`` a
lease ahead, so two runners never send one row at once), sends it, and marks it ``sent``
in a transaction of its own. A failure is logged with the error's type only (no address,
no name) and tried again after ``OUTBOX_RETRY_SECONDS``, doubling each time, until
``OUTBOX_MAX_ATTEMPTS`` marks it ``failed``: the task books one run of itself for the
next due time (at most ``OUTBOX_POLL_SECONDS`` ahead), and the queue's sweep looks at the
outbox too. Start-up queues a send when an earlier process left rows behind.

Delivery is at least once, not exactly once: a process that dies between the mail
server's acceptance and the ``sent`` mark leaves its claim to expire, and the message is
sent again. SMTP offers no way to make the send and the mark one step, and a lost
rejection (with the reason the applicant must put right) costs more than a second copy;
the copy carries the same ``Message-ID``, by which mail systems can recognise it.

SMS: ``SmsGateway`` is the interface a deployment implements for its provider (configure
``SMS_GATEWAY = "package.module:factory"``, called with the app's config). The default
gateway sends nothing and logs that a message was due: SMS is off unless configured. The
outbox keeps the mobile number encrypted as the application does (``pingan db
rotate-keys`` leaves outbox rows alone, so keep a retired key listed until the messages
written under it are sent).
"""

from __future__ import annotations

import datetime
import importlib
import logging
import smtplib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..applications import StoredRow
from ..crypto import PersonalDataCipher
from ..db import Database
from ..models import Application, utcnow
from ..office_models import OutboxMessage
from ..queue import TaskQueue

log = logging.getLogger(__name__)

#: The queue storage's key that marks one booked run of the ``outbox`` task.
SCHEDULED_KEY = "outbox-booked"

#: How long a claimed message is its sender's: far beyond the SMTP timeout, so only a
#: sender that died mid-send loses its claim (and the message is tried again).
LEASE = datetime.timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 15
#: The longest wait between two tries of one message, however many attempts are allowed.
MAX_RETRY_DELAY = datetime.timedelta(days=1)
#: ``session.info`` key: the notifier to wake once the session's transaction commits.
_WROTE = "pingan_outbox"


class SmsGateway(Protocol):
    """Sends one text message to a mainland mobile number."""

    def send(self, mobile: str, text: str) -> None: ...


class LoggingSmsGateway:
    """The default: SMS is off; log that a message was due, without number or text."""

    def send(self, mobile: str, text: str) -> None:
        log.info("SMS gateway not configured: one %d-character message not sent", len(text))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings | None:
    """The ``SMTP_*`` settings as one value; None (e-mail off) when no host is set."""
    if not config["SMTP_HOST"]:
        return None
    return SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        user=config["SMTP_USER"] or None,
        password=config["SMTP_PASSWORD"] or None,
        sender=config["SMTP_FROM"],
        starttls=config["SMTP_STARTTLS"],
    )


def load_sms_gateway(config: Mapping[str, Any]) -> SmsGateway:
    spec = config.get("SMS_GATEWAY")
    if not spec:
        return LoggingSmsGateway()
    if not isinstance(spec, str):
        return spec
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(config)


@dataclass(frozen=True)
class OutboxPolicy:
    """When to try again and when to give up (the ``OUTBOX_*`` settings)."""

    retry_seconds: int = 60
    max_attempts: int = 8
    poll_seconds: int = 30
    keep_days: int = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> OutboxPolicy:
        return cls(
            retry_seconds=config["OUTBOX_RETRY_SECONDS"],
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
            poll_seconds=config["OUTBOX_POLL_SECONDS"],
            keep_days=config["OUTBOX_KEEP_DAYS"],
        )

    def retry_delay(self, attempts: int) -> datetime.timedelta:
        """The wait after the *attempts*-th failed try."""
        seconds = self.retry_seconds * 2 ** min(attempts - 1, 32)
        return min(datetime.timedelta(seconds=seconds), MAX_RETRY_DELAY)


class Notifier:
    """Writes messages into the outbox with their decision; sends them in the background."""

    def __init__(
        self,
        database: Database,
        smtp: SmtpSettings | None,
        sms: SmsGateway,
        sender_name: str,
        cipher: PersonalDataCipher,
        policy: OutboxPolicy,
        queue: TaskQueue,
    ):
        self.database = database
        self.smtp = smtp
        self.sms = sms
        self.sender_name = sender_name
        self.cipher = cipher
        self.policy = policy
        self.queue = queue
        self._sending = threading.Lock()  # one sender per process at a time
        self._stopped = False
        queue.task("outbox", self._task)
        queue.sweeper(self._sweep)
        event.listen(database.engine, "engine_disposed", lambda _engine: self.stop())

    # --- writing, inside the caller's transaction

    def email(
        self,
        session: Session,
        to: str | None,
        subject: str,
        body: str,
        application: Application | None = None,
    ) -> None:
        """Add an e-mail to *session*'s transaction (nothing when e-mail is off)."""
        if self.smtp is None or not to:
            return
        self._add(session, "email", to, subject, body, application)

    def text(
        self,
        session: Session,
        mobile_encrypted: str | None,
        text: str,
        application: Application | None = None,
    ) -> None:
        """Add a text message to the mobile number stored encrypted as *mobile_encrypted*."""
        if mobile_encrypted:
            self._add(session, "sms", mobile_encrypted, None, text, application)

    def email_row(self, to: str, subject: str, body: str) -> StoredRow:
        """An e-mail as the outbox row ``applications.submit`` stores with an application
        (its ``application_id`` filled in there), the sender woken after the commit."""
        return StoredRow(
            OutboxMessage.__table__, _message_values("email", to, subject, body), self.wake
        )

    def _add(self, session, channel, recipient, subject, body, application) -> None:
        message = OutboxMessage(**_message_values(channel, recipient, subject, body))
        if application is not None and application.id is not None:
            # By id: an application stored by a Core insert is not in the session, and
            # the relationship would insert it a second time.
            message.application_id = application.id
        else:
            message.application = application
        session.add(message)
        session.info[_WROTE] = self

    # --- sending

    def start(self) -> None:
        """Queue a send of whatever an earlier process left in the outbox."""
        try:
            pending = self._seconds_to_next() is not None
        except SQLAlchemyError as error:  # no outbox table yet: `pingan db upgrade` comes next
            log.info("outbox not read at start-up: %s", type(error).__name__)
            return
        if pending:
            self.wake()

    def wake(self) -> None:
        """Queue the ``outbox`` task: a runner of any instance sends what is due."""
        if not self._stopped:
            self.queue.enqueue("outbox")

    def stop(self) -> None:
        """Queue nothing more from this process: its database is closing."""
        self._stopped = True

    def drain(self) -> int:
        """Send everything due now, in this thread, after any send in progress (tests)."""
        return self.send_due()

    def send_due(self) -> int:
        """Send each message due now once; return how many were tried."""
        tried: set[int] = set()
        with self._sending:
            while not self._stopped and (message := self._claim(tried)) is not None:
                tried.add(message.id)
                self._deliver(message)
        return len(tried)

    def _task(self, scheduled: bool = False) -> None:
        """The ``outbox`` task: send what is due, then book one run for the next due time.

        One booking at a time across every runner (a key in the queue's storage, taken
        with put-if-empty): without it each run would book another and the runs multiply.
        The sweep frees the key, so a booked run lost with its runner costs one sweep.
        """
        if scheduled:
            self.queue.huey.get(SCHEDULED_KEY)
        self.send_due()
        wait = self._seconds_to_next()
        if wait is not None and self.queue.huey.put_if_empty(SCHEDULED_KEY, "1"):
            delay = max(min(wait, self.policy.poll_seconds), 0.2)
            self.queue.enqueue("outbox", True, delay=delay)

    def _sweep(self) -> None:
        self.queue.huey.get(SCHEDULED_KEY)
        self._forget_old()
        if self._seconds_to_next() is not None:
            self.wake()

    def _channels(self) -> list[str]:
        return ["sms", "email"] if self.smtp is not None else ["sms"]

    def _claim(self, skip: set[int]) -> OutboxMessage | None:
        """Take the next due message for this sender: one attempt more, leased ahead."""
        now = utcnow()
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.state == "pending",
                OutboxMessage.next_try_at <= now,
                OutboxMessage.channel.in_(self._channels()),
                OutboxMessage.id.not_in(skip),
            )
            .order_by(OutboxMessage.next_try_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's writers take turns
        )
        with self.database.write() as session:
            message = session.scalars(query).first()
            if message is None:
                return None
            message.attempts += 1
            message.next_try_at = now + LEASE
        return message

    def _deliver(self, message: OutboxMessage) -> None:
        try:
            if message.channel == "email":
                self._send_email(message)
            else:
                self.sms.send(self.cipher.decrypt(message.recipient), message.body)
        except Exception as error:  # never let one message stop the others
            self._failed(message, error)
            return
        self._update(message.id, state="sent", sent_at=utcnow(), last_error=None)

    def _failed(self, message: OutboxMessage, error: Exception) -> None:
        reason = type(error).__name__[:120]
        if message.attempts >= self.policy.max_attempts:
            log.warning(
                "notification not sent: %s; attempt %d of %d, given up (outbox row %d)",
                reason,
                message.attempts,
                self.policy.max_attempts,
                message.id,
            )
            self._update(message.id, state="failed", last_error=reason)
            return
        delay = self.policy.retry_delay(message.attempts)
        log.warning(
            "notification not sent: %s; attempt %d of %d, next in %d s",
            reason,
            message.attempts,
            self.policy.max_attempts,
            delay.total_seconds(),
        )
        self._update(message.id, next_try_at=utcnow() + delay, last_error=reason)

    def _update(self, message_id: int, **values: Any) -> None:
        with self.database.write() as session:
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )

    def _seconds_to_next(self) -> float | None:
        """Seconds until the next pending message is due (0 if one is), None if none is."""
        with self.database.sessions() as session:
            earliest = session.scalar(
                select(func.min(OutboxMessage.next_try_at)).where(
                    OutboxMessage.state == "pending",
                    OutboxMessage.channel.in_(self._channels()),
                )
            )
        if earliest is None:
            return None
        if earliest.tzinfo is None:  # SQLite returns naive UTC
            earliest = earliest.replace(tzinfo=datetime.UTC)
        return max(0.0, (earliest - utcnow()).total_seconds())

    def _forget_old(self) -> None:
        """Delete messages sent more than ``OUTBOX_KEEP_DAYS`` ago (read first: a write
        transaction that deletes nothing would still take SQLite's write lock)."""
        cutoff = utcnow() - datetime.timedelta(days=self.policy.keep_days)
        old = (OutboxMessage.state == "sent") & (OutboxMessage.sent_at < cutoff)
        try:
            with self.database.sessions() as session:
                if session.scalar(select(OutboxMessage.id).where(old).limit(1)) is None:
                    return
            with self.database.write() as session:
                session.execute(delete(OutboxMessage).where(old))
        except SQLAlchemyError as error:
            log.warning("outbox not cleaned: %s", type(error).__name__)

    def _send_email(self, message: OutboxMessage) -> None:
        smtp = self.smtp
        assert smtp is not None
        email = EmailMessage()
        email["From"] = formataddr((self.sender_name, smtp.sender))
        email["To"] = message.recipient
        email["Subject"] = message.subject or ""
        email["Message-ID"] = _message_id(message, smtp.sender)
        email.set_content(message.body)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(email)
        log.info("e-mail sent: %s", (message.subject or "").split("：")[0])


def _message_id(message: OutboxMessage, sender: str) -> str:
    """The same for every try of one row, so a second copy can be recognised as one."""
    domain = sender.rpartition("@")[2] or "localhost"
    created = message.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{message.id}.{created}@{domain}>"


# --- waking the sender once a transaction that wrote to the outbox commits ------------------


def install_outbox_hook() -> None:
    """Wake the notifier after each commit that wrote a message (once per process)."""
    if not event.contains(Session, "after_commit", _wake_after_commit):
        event.listen(Session, "after_commit", _wake_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)


def _message_values(channel: str, recipient: str, subject: str | None, body: str) -> dict:
    """A new outbox message's columns: pending, due now."""
    now = utcnow()
    return {
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "state": "pending",
        "attempts": 0,
        "next_try_at": now,
        "created_at": now,
    }


def _wake_after_commit(session: Session) -> None:
    notifier = session.info.pop(_WROTE, None)
    if notifier is not None:
        notifier.wake()


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_WROTE, None)
