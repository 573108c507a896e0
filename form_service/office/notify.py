"""Telling applicants: an e-mail on receipt and on the decision; SMS through a gateway.

E-mail goes out only to an applicant who gave an address, and only when SMTP is
configured (``PINGAN_SMTP_HOST`` and friends, see ``form_service/config.py``); without it the
service works the same and sends nothing. Messages are queued *after* the transaction
that stored the application or the decision has committed, and sent by one background
thread, so a slow or broken mail server never delays a response or loses an application;
a failure is logged with the error's type only (no address, no name).

SMS: ``SmsGateway`` is the interface a deployment implements for its provider (configure
``SMS_GATEWAY = "package.module:factory"``, called with the app's config). The default
gateway sends nothing and logs that a message was due: SMS is off unless configured.
"""

from __future__ import annotations

import importlib
import logging
import queue
import smtplib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, Protocol

log = logging.getLogger(__name__)


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
class Email:
    to: str
    subject: str
    body: str


class Notifier:
    """Queues e-mails and text messages and sends them from one background thread."""

    def __init__(self, smtp: SmtpSettings | None, sms: SmsGateway, sender_name: str):
        self.smtp = smtp
        self.sms = sms
        self.sender_name = sender_name
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def email(self, to: str | None, subject: str, body: str) -> None:
        if self.smtp is None or not to:
            return
        self._put(("email", Email(to, subject, body)))

    def text(self, mobile: str | None, text: str) -> None:
        if mobile:
            self._put(("sms", mobile, text))

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far has been handled (tests, shutdown)."""
        done = threading.Event()
        self._put(("mark", done))
        done.wait(timeout)

    def _put(self, item: tuple) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="pingan-notifier", daemon=True
                )
                self._thread.start()
        self._queue.put(item)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item[0] == "email":
                    self._send_email(item[1])
                elif item[0] == "sms":
                    self.sms.send(item[1], item[2])
                elif item[0] == "mark":
                    item[1].set()
            except Exception as error:  # never let one message stop the others
                log.warning("notification not sent: %s", type(error).__name__)
            finally:
                self._queue.task_done()

    def _send_email(self, email: Email) -> None:
        smtp = self.smtp
        assert smtp is not None
        message = EmailMessage()
        message["From"] = formataddr((self.sender_name, smtp.sender))
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
        message.set_content(email.body)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
        log.info("e-mail sent: %s", email.subject.split("：")[0])
