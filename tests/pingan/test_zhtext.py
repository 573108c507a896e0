"""Dates as people read them, on the site and in the form service alike."""

from __future__ import annotations

import datetime

import pytest

from pingan.zhtext import zh_date


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-09-01", "2026 年 9 月 1 日"),
        ("2014-05", "2014 年 5 月"),
        (datetime.date(2014, 12, 31), "2014 年 12 月 31 日"),
        (datetime.datetime(2026, 11, 24, 1, 30, 5), "2026 年 11 月 24 日"),
    ],
)
def test_a_date_has_a_space_between_each_number_and_its_character(value, text):
    assert zh_date(value) == text
