"""The rules of a deployment's volunteer records (records.yaml), as one model.

Roles (骨干…), the service types of activities with their point coefficients, the points
rule (``pingan.points``), the star rule (``pingan.stars``), training offered per role and
the activity minimums per unit level. Plain data and functions: the form service stores
records with them, the site shows them, ``pingan check`` checks the file.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .points import PointsRule, attendance_points, award_points
from .stars import StarRule, star_rating

#: Periods of a minimum or a training rule, as reports name them.
PERIOD_NAMES = {"month": "每月", "quarter": "每季度", "year": "每年"}


@dataclass(frozen=True)
class Minimum:
    """At least *activities* activities per *per* for each unit of *level* (between dates)."""

    level: str
    activities: int
    per: str
    starts: datetime.date | None = None
    ends: datetime.date | None = None
    example: bool = False
    text: str = ""

    def applies(self, day: datetime.date) -> bool:
        return (self.starts is None or self.starts <= day) and (
            self.ends is None or day <= self.ends
        )

    @property
    def label(self) -> str:
        """``每月不少于 2 次``."""
        return f"{PERIOD_NAMES[self.per]}不少于 {self.activities} 次"


@dataclass(frozen=True)
class TrainingOffer:
    """Training sessions the organiser offers volunteers of one role per period."""

    role: str
    at_least: int
    at_most: int | None = None

    @property
    def label(self) -> str:
        if self.at_most and self.at_most != self.at_least:
            return f"{self.at_least}–{self.at_most} 次"
        return f"{self.at_least} 次"


@dataclass(frozen=True)
class TrainingRule:
    per: str
    offers: Mapping[str, TrainingOffer]
    attended_at_least: int = 0
    example: bool = False
    text: str = ""


@dataclass(frozen=True)
class RecordRules:
    """Everything records.yaml says, ready to use."""

    roles: Mapping[str, str]
    default_role: str
    service_types: Mapping[str, str]
    points: PointsRule
    stars: StarRule
    training: TrainingRule | None = None
    minimums: tuple[Minimum, ...] = field(default_factory=tuple)
    #: The demo's example activity (records.yaml ``example_activity``), as written.
    example_activity: Mapping[str, Any] | None = None


def record_rules(doc: Mapping[str, Any]) -> RecordRules:
    """The model of a checked records.yaml document."""
    roles = {role["id"]: role["name"] for role in doc["roles"]}
    default_role = next(
        (role["id"] for role in doc["roles"] if role.get("default")), doc["roles"][-1]["id"]
    )
    training = None
    if "training" in doc:
        spec = doc["training"]
        training = TrainingRule(
            per=spec["per"],
            offers={
                offer["role"]: TrainingOffer(offer["role"], offer["at_least"], offer.get("at_most"))
                for offer in spec["offered"]
            },
            attended_at_least=spec.get("attended_at_least", 0),
            example=spec.get("example", False),
            text=spec.get("text", ""),
        )
    minimums = tuple(
        Minimum(
            level=item["level"],
            activities=item["activities"],
            per=item["per"],
            starts=_date(item.get("from")),
            ends=_date(item.get("until")),
            example=item.get("example", False),
            text=item.get("text", ""),
        )
        for item in doc.get("minimums", [])
    )
    return RecordRules(
        roles=roles,
        default_role=default_role,
        service_types={item["id"]: item["name"] for item in doc["service_types"]},
        points=PointsRule.from_data(doc["points"], doc["service_types"]),
        stars=StarRule.from_data(doc["stars"]),
        training=training,
        minimums=minimums,
        example_activity=doc.get("example_activity"),
    )


def minimum_for(rules: RecordRules, level: str, day: datetime.date) -> Minimum | None:
    """The minimum that holds for units of *level* on *day* (None: the scheme sets none)."""
    return next((m for m in rules.minimums if m.level == level and m.applies(day)), None)


def period_of(per: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month, quarter or year that holds *day*."""
    if per == "year":
        return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)
    first_month = day.month if per == "month" else 3 * ((day.month - 1) // 3) + 1
    months = 1 if per == "month" else 3
    start = datetime.date(day.year, first_month, 1)
    after = _add_months(start, months)
    return start, after - datetime.timedelta(days=1)


def training_shortfalls(rule: TrainingRule, role: str, offered: int, attended: int) -> list[str]:
    """What falls short of the training rule for a volunteer of *role* in one period."""
    found = []
    offer = rule.offers.get(role)
    if offer and offered < offer.at_least:
        found.append(f"提供培训 {offered} 次，少于规定的 {offer.label}")
    if attended < rule.attended_at_least:
        found.append(f"参加培训 {attended} 次，少于规定的 {rule.attended_at_least} 次")
    return found


@dataclass(frozen=True)
class Totals:
    """A record's totals: recorded minutes, points, activities and trainings, star."""

    minutes: int
    points: int
    activities: int
    trainings: int
    stars: int
    star_source: str | None


def totals_from_history(
    rules: RecordRules,
    attendances: Iterable[tuple[str, str, int]],
    awards: Iterable[str] = (),
    awarded_stars: int | None = None,
) -> Totals:
    """Totals of a recorded history from scratch: the reference the stored totals match.

    *attendances* are (kind, service type, minutes), kind ``activity`` or ``training``
    (training is attended, not service: it counts as a training, without hours or points).
    """
    minutes = points = activities = trainings = 0
    for kind, service_type, spent in attendances:
        if kind == "training":
            trainings += 1
            continue
        activities += 1
        minutes += spent
        points += attendance_points(rules.points, service_type, spent)
    points += sum(award_points(rules.points, award) for award in awards)
    stars, source = star_rating(rules.stars, minutes, awarded_stars)
    return Totals(minutes, points, activities, trainings, stars, source)


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)
