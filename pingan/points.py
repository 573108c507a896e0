"""Points of a volunteer's record, by the scheme's rule in its records.yaml.

An attendance earns ``hours × per_hour × coefficient`` of the activity's service type,
rounded half up to a whole point *per attendance*: the points an attendance earned are
stored with it, so a total is a sum of whole numbers, exact whatever the order of
additions and corrections, and a later change of the rule does not rewrite history.
A named event (the county alliance's 一案一奖 for a reported case, an honour) adds its
fixed award. Hours are kept in minutes for the same reason (exact sums).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MINUTES_PER_HOUR = 60


class UnknownServiceType(ValueError):
    """The activity's service type is not in the scheme's records.yaml."""

    def __init__(self, service_type: str):
        super().__init__(f"服务类型“{service_type}”不在本方案的 records.yaml 中")
        self.service_type = service_type


class UnknownAward(ValueError):
    """The award is not in the scheme's records.yaml."""

    def __init__(self, award: str):
        super().__init__(f"奖励“{award}”不在本方案的 records.yaml 中")
        self.award = award


@dataclass(frozen=True)
class Award:
    """Fixed points for a named event."""

    id: str
    name: str
    points: int
    example: bool = False


@dataclass(frozen=True)
class PointsRule:
    """hours × per_hour × coefficient per service type, plus fixed awards."""

    per_hour: Decimal
    coefficients: Mapping[str, Decimal]
    awards: Mapping[str, Award]
    example: bool = False
    text: str = ""

    @classmethod
    def from_data(cls, points: Mapping[str, Any], service_types: Iterable[Mapping[str, Any]]):
        """The rule from records.yaml's ``points`` and ``service_types`` (already checked)."""
        return cls(
            per_hour=_decimal(points["per_hour"]),
            coefficients={item["id"]: _decimal(item["coefficient"]) for item in service_types},
            awards={
                item["id"]: Award(
                    item["id"], item["name"], item["points"], item.get("example", False)
                )
                for item in points.get("awards", [])
            },
            example=points.get("example", False),
            text=points.get("text", ""),
        )


def attendance_points(rule: PointsRule, service_type: str, minutes: int) -> int:
    """Whole points one attendance of *minutes* at an activity of *service_type* earns."""
    if service_type not in rule.coefficients:
        raise UnknownServiceType(service_type)
    if minutes < 0:
        raise ValueError("时长不能为负数")
    raw = Decimal(minutes) / MINUTES_PER_HOUR * rule.per_hour * rule.coefficients[service_type]
    return int(raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def award_points(rule: PointsRule, award: str) -> int:
    """The fixed points of the named event *award*."""
    if award not in rule.awards:
        raise UnknownAward(award)
    return rule.awards[award].points


def hours_text(minutes: int) -> str:
    """Minutes as hours the way records show them: ``2.5``, ``12``."""
    hours = (Decimal(minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{hours.normalize():f}"


def minutes_from_hours(hours: Decimal | float | int | str) -> int:
    """Hours as typed (``2.5``) in whole minutes, rounded half up."""
    value = Decimal(str(hours)) * MINUTES_PER_HOUR
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _decimal(number: float | int) -> Decimal:
    # YAML gives floats: go through their shortest text form so 1.2 stays 1.2.
    return Decimal(str(number))
