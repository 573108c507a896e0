"""Published activities as the site shows them: the file the form service exports for the
build (``activities.json``), read and checked, and what a page says about an activity.

Offices publish activities in the form service; the site never reads its database. The
service writes ``activities.json`` (``pingan activities export``, and before each rebuild
it queues) with what is public about each published activity: no person, only the number
of places taken when the file was written. ``load_activities`` checks it as
``load_decisions`` checks the honours file, so a broken file stops the build with a
sentence in Chinese instead of a traceback.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import Problems
from .validation import validate_document
from .zhtext import zh_date

if TYPE_CHECKING:
    from .deployment import Deployment

#: The ``format`` of the file of published activities (``pingan activities export``).
ACTIVITIES_FORMAT = "pingan-activities/1"
#: Activities that ended longer ago than this are left out of the file: the site lists what
#: is coming and the last year's, not every activity ever held.
PAST_DAYS = 366

#: Kinds of activity, as pages name them.
KINDS = {"activity": "志愿服务活动", "training": "培训"}
#: Who may sign up, as pages say it (the form service's ``open_to`` column).
OPEN_TO = {"public": "本方案所有注册志愿者", "unit": "本单位及下级单位的志愿者"}

OPEN = "open"
UNDERWAY = "underway"
ENDED = "ended"
#: Status on the build's day → how pages name it.
STATUS_NAMES = {OPEN: "报名中", UNDERWAY: "进行中", ENDED: "已结束"}


class ActivitiesError(Exception):
    """The file of published activities cannot be read; ``problems`` says why, in Chinese."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


@dataclass(frozen=True)
class PublishedActivity:
    """One published activity as the site shows it."""

    id: int
    unit: str
    title: str
    content: str
    training: bool
    service_type: str
    place: str
    starts: datetime.datetime
    ends: datetime.datetime
    places: int
    signed_up: int
    requirements: str
    open_to: str
    published: datetime.date
    example: bool = False

    @property
    def places_left(self) -> int:
        return max(self.places - self.signed_up, 0)

    @property
    def kind_name(self) -> str:
        return KINDS["training" if self.training else "activity"]

    @property
    def open_to_name(self) -> str:
        return OPEN_TO[self.open_to]

    def status(self, day: datetime.date) -> str:
        """Open before its first day, underway from its first to its last, then ended.

        Judged by the calendar days printed on the page (the time zone of its times), so
        a page built on *day* says what its dates say.
        """
        if day < self.starts.date():
            return OPEN
        if day <= self.ends.date():
            return UNDERWAY
        return ENDED

    @property
    def when(self) -> str:
        """``2026 年 12 月 5 日 9:00–11:30``, with both days when it spans more than one."""
        start = f"{zh_date(self.starts.date())} {_clock(self.starts)}"
        if self.ends.date() == self.starts.date():
            return f"{start}–{_clock(self.ends)}"
        return f"{start}至 {zh_date(self.ends.date())} {_clock(self.ends)}"

    @property
    def deadline(self) -> str:
        """When sign-up closes: at the start (the form service refuses it from then on)."""
        return f"{zh_date(self.starts.date())} {_clock(self.starts)}"


def _clock(moment: datetime.datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def sorted_activities(
    activities: list[PublishedActivity], day: datetime.date
) -> list[PublishedActivity]:
    """What is coming first (soonest first), then what has ended (latest first)."""
    ahead = sorted(
        (a for a in activities if a.status(day) != ENDED), key=lambda a: (a.starts, a.id)
    )
    ended = sorted(
        (a for a in activities if a.status(day) == ENDED),
        key=lambda a: (a.starts, a.id),
        reverse=True,
    )
    return ahead + ended


def load_activities(
    path: Path | str, deployment: Deployment | None = None
) -> list[PublishedActivity]:
    """The activities of an ``activities.json`` (``pingan activities export``), checked.

    Raises ActivitiesError naming the file and each problem. Given the *deployment*, a
    file of another deployment is one too (a build must not publish another scheme's
    activities), and so is a unit the deployment's units.yaml no longer has.
    """
    path = Path(path)
    problems = Problems()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        problems.add(path, 0, "(文件)", "无法读取活动文件")
        raise ActivitiesError(problems) from None
    except ValueError as error:
        problems.add(path, getattr(error, "lineno", 0), "(文件)", "不是有效的 JSON 文件")
        raise ActivitiesError(problems) from None
    problems.extend(validate_document("activities", document, path))
    if problems:
        raise ActivitiesError(problems)
    if deployment is not None and document["deployment"] != deployment.id:
        problems.add(
            path,
            1,
            "deployment",
            f"这是部署“{document['deployment']}”的活动，不是“{deployment.id}”的",
        )
        raise ActivitiesError(problems)
    activities = []
    seen: set[int] = set()
    for index, item in enumerate(document["activities"]):
        where = f"activities[{index}]"
        if deployment is not None and item["unit"] not in deployment.tree:
            problems.add(path, 1, f"{where}.unit", f"单位“{item['unit']}”不存在（见 units.yaml）")
        if item["id"] in seen:
            problems.add(path, 1, f"{where}.id", f"活动编号 {item['id']} 重复")
        seen.add(item["id"])
        times = {}
        for name, title in (("starts", "开始时间"), ("ends", "结束时间")):
            times[name] = _moment(item[name])
            if times[name] is None:
                problems.add(
                    path,
                    1,
                    f"{where}.{name}",
                    f"{title}“{item[name][:40]}”格式不对：应为带时区的时间，"
                    "如 2026-12-05T09:00:00+08:00",
                )
        if None in times.values():
            continue
        if times["ends"] <= times["starts"]:
            problems.add(path, 1, f"{where}.ends", "结束时间须晚于开始时间")
        if item["signed_up"] > item["places"]:
            problems.add(path, 1, f"{where}.signed_up", "已报名人数不能多于名额")
        activities.append(
            PublishedActivity(
                id=item["id"],
                unit=item["unit"],
                title=item["title"],
                content=item["content"],
                training=item["training"],
                service_type=item["service_type"],
                place=item["place"],
                starts=times["starts"],
                ends=times["ends"],
                places=item["places"],
                signed_up=item["signed_up"],
                requirements=item["requirements"],
                open_to=item["open_to"],
                published=datetime.date.fromisoformat(item["published"]),
                example=item.get("example", False),
            )
        )
    if problems:
        raise ActivitiesError(problems)
    return activities


def _moment(text: str) -> datetime.datetime | None:
    """An ISO date and time with its offset; None for anything else (a time without a
    zone could be read in any of them)."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
