"""Chinese wording of dates, numbers and codes as the public pages print them."""

from __future__ import annotations

import datetime
import os
import re

from pingan.campaigns import WINDOWS  # noqa: F401  (the templates read it as f.WINDOWS)
from pingan.markup import join_cjk_lines
from pingan.schemas import application_fields
from pingan.zhtext import zh_date

CHINA = datetime.timezone(datetime.timedelta(hours=8), "CST")

RECRUITMENT_MODES = {
    "open": "公开招募（个人自愿报名）",
    "directed": "定向招募（由单位组织统一报名）",
    "mixed": "定向招募与公开招募相结合",
}
RECRUITMENT_SHORT = {"open": "公开招募", "directed": "定向招募", "mixed": "定向与公开相结合"}
#: What each window (see pingan.campaigns.WINDOWS) means for someone about to apply.
WINDOW_TEXTS = {
    "dated": "在公告的报名时间内报名，截止后不再接受报名。",
    "long_term": "常年招募，长期有效，随时可以报名。",
    "emergency": "为应急任务短期招募，截止后不再接受报名。",
    "reserve": "报名经审核后编入储备力量，需要时统一调度。",
}
DOUBLE_REGISTRATION = {
    "allowed": "已在其他行业系统注册的志愿者也可以报名。",
    "refused": "已在其他行业系统注册为志愿者的，不再重复招募。",
    "refused_in_principle": "已在其他行业系统注册为志愿者的，原则上不再招募。",
}
#: Names of the identity documents, as the application form's ``id_type`` choices give them.
DOCUMENT_TYPES = {c["id"]: c["name"] for c in application_fields()["id_type"]["choices"]}
UNIT_KINDS = {
    "territorial": "属地",
    "sector": "行业系统",
    "school": "学校",
    "university": "高校",
    "enterprise": "企业",
    "body": "机关",
    "team": "专业队",
}
PERIODS = {"month": "每月", "quarter": "每季度", "year": "每年"}
STATUS = {"open": "正在招募", "upcoming": "即将开始", "closed": "已结束"}
POPULATION_BASES = {"registered_population": "户籍人口", "resident_population": "常住人口"}
ROUNDING = {"nearest": "四舍五入到个位", "up": "向上取整", "down": "向下取整"}
STAR_WORDS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}


def build_day(option: str | None) -> datetime.date:
    """The build's "today": the option, else SOURCE_DATE_EPOCH, else today in China."""
    if option:
        return datetime.date.fromisoformat(option)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date()
    return datetime.datetime.now(CHINA).date()


def zh_period(start: str | datetime.date, end: str | datetime.date | None) -> str:
    """``2026 年 9 月 1 日至 2027 年 6 月 30 日``, or ``2026 年 10 月 1 日起`` without an end."""
    if not end:
        return f"{zh_date(start)}起"
    return f"{zh_date(start)}至 {zh_date(end)}"


def notice_period(starts: datetime.date, ends: datetime.date) -> str:
    """A public notice's dates as notices print them: ``2026 年 11 月 21 日至 27 日``,
    ``2026 年 11 月 28 日至 12 月 4 日``, or both dates in full across a year's end."""
    if (starts.year, starts.month) == (ends.year, ends.month):
        return f"{zh_date(starts)}至 {ends.day} 日"
    if starts.year == ends.year:
        return f"{zh_date(starts)}至 {ends.month} 月 {ends.day} 日"
    return f"{zh_date(starts)}至 {zh_date(ends)}"


def stars_text(stars: int) -> str:
    """Accessible wording of a star rating: ``四星``."""
    return f"{STAR_WORDS.get(stars, stars)}星"


def per_year_text(per_year: str) -> str:
    """``4`` → ``每年 4 次``; ``1–2`` → ``每年 1–2 次``."""
    return f"每年 {per_year} 次"


def minimum_text(item: dict) -> str:
    """An activity minimum: ``每月不少于 2 次``."""
    return f"{PERIODS[item['per']]}不少于 {item['count']} 次"


def number(value: object) -> object:
    """A whole number with thousands separators, as the site writes every count: ``37,596``.

    Anything else (``不低于 1%``, ``600多``, None) is returned as it is.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def until_text(item: dict) -> str:
    """When an activity minimum applies: ``2010 年 5 月至 2010 年 10 月``; an end alone reads
    as the document words it, ``2010 年 4 月底前`` (``截至 2010 年 4 月 30 日`` for a day)."""
    start, end = item.get("from"), item.get("until")
    if start and end:
        return f"{zh_date(start)}至 {zh_date(end)}"
    if start:
        return f"{zh_date(start)}起"
    if end:
        whole_day = isinstance(end, datetime.date) or str(end).count("-") == 2
        return f"截至 {zh_date(end)}" if whole_day else f"{zh_date(end)}底前"
    return "全年"


def excerpt(markdown: str | None, length: int = 80) -> str:
    """The first lines of a story as plain text, cut after *length* characters: a card's
    teaser (links keep their words; emphasis and heading marks are dropped)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", markdown or "") if p.strip()]
    if not paragraphs:
        return ""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", paragraphs[0])
    text = " ".join(join_cjk_lines(re.sub(r"[*_`#>]", "", text)).split())
    return text if len(text) <= length else text[:length].rstrip() + "……"


def initial(name: str) -> str:
    """The letter shown on an avatar when there is no photo: the first character (a surname)."""
    return name.strip()[:1] or "？"
