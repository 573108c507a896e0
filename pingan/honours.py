"""Honours: consent to be named, nominations under public notice, and the roll a site shows.

An honour is written in honours.yaml by publicity staff, or nominated in the office pages,
or both: the same person, honour and year are the same honour. A nomination's status
follows from its public-notice window (公示) and the day, so the site and the office pages
agree without anyone changing a record when the window ends.
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .points import hours_text
from .problems import Problems
from .text import formula_problem, text_problem
from .validation import validate_document

if TYPE_CHECKING:
    from .deployment import Deployment

#: How a person may give consent to be named and pictured (the schema's enum says the same).
CONSENT_METHODS = ("书面", "当面", "电话", "短信", "微信", "电子邮件")

#: The ``format`` of the file of office decisions (``pingan honours export``). Format 2
#: adds each linked nomination's recorded figures (``record``); a file of format 1 (no
#: figures) still reads.
DECISIONS_FORMAT = "pingan-honour-decisions/2"

#: The honours.yaml keys typed by hand that a deployment keeping records must not have:
#: there the honour roll shows what the records hold (``hand_typed_figures_shown``).
HAND_TYPED_FIGURES = {"stars": "星级", "points": "积分"}

SCHEDULED = "scheduled"
UNDER_NOTICE = "under_notice"
AWARDED = "awarded"
WITHDRAWN = "withdrawn"
#: Status → how pages name it.
STATUS_NAMES = {SCHEDULED: "待公示", UNDER_NOTICE: "公示中", AWARDED: "已授予", WITHDRAWN: "已撤回"}

#: Longest texts a nomination holds (the database columns' sizes).
NAME_LENGTH, HONOUR_LENGTH, DEEDS_LENGTH, OBJECTIONS_LENGTH = 50, 60, 2000, 300


def notice_status(
    starts: datetime.date, ends: datetime.date, withdrawn: bool, day: datetime.date
) -> str:
    """A nomination's status on *day*: withdrawn, before, during or after its notice."""
    if withdrawn:
        return WITHDRAWN
    if day < starts:
        return SCHEDULED
    if day <= ends:
        return UNDER_NOTICE
    return AWARDED


@dataclass(frozen=True)
class NominationInput:
    """What an office types to nominate someone, its dates already read."""

    name: str
    unit: str
    honour: str
    year: int
    deeds: str
    consent_date: datetime.date
    consent_method: str
    notice_starts: datetime.date
    notice_ends: datetime.date
    objections: str


def nomination_problems(data: NominationInput, day: datetime.date) -> dict[str, str]:
    """Field → why the nomination cannot be recorded (Chinese); empty when it can."""
    problems: dict[str, str] = {}
    texts = (
        ("name", "姓名", data.name, NAME_LENGTH, False),
        ("honour", "荣誉名称", data.honour, HONOUR_LENGTH, False),
        ("deeds", "事迹", data.deeds, DEEDS_LENGTH, True),
        ("objections", "异议受理方式", data.objections, OBJECTIONS_LENGTH, True),
    )
    for name, title, value, length, multiline in texts:
        # One-line texts also reach spreadsheets (rosters): no formula starts there.
        problem = text_problem(value, multiline=multiline) or (
            None if multiline else formula_problem(value)
        )
        if not value.strip():
            problems[name] = f"请填写{title}"
        elif len(value) > length:
            problems[name] = f"{title}不能超过 {length} 个字"
        elif problem:
            problems[name] = f"{title}{problem}"
    if not 1990 <= data.year <= day.year + 1:
        problems["year"] = f"年度应在 1990 至 {day.year + 1} 之间"
    if data.consent_method not in CONSENT_METHODS:
        problems["consent_method"] = f"请选择同意方式（{'、'.join(CONSENT_METHODS)}）"
    if data.consent_date > day:
        problems["consent_date"] = "同意日期不能晚于今天"
    if data.notice_ends < data.notice_starts:
        problems["notice_ends"] = "公示结束日期不能早于开始日期"
    elif data.notice_starts < data.consent_date:
        problems["notice_starts"] = "公示须在本人同意之后开始"
    return problems


# --- the roll a site shows ------------------------------------------------------------------


