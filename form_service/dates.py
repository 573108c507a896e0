"""Dates and times as people read them on the service's pages and in its messages.

Every date goes through ``pingan.zhtext.zh_date``, the function the static site uses, so
a campaign's closing day reads ``2027 年 6 月 30 日`` on its notice page, its form, the
status page and the office's pages alike. Stored times are UTC (SQLite returns them
naive); they are shown in the service's time zone (config ``TIMEZONE``, China's).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from pingan.zhtext import zh_date


def init_dates(app: Flask) -> None:
    app.add_template_filter(zh_date)
    app.add_template_filter(local_date)
    app.add_template_filter(local_time)


def _local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def local_date(moment: datetime.datetime) -> str:
    """A stored time as its day in the service's time zone: ``2026 年 11 月 24 日``."""
    return zh_date(_local(moment).date())


def local_time(moment: datetime.datetime) -> str:
    """A stored time to the second, for logs people read: ``2026 年 11 月 24 日 01:30:05``."""
    local = _local(moment)
    return f"{zh_date(local.date())} {local:%H:%M:%S}"
