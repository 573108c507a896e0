"""Chinese wording shared by the public site and the form service.

One place for how a date reads to people, so that a notice page and the form, status
page, messages, office pages and e-mails of the same campaign print it alike.
"""

from __future__ import annotations

import datetime

_UNITS = ("年", "月", "日")


def zh_date(value: str | datetime.date) -> str:
    """``2026-09-01`` → ``2026 年 9 月 1 日``; ``2014-05`` → ``2014 年 5 月``.

    A space between each number and its character, as the site sets Chinese with digits.
    A ``date`` (or ``datetime``: its own calendar day, no time-zone shift) gives all three.
    """
    if isinstance(value, datetime.date):
        parts = [value.year, value.month, value.day]
    else:
        parts = [int(part) for part in str(value).split("-")]
    return " ".join(f"{n} {unit}" for n, unit in zip(parts, _UNITS, strict=False))
