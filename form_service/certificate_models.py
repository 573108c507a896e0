"""Storage of certificates of service record (志愿服务记录证明, migration 0011).

- ``service_certificates``: one row per certificate an office issues for a volunteer's
  record, holding the figures as issued (name, volunteer number, recorded minutes, the
  number of activities attended, the period they cover), the issuing unit, who issued it
  and when, and the verification code printed on it. The public ``/verify`` page finds a
  certificate by its code and shows the figures as issued, so a later correction of the
  record does not change what a printed certificate says; the row outlives the record
  (``record_id`` is set to NULL if the record is deleted).
"""

from __future__ import annotations

import datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class ServiceCertificate(Base):
    """A certificate of service record as issued, found by its verification code."""

    __tablename__ = "service_certificates"
    __table_args__ = (
        UniqueConstraint("deployment", "code", name="uq_service_certificates_code"),
        Index("ix_service_certificates_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_records.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(60))
    volunteer_number: Mapped[str] = mapped_column(String(40))
    volunteer_unit: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))  # the issuing office
    minutes: Mapped[int] = mapped_column(Integer)
    activities: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime.date] = mapped_column(Date)
    period_end: Mapped[datetime.date] = mapped_column(Date)
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