def hand_typed_figures_shown(deployment: Deployment) -> bool:
    """Whether honours.yaml's hand-typed stars and points may be shown: only where the
    deployment keeps no volunteers' records (no records.yaml). Where it keeps them, the
    recorded figures of a nomination linked to a record are shown instead, and
    ``pingan check`` reports a hand-typed figure as a data problem."""
    return deployment.records is None


class DecisionsError(Exception):
    """The file of office decisions cannot be read; ``problems`` says why, in Chinese."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


@dataclass(frozen=True)
class Honour:
    """One honour as the site shows it on a day: under notice, or awarded.

    ``person`` is the honours.yaml entry when there is one (its story, photo, stars and
    points); ``deeds`` is the office's text, shown where the YAML has no story.
    ``record`` holds the recorded figures of the volunteer record the office nominated
    from (stars, their source, points, minutes), read from the record's maintained
    totals; ``hand_typed`` says whether the YAML's own stars and points may be shown.
    ``notice_starts``, ``notice_ends`` and ``objections`` come from the office's record
    and are None for an honour written in honours.yaml alone (it is final as written).
    """

    id: str
    name: str
    unit: str
    honour: str
    year: int
    status: str
    person: dict[str, Any] | None = None
    deeds: str | None = None
    notice_starts: datetime.date | None = None
    notice_ends: datetime.date | None = None
    objections: str | None = None
    nomination: int | None = None
    record: dict[str, Any] | None = None
    hand_typed: bool = True

    def _figure(self, key: str) -> int | None:
        if self.record is not None:
            return self.record[key]
        return (self.person or {}).get(key) if self.hand_typed else None

    @property
    def stars(self) -> int | None:
        """The recorded star rating (0: none yet), else the hand-typed one where shown."""
        return self._figure("stars")

    @property
    def points(self) -> int | None:
        """The recorded points, else the hand-typed ones where shown."""
        return self._figure("points")

    @property
    def hours(self) -> str | None:
        """The recorded service hours as records show them (``12.5``); None unrecorded."""
        return hours_text(self.record["minutes"]) if self.record is not None else None

    @property
    def story(self) -> str | None:
        """Markdown: the YAML's story, else the deeds the office wrote for the notice."""
        return (self.person or {}).get("story") or self.deeds

    @property
    def photo(self) -> str | None:
        """A file name under the deployment's photos/ (see ``pingan.photos``), or None."""
        return (self.person or {}).get("photo")

    @property
    def example(self) -> bool:
        return bool((self.person or {}).get("example"))

    @property
    def under_notice(self) -> bool:
        return self.status == UNDER_NOTICE


@dataclass(frozen=True)
class HonourRoll:
    """The honours a site shows on ``day``; withdrawn and not-yet-noticed ones are absent."""

    day: datetime.date
    under_notice: list[Honour] = field(default_factory=list)
    awarded: list[Honour] = field(default_factory=list)
    #: ids of honours.yaml people the roll hides (withdrawn or not yet under notice):
    #: a story naming one must not link to them.
    hidden_people: frozenset[str] = frozenset()
    #: The shown honour of each honours.yaml person by id (their figures, for cards).
    people: dict[str, Honour] = field(default_factory=dict)

    def of_person(self, person_id: str) -> Honour | None:
        """The shown honour of the honours.yaml person *person_id*, or None."""
        return self.people.get(person_id)

    def by_year(self) -> dict[int, list[Honour]]:
        """Awarded honours by year, latest year first."""
        years: dict[int, list[Honour]] = defaultdict(list)
        for honour in self.awarded:
            years[honour.year].append(honour)
        return dict(sorted(years.items(), reverse=True))

    def by_honour(self) -> dict[str, list[Honour]]:
        """Awarded honours by the honour's name, latest year first within each."""
        names: dict[str, list[Honour]] = defaultdict(list)
        for honour in self.awarded:
            names[honour.honour].append(honour)
        return dict(sorted(names.items()))


