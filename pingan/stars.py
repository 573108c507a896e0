"""Star ratings (星级) of a volunteer's record, by the scheme's rule in its records.yaml.

Two kinds of rule. ``by: hours``: a volunteer holds *n* stars once their recorded hours
reach the *n*-th threshold; the default thresholds are those of the national volunteer
registration and service record rules (100, 300, 600, 1,000 and 1,500 hours for one to
five stars), and a scheme's data may give others (Beijing: 100/200/500/800/1,000).
``by: awarded``: an office awards the rating (the county alliance rates by performance,
根据工作绩效评选), recorded with who awarded it, when and why; hours and points are its
evidence, not its cause.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .points import MINUTES_PER_HOUR

DEFAULT_THRESHOLDS = (100, 300, 600, 1000, 1500)
BY_HOURS = "hours"
BY_AWARD = "awarded"
#: How a record's ``star_source`` reads.
SOURCE_NAMES = {BY_HOURS: "按服务时长", BY_AWARD: "评定"}


@dataclass(frozen=True)
class StarRule:
    """Either hour thresholds for 1…n stars, or awarded ratings from 1 to ``max``."""

    by: str
    thresholds: tuple[Decimal, ...] = ()
    max: int = 5
    example: bool = False
    text: str = ""

    @classmethod
    def from_data(cls, stars: Mapping[str, Any]) -> StarRule:
        """The rule from records.yaml's ``stars`` (already checked)."""
        if stars["by"] == BY_AWARD:
            return cls(
                BY_AWARD,
                (),
                stars.get("max", 5),
                stars.get("example", False),
                stars.get("text", ""),
            )
        thresholds = tuple(Decimal(str(t)) for t in stars.get("thresholds", DEFAULT_THRESHOLDS))
        return cls(
            BY_HOURS,
            thresholds,
            len(thresholds),
            stars.get("example", False),
            stars.get("text", ""),
        )


def stars_for_minutes(rule: StarRule, minutes: int) -> int:
    """Stars that *minutes* of recorded service reach (0 below the first threshold)."""
    hours = Decimal(minutes) / MINUTES_PER_HOUR
    return sum(1 for threshold in rule.thresholds if hours >= threshold)


def star_rating(rule: StarRule, minutes: int, awarded: int | None) -> tuple[int, str | None]:
    """(stars, source) of a record: by its hours, or the latest award (0, None: no star)."""
    if rule.by == BY_AWARD:
        return (awarded, BY_AWARD) if awarded else (0, None)
    stars = stars_for_minutes(rule, minutes)
    return (stars, BY_HOURS) if stars else (0, None)


def award_refusal(rule: StarRule, stars: int, reason: str | None) -> str | None:
    """Why an office may not award *stars* under *rule* (None: it may)."""
    if rule.by != BY_AWARD:
        return "本方案的星级按服务时长自动评定，不能手工评定"
    if not 1 <= stars <= rule.max:
        return f"星级须为 1 至 {rule.max} 星"
    if not (reason or "").strip():
        return "评定星级须写明依据（如工作绩效），志愿者档案会显示它"
    return None


def next_threshold(rule: StarRule, minutes: int) -> Decimal | None:
    """Hours needed for the next star (None: awarded rule, or all stars reached)."""
    if rule.by != BY_HOURS:
        return None
    stars = stars_for_minutes(rule, minutes)
    return rule.thresholds[stars] if stars < len(rule.thresholds) else None
