"""Eligibility rules of a campaign that can be checked from the application alone."""

from __future__ import annotations

import datetime
from typing import Any


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Completed years (周岁) on *day*."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def age_problem(rule: dict[str, Any], birth_date: datetime.date, day: datetime.date) -> str | None:
    """Why the applicant's age does not fit the campaign, or None if it does."""
    age = age_on(birth_date, day)
    low, high = rule["min"], rule.get("max")
    if age < low:
        return f"报名须年满 {low} 周岁，按身份证号码您现在 {age} 周岁"
    if high is not None and age > high:
        reason = f"本次招募的年龄范围是 {low}–{high} 周岁，按身份证号码您现在 {age} 周岁"
        if rule.get("in_principle"):
            reason += "；如确有需要，请与招募办公室联系，由其审核决定是否放宽"
        return reason
    return None


def age_range_text(rule: dict[str, Any]) -> str:
    """``18–45 周岁`` or ``18 周岁以上``, with 原则上 where the document says so."""
    text = (
        f"{rule['min']}–{rule['max']} 周岁"
        if rule.get("max") is not None
        else f"{rule['min']} 周岁以上"
    )
    return ("原则上 " + text) if rule.get("in_principle") else text
