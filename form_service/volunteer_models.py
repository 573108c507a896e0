"""Storage of what follows registration: volunteers' records, activities, sign-ups,
attendance and awards (migration 0008). The rules they follow are the deployment's
records.yaml (``pingan.volunteer_rules``); ``form_service/volunteers.py`` changes them.

- ``volunteer_records``: one per person and deployment (志愿者档案), found through the
  application's keyed ID hash (``id_hmac``, never the number); the volunteer number of the
  first registration, the unit the volunteer serves in, the role (None: the scheme's
  default role), skills, and totals kept in the transaction of every change that moves
  them: recorded minutes, points, attended activities and trainings, the star rating and
  where it comes from (``hours`` or ``awarded``). ``id_last4`` and ``name`` are copied
  from the application for the look-up and the record page; ``failed_lookups`` and
  ``lookup_locked_until`` hold the lock after repeated wrong look-ups of one number.
- ``volunteer_unit_totals``: per unit, registered volunteers placed there, and minutes,
  points and attendances recorded at its activities, kept like the record's totals.
- ``activities``: what an office publishes for its unit (kind ``activity`` or
  ``training``); ``places_taken`` is the counter a sign-up claims with one conditional
  UPDATE, so places are never overbooked; ``minutes`` pre-fills attendance.
- ``activity_signups``: one row per activity and volunteer (cancelling keeps the row).
- ``attendances``: one row per activity and volunteer, with the minutes and the points
  they earned at recording (a later rule change does not rewrite history); who recorded
  it. Corrections change the row and are audited (``audit_events``) with before and after.
- ``point_awards`` and ``star_awards``: fixed points for a named event, and an office's
  star rating (who, which office, when, why).
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

# How pages name the kinds and who may sign up: pingan's, so the site says the same.
from pingan.activities import KINDS as KINDS
from pingan.activities import OPEN_TO as OPEN_TO

from .models import Base, utcnow

ACTIVITY = "activity"
TRAINING = "training"
STATES = {"draft": "未发布", "published": "已发布", "cancelled": "已取消"}


class VolunteerRecord(Base):
    """A registered volunteer's record (志愿者档案) in one deployment."""

    __tablename__ = "volunteer_records"
    __table_args__ = (
        UniqueConstraint("deployment", "id_hmac", name="uq_volunteer_records_id_hmac"),
        UniqueConstraint("deployment", "volunteer_number", name="uq_volunteer_records_number"),
        Index("ix_volunteer_records_deployment_unit", "deployment", "unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64))
    id_hmac: Mapped[str] = mapped_column(String(64))
    volunteer_number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    id_last4: Mapped[str] = mapped_column(String(4))
    unit: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    activities: Mapped[int] = mapped_column(Integer, default=0)
    trainings: Mapped[int] = mapped_column(Integer, default=0)
    stars: Mapped[int] = mapped_column(Integer, default=0)
    star_source: Mapped[str | None] = mapped_column(String(16))
    first_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    failed_lookups: Mapped[int] = mapped_column(Integer, default=0)
    lookup_locked_until: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class UnitTotals(Base):
    """A unit's volunteers, and the minutes and points recorded at its activities."""

    __tablename__ = "volunteer_unit_totals"

    deployment: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    attendances: Mapped[int] = mapped_column(Integer, default=0)


class Activity(Base):
    """An activity or a training session of one unit, with its places."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("places_taken <= places", name="ck_activities_places"),
        Index("ix_activities_deployment_unit_starts", "deployment", "unit", "starts_at"),
        Index("ix_activities_deployment_state_starts", "deployment", "state", "starts_at"),
        # The minimum and training reports (migration 0014).
        Index(
            "ix_activities_unit_kind_state_starts",
            "deployment",
            "unit",
            "kind",
            "state",
            "starts_at",
        ),
        Index(
            "ix_activities_open_to_kind_state_starts",
            "deployment",
            "open_to",
            "kind",
            "state",
            "starts_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=ACTIVITY)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    service_type: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(Integer)
    places: Mapped[int] = mapped_column(Integer)
    places_taken: Mapped[int] = mapped_column(Integer, default=0)
    requirements: Mapped[str] = mapped_column(Text, default="")
    open_to: Mapped[str] = mapped_column(String(16), default="unit")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    #: Made up for a demonstration (``make demo``); pages show it with the 示例 badge.
    example: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def places_left(self) -> int:
        return max(self.places - self.places_taken, 0)


class SignUp(Base):
    """A volunteer's claim of a place (认领); cancelling keeps the row."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "record_id", name="uq_activity_signups_volunteer"),
        Index("ix_activity_signups_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("volunteer_records.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class Attendance(Base):
    """A volunteer's recorded presence at an activity, with minutes and points earned."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("activity_id", "record_id", name="uq_attendances_volunteer"),
        Index("ix_attendances_record", "record_id"),
        Index("ix_attendances_deployment_unit_recorded", "deployment", "unit", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("volunteer_records.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(64))  # the activity's unit
    kind: Mapped[str] = mapped_column(String(16))
    service_type: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class PointAward(Base):
    """Fixed points for a named event (一案一奖, an honour), by an office."""

    __tablename__ = "point_awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_records.id", ondelete="CASCADE"), index=True
    )
    award: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(64))  # the awarding office
    awarded_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    awarded_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StarAward(Base):
    """An office's star rating of a volunteer: who, which office, when and why."""

    __tablename__ = "star_awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_records.id", ondelete="CASCADE"), index=True
    )
    stars: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(64))
    awarded_by: Mapped[int | None] = mapped_column(
        ForeignKey("office_users.id", ondelete="SET NULL")
    )
    awarded_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