def load_decisions(path: Path | str, deployment: Deployment | None = None) -> list[dict[str, Any]]:
    """The nominations of an ``honours.json`` (``pingan honours export``), checked.

    Raises DecisionsError naming the file and each problem. Given the *deployment*, a
    file of another deployment is one too (a build must not publish another scheme's
    people), and so is a unit the deployment's units.yaml no longer has.
    """
    path = Path(path)
    problems = Problems()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        problems.add(path, 0, "(文件)", "无法读取表彰决定文件")
        raise DecisionsError(problems) from None
    except ValueError as error:
        problems.add(path, getattr(error, "lineno", 0), "(文件)", "不是有效的 JSON 文件")
        raise DecisionsError(problems) from None
    problems.extend(validate_document("honour_decisions", document, path))
    if not problems and deployment is not None:
        if document["deployment"] != deployment.id:
            problems.add(
                path,
                1,
                "deployment",
                f"这是部署“{document['deployment']}”的表彰决定，不是“{deployment.id}”的",
            )
        for index, decision in enumerate(document["honours"]):
            if decision["unit"] not in deployment.tree:
                problems.add(
                    path,
                    1,
                    f"honours[{index}].unit",
                    f"单位“{decision['unit']}”不存在（见 units.yaml）",
                )
    if problems:
        raise DecisionsError(problems)
    return document["honours"]


def honour_key(name: str, honour: str, year: int) -> tuple[str, str, int]:
    """Person, honour and year as compared: spaces (a typed "张 三") and full-width forms
    do not make another honour."""

    def plain(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    return (plain(name), plain(honour), int(year))


def honour_roll(
    deployment: Deployment,
    day: datetime.date,
    decisions: list[dict[str, Any]] | None = None,
) -> HonourRoll:
    """The honours of *deployment* the site shows on *day*.

    *decisions* are the offices' nominations (``load_decisions``). The same person,
    honour and year in honours.yaml and in a nomination are one honour: the nomination
    decides whether it shows (under notice between its dates, awarded after them, never
    when withdrawn or before its notice starts); the YAML adds story and photo. Stars and
    points are the linked record's where the nomination has one, else the YAML's only
    where the deployment keeps no records. An honour only in honours.yaml is awarded as
    written.
    """
    offices: dict[tuple[str, str, int], dict[str, Any]] = {}
    for decision in decisions or []:
        key = honour_key(decision["name"], decision["honour"], decision["year"])
        # A live nomination decides over a withdrawn one of the same honour (it was
        # nominated again), and a later one over an earlier.
        current = offices.get(key)
        rank = (not decision["withdrawn"], decision["nomination"])
        if current is None or rank > (not current["withdrawn"], current["nomination"]):
            offices[key] = decision
    people = {honour_key(p["name"], p["honour"], p["year"]): p for p in deployment.volunteers}
    hand_typed = hand_typed_figures_shown(deployment)
    shown: list[Honour] = []
    hidden: set[str] = set()
    for key in list(people) + [key for key in offices if key not in people]:
        person, decision = people.get(key), offices.get(key)
        honour = _honour(person, decision, day, hand_typed)
        if honour is None:
            if person is not None:
                hidden.add(person["id"])
            continue
        shown.append(honour)
    under_notice = sorted(
        (h for h in shown if h.status == UNDER_NOTICE),
        key=lambda h: (h.notice_ends, h.unit, h.name),
    )
    awarded = sorted(
        (h for h in shown if h.status == AWARDED),
        key=lambda h: (-h.year, h.honour, -(h.stars or 0), h.id),
    )
    people_shown = {h.person["id"]: h for h in shown if h.person is not None}
    return HonourRoll(day, under_notice, awarded, frozenset(hidden), people_shown)


def _honour(
    person: dict[str, Any] | None,
    decision: dict[str, Any] | None,
    day: datetime.date,
    hand_typed: bool,
) -> Honour | None:
    if decision is None:
        assert person is not None
        return Honour(
            id=person["id"],
            name=person["name"],
            unit=person["unit"],
            honour=person["honour"],
            year=person["year"],
            status=AWARDED,
            person=person,
            hand_typed=hand_typed,
        )
    if decision["withdrawn"]:
        return None
    notice = decision["notice"]
    starts = datetime.date.fromisoformat(notice["starts"])
    ends = datetime.date.fromisoformat(notice["ends"])
    status = notice_status(starts, ends, False, day)
    if status == SCHEDULED:
        return None
    return Honour(
        id=person["id"] if person else f"nominated-{decision['nomination']}",
        name=decision["name"],
        unit=decision["unit"],
        honour=decision["honour"],
        year=decision["year"],
        status=status,
        person=person,
        deeds=decision["deeds"],
        notice_starts=starts,
        notice_ends=ends,
        objections=notice["objections"],
        nomination=decision["nomination"],
        record=decision.get("record"),
        hand_typed=hand_typed,
    )
