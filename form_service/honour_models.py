"""Storage of honour nominations made in the office pages (migration 0010).

- ``honour_nominations``: an office's nomination of a person for an honour and year, with
  the deeds the notice prints, the person's consent to be named and pictured (date and how
  it was given), the public-notice window (公示: first and last day) and how to object, and
  the volunteer record it was picked from (``record_id``, migration 0012; None when typed
  by hand), whose recorded stars, points and hours the honour roll shows. The
  status is not stored: it follows from the dates and the day (``pingan.honours``), so a
  nomination is under notice between its dates and awarded after them without anyone
  touching it. Withdrawing sets ``withdrawn_at`` with the reason and who did it; a withdrawn
  nomination never reaches the site. Every change is audited (``audit_events``).
"""

from __future__ import annotations

import datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class HonourNomination(Base):
    """One nomination (提名) for an honour, its consent and its public notice."""

    __tablename__ = "honour_nominations"
    __table_args__ = (
        Index("ix_honour_nominations_deployment_unit", "deployment", "unit"),
        Index("ix_honour_nominations_key", "deployment", "name", "honour", "year"),
        Index("ix_honour_nominations_record", "record_id"),
        CheckConstraint("notice_starts <= notice_ends", name="ck_honour_nominations_notice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50))
    honour: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    deeds: Mapped[str] = mapped_column(Text)
    consent_date: Mapped[datetime.date] = mapped_column(Date)
    consent_method: Mapped[str] = mapped_column(String(16))
    notice_starts: Mapped[datetime.date] = mapped_column(Date)
    notice_ends: Mapped[datetime.date] = mapped_column(Date)
    objections: Mapped[str] = mapped_column(String(300))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_records.id", ondelete="SET NULL")
    )
    nominated_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
