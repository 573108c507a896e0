"""Storage of the offices' work: accounts, sessions, log-in attempts, audit log, exports.

They share ``Base`` with the applications (one metadata, one alembic history) and arrive
with migration 0002. What each table is for:

- ``office_users``: one account per person, attached to one unit; it sees that unit and
  every unit below it. ``role`` is ``reviewer`` or ``administrator``; the password is an
  argon2id hash (argon2-cffi), never the password.
- ``office_sessions``: server-side log-in sessions. The browser's signed Flask cookie
  holds only a random token; the table holds its SHA-256, so a copy of the database does
  not give working sessions, and setting ``revoked_at`` logs a session out everywhere.
- ``login_attempts``: every try, kept for the lock-out rule (``office/auth.py``).
- ``audit_events``: who did what to which application (or unit), when, from which IP.
  ``unit`` is the unit whose data was touched, so administrators see the events of their
  own units only.
- ``export_jobs``: large exports built in the background; ``cache_key`` lets an identical
  request reuse a finished file until the data changes.
- ``volunteer_counters``: the last sequence number given out per scheme and year, bumped
  in the registering transaction so two offices never hand out the same number.
- ``outbox``: e-mails and text messages to applicants, written in the transaction of the
  decision (or application) that causes them and sent afterwards by ``office/notify.py``;
  a message is never lost with a process, and is marked sent once delivered (migration
  0006).

Two indexes on ``applications`` serve the office list (``office/listing.py``), newest
first by ``(submitted_at, id)``: one for a list of the whole tree (no unit condition, the
walk stops after a page), one for a set of units. They arrive with migration 0003.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Application, Base, utcnow


class User(Base):
    """An office account."""

    __tablename__ = "office_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    @property
    def is_administrator(self) -> bool:
        return self.role == "administrator"


class OfficeSession(Base):
    """A logged-in browser; the cookie holds the token, this row holds its hash."""

    __tablename__ = "office_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("office_users.id", ondelete="CASCADE"), index=True
    )
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """One try to log in, successful or not (the lock-out counts the failures)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """One read of personal data, export, stage change or account event."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_unit_at", "unit", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str] = mapped_column(String(80))  # username, or "command line (<login>)"
    action: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str | None] = mapped_column(String(64))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


class ExportJob(Base):
    """A data package built in the background, with its progress and its file."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("office_users.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class VolunteerCounter(Base):
    """The last volunteer sequence number used for one scheme's number pattern and year."""

    __tablename__ = "volunteer_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """One e-mail or text message to an applicant, from its decision until it is sent.

    ``state`` is ``pending`` until the sender delivers it (``sent``) or gives up after the
    last attempt (``failed``, with ``last_error``, for an operator). A pending row is due
    at ``next_try_at``; a sender claims it by moving that time past the send (a lease), so
    a process that dies mid-send leaves it due again later. ``recipient`` is the e-mail
    address, or for SMS the mobile number as the application stores it, encrypted.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next_try_at", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(120))

    application: Mapped[Application | None] = relationship()


#: The office list of a whole deployment: ``deployment = ?`` in ``(submitted_at, id)`` order.
Index(
    "ix_applications_deployment_submitted",
    Application.deployment,
    Application.submitted_at,
    Application.id,
)
#: The office list of a set of units: ``deployment = ? AND unit IN (...)``, then by time.
Index(
    "ix_applications_deployment_unit_submitted",
    Application.deployment,
    Application.unit,
    Application.submitted_at,
    Application.id,
)
