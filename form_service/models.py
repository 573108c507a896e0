"""Storage of applications, their stage history and API idempotency keys.

What is stored in clear and why (see docs in ``crypto.py`` for the keys):

- ``id_encrypted`` / ``mobile_encrypted`` / ``sensitive_encrypted``: every field the
  catalogue marks ``sensitive`` is encrypted; ID and mobile get their own columns because
  exports and notifications read them, the rest (health, an entered birth date) share one.
- ``id_hmac``: the keyed hash that the UNIQUE constraint and look-ups use.
- ``id_last4``: the status page checks it against the reference number.
- ``sex`` and ``birth_month`` (``YYYY-MM``): lists and rosters show sex and age without
  decrypting. The day of birth is left out on purpose: area code, full birth date and the
  last four characters together *are* the ID number, so no masked ID (which shows the area
  code) is stored either; it is computed from the decrypted number when shown.

``scope`` is what the scheme's double-registration rule says one person may hold one open
application in: ``campaign:<id>``, or ``deployment:<id>`` where the campaign refuses people
already registered elsewhere in the deployment. A unique index on ``(scope, id_hmac)`` over
the open applications (pending or registered: not rejected, not withdrawn) makes the
database, not the code, decide between two concurrent submissions of one ID number, and
lets a rejected or withdrawn applicant apply again (a new row; the old one stays).

Tables for the offices' work (accounts, audit log) arrive with their own migration; stage
changes already go to ``stage_events`` (who, when, why), which the status page reads.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pingan.review import CLOSED_STAGES

#: The rows the one-open-application-per-person index covers (stage ids are plain names).
OPEN_STAGES = text(
    "stage NOT IN ({})".format(", ".join(f"'{stage}'" for stage in sorted(CLOSED_STAGES)))
)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(DeclarativeBase):
    pass


class Application(Base):
    """One person's application to one campaign, from submission to registration."""

    __tablename__ = "applications"
    __table_args__ = (
        Index(
            "uq_applications_open_scope_id_hmac",
            "scope",
            "id_hmac",
            unique=True,
            sqlite_where=OPEN_STAGES,
            postgresql_where=OPEN_STAGES,
        ),
        UniqueConstraint("deployment", "volunteer_number", name="uq_applications_volunteer_number"),
        Index("ix_applications_campaign_unit_stage", "campaign", "unit", "stage"),
        Index("ix_applications_id_hmac", "id_hmac"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    deployment: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    #: Its own column (not in ``answers``): the office list shows and filters by it.
    service_type: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32), default="submitted")
    scope: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(60), index=True)
    id_type: Mapped[str] = mapped_column(String(32), default="resident_id")
    id_hmac: Mapped[str] = mapped_column(String(64))
    id_encrypted: Mapped[str] = mapped_column(Text)
    id_last4: Mapped[str] = mapped_column(String(4))
    sex: Mapped[str | None] = mapped_column(String(2))
    birth_month: Mapped[str | None] = mapped_column(String(7))
    mobile_encrypted: Mapped[str | None] = mapped_column(Text)
    sensitive_encrypted: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    declarations: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    notice_version: Mapped[str] = mapped_column(String(80))
    via: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(16))  # form | api | import
    volunteer_number: Mapped[str | None] = mapped_column(String(40))
    submitted_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    events: Mapped[list[StageEvent]] = relationship(
        back_populates="application", order_by="StageEvent.id"
    )


class StageEvent(Base):
    """A change of stage: who made it, when, and the reason the applicant is shown."""

    __tablename__ = "stage_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))  # "applicant" or "user:<id>"
    unit: Mapped[str | None] = mapped_column(String(64))  # the acting office's unit
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class IdempotencyKey(Base):
    """The first result of an API request sent with an ``Idempotency-Key`` header."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("campaign", "key", name="uq_idempotency_campaign_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(100))
    request_hmac: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
