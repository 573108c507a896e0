"""Age eligibility: completed years (周岁) on the day of submission."""

from __future__ import annotations

import datetime

import pytest

from pingan.eligibility import age_on, age_problem, age_range_text

D = datetime.date
SHANXI = {"min": 18, "max": 45}
EXPO = {"min": 18, "max": 65, "in_principle": True}


@pytest.mark.parametrize(
    "day, age",
    [
        (D(2008, 6, 14), 17),  # the day before the 18th birthday
        (D(2008, 6, 15), 18),  # on it
        (D(2008, 6, 16), 18),  # the day after
        (D(2009, 6, 14), 18),
        (D(2009, 6, 15), 19),
    ],
)
def test_age_turns_on_the_birthday(day, age):
    assert age_on(D(1990, 6, 15), day) == age


@pytest.mark.parametrize(
    "day, age",
    [
        (D(2018, 2, 28), 17),  # no 29 February in 2018: the birthday counts as 1 March
        (D(2018, 3, 1), 18),
        (D(2020, 2, 28), 19),
        (D(2020, 2, 29), 20),
    ],
)
def test_born_on_29_february(day, age):
    assert age_on(D(2000, 2, 29), day) == age


def born_years_ago(years: int, day: D) -> D:
    return day.replace(year=day.year - years)


@pytest.mark.parametrize(
    "age, fits",
    [(17, False), (18, True), (45, True), (46, False)],
)
def test_shanxi_range_18_to_45(age, fits):
    day = D(2026, 11, 23)
    assert (age_problem(SHANXI, born_years_ago(age, day), day) is None) is fits


def test_the_last_day_at_45_fits_and_the_46th_birthday_does_not():
    birth = D(1980, 11, 24)
    assert age_problem(SHANXI, birth, D(2026, 11, 23)) is None
    assert age_problem(SHANXI, birth, D(2026, 11, 24)) == (
        "本次招募的年龄范围是 18–45 周岁，按身份证号码您现在 46 周岁"
    )


def test_too_young_says_the_minimum_and_the_age():
    day = D(2026, 11, 23)
    assert age_problem({"min": 18}, born_years_ago(17, day), day) == (
        "报名须年满 18 周岁，按身份证号码您现在 17 周岁"
    )


def test_no_maximum_means_no_upper_limit():
    day = D(2026, 11, 23)
    assert age_problem({"min": 18}, born_years_ago(99, day), day) is None


def test_age_65_is_accepted_for_the_expo_town():
    day = D(2026, 11, 23)
    assert age_problem(EXPO, born_years_ago(65, day), day) is None


def test_in_principle_range_points_to_the_office():
    day = D(2026, 11, 23)
    message = age_problem(EXPO, born_years_ago(66, day), day)
    assert message.startswith("本次招募的年龄范围是 18–65 周岁，按身份证号码您现在 66 周岁")
    assert "招募办公室" in message


def test_a_strict_range_does_not_offer_an_exception():
    day = D(2026, 11, 23)
    assert "办公室" not in age_problem(SHANXI, born_years_ago(46, day), day)


@pytest.mark.parametrize(
    "rule, text",
    [
        ({"min": 18, "max": 45}, "18–45 周岁"),
        ({"min": 18}, "18 周岁以上"),
        ({"min": 18, "max": 65, "in_principle": True}, "原则上 18–65 周岁"),
    ],
)
def test_age_range_text(rule, text):
    assert age_range_text(rule) == text
