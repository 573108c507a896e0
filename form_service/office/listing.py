"""The office's list of applications: filters in SQL, keyset pages, a capped count.

Every condition is a SQL ``WHERE``: the user's scope (or a chosen unit, with or without
the units below it) as ``unit IN (...)``, stage, campaign, service type (a column of its
own: no JSON is parsed, so no stored answer can fail the list), submission dates
(China's days) and a name fragment. Only columns the list shows are read, so nothing is
decrypted.

Why it scales with the page, not with the rows in scope:

- Pages are keyset pages: newest first by ``(submitted_at, id)``; "next" continues below
  the last row shown (``after``), "previous" above the first (``before``). No ``OFFSET``,
  so the 2,000th page costs what the first does.
- When the list covers the whole unit tree (a district user of a one-district deployment,
  no unit chosen), the ``unit IN (...)`` condition is left out: the walk down the
  ``(deployment, submitted_at, id)`` index stops after one page. A narrower unit set uses
  ``(deployment, unit, submitted_at, id)`` (or the time index, filtering units, when the
  planner's statistics say that is cheaper: see ``Database.refresh_statistics``).
- The total is counted up to ``COUNT_CAP`` only (``SELECT count(*) FROM (… LIMIT n)``), and
  shown as "1,000 份以上" beyond it: an exact count of 100,000 rows costs as much as
  sorting them, and nobody pages through a thousand rows; they narrow the filters.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from pingan.deployment import Deployment

from ..models import Application

PAGE_SIZE = 50
#: Totals above this are shown as "more than"; counting stops there.
COUNT_CAP = 1000
_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,12})$")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """SQLite returns naive UTC; PostgreSQL aware times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in the list: a row's ``(submitted_at, id)``, written ``<µs since 1970>-<id>``."""

    submitted_at: datetime.datetime
    id: int

    @classmethod
    def of(cls, row: Any) -> Cursor:
        return cls(_aware(row.submitted_at), row.id)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        match = _CURSOR.match(text or "")
        if match is None:
            return None
        micros, row_id = int(match[1]), int(match[2])
        try:
            moment = _EPOCH + datetime.timedelta(microseconds=micros)
        except OverflowError:
            return None
        return cls(moment, row_id)

    def __str__(self) -> str:
        delta = self.submitted_at.astimezone(datetime.UTC) - _EPOCH
        return f"{delta // datetime.timedelta(microseconds=1)}-{self.id}"

    def key(self):
        return tuple_(literal(self.submitted_at, Application.submitted_at.type), self.id)


@dataclass
class ListFilter:
    """The filters of the list page, parsed from the query string."""

    unit: str | None = None
    only_unit: bool = False
    campaign: str | None = None
    stage: str | None = None
    service_type: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    name: str | None = None
    after: Cursor | None = None
    before: Cursor | None = None
    page: int = 1  # shown to the reader only; the cursors place the page
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any, scope: frozenset[str], deployment: Deployment) -> ListFilter:
        result = cls()
        unit = args.get("unit") or None
        if unit is not None and unit not in scope:
            result.errors.append("所选单位不在本单位管辖范围内")
        else:
            result.unit = unit
        result.only_unit = bool(result.unit) and args.get("only") == "1"
        campaign = args.get("campaign") or None
        if campaign is not None and campaign not in deployment.campaigns:
            result.errors.append("没有这项招募")
        else:
            result.campaign = campaign
        result.stage = (args.get("stage") or None) and args["stage"][:32]
        result.service_type = (args.get("service_type") or None) and args["service_type"][:64]
        for key, label in (("date_from", "起始日期"), ("date_to", "截止日期")):
            text = args.get(key) or ""
            if text:
                try:
                    setattr(result, key, datetime.date.fromisoformat(text))
                except ValueError:
                    result.errors.append(f"{label}格式应为 年-月-日，例如 2026-11-01")
        name = (args.get("name") or "").strip()
        result.name = name[:60] or None
        result.after = Cursor.parse(args.get("after"))
        result.before = None if result.after else Cursor.parse(args.get("before"))
        try:
            result.page = max(1, min(int(args.get("page") or 1), 10_000_000))
        except ValueError:
            result.page = 1
        if result.after is None and result.before is None:
            result.page = 1
        return result

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this filter (without a position unless *changes* gives one)."""
        values = {
            "unit": self.unit,
            "only": "1" if self.only_unit else None,
            "campaign": self.campaign,
            "stage": self.stage,
            "service_type": self.service_type,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "name": self.name,
        }
        values.update({key: str(value) if value else None for key, value in changes.items()})
        if values.get("page") == "1":
            del values["page"]
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int = 1
    capped: bool = False
    next: Cursor | None = None
    previous: Cursor | None = None

    @property
    def pages(self) -> int | None:
        """How many pages there are, when the total is exact."""
        return None if self.capped else max(1, -(-self.total // PAGE_SIZE))


def units_for(
    list_filter: ListFilter, scope: frozenset[str], deployment: Deployment
) -> list[str] | None:
    """The unit ids the list may show, or None for every unit of the tree (no condition).

    A chosen unit lies in the scope, and so does its whole subtree (scopes are subtrees).
    """
    if list_filter.unit and list_filter.only_unit:
        return [list_filter.unit]
    if list_filter.unit:
        units = [unit.id for unit in deployment.tree.descendants(list_filter.unit)]
    else:
        units = sorted(scope)
    return None if len(units) == len(deployment.tree) else units


def _conditions(
    list_filter: ListFilter, scope: frozenset[str], deployment: Deployment, timezone: str
) -> list[Any]:
    conditions = [Application.deployment == deployment.id]
    units = units_for(list_filter, scope, deployment)
    if units is not None:
        conditions.append(Application.unit.in_(units))
    if list_filter.campaign:
        conditions.append(Application.campaign == list_filter.campaign)
    if list_filter.stage:
        conditions.append(Application.stage == list_filter.stage)
    if list_filter.service_type:
        conditions.append(Application.service_type == list_filter.service_type)
    zone = ZoneInfo(timezone)
    if list_filter.date_from:
        conditions.append(Application.submitted_at >= _utc_midnight(list_filter.date_from, zone))
    if list_filter.date_to:
        end = _utc_midnight(list_filter.date_to + datetime.timedelta(days=1), zone)
        conditions.append(Application.submitted_at < end)
    if list_filter.name:
        conditions.append(Application.name.contains(list_filter.name, autoescape=True))
    return conditions


def _rows_query(conditions: list[Any]) -> Select:
    return select(
        Application.id,
        Application.reference,
        Application.name,
        Application.campaign,
        Application.unit,
        Application.stage,
        Application.sex,
        Application.channel,
        Application.submitted_at,
        Application.volunteer_number,
        Application.service_type,
    ).where(*conditions)


def list_page(
    session: Session,
    list_filter: ListFilter,
    scope: frozenset[str],
    deployment: Deployment,
    timezone: str,
) -> Page:
    """One page of applications (one query) and the total up to ``COUNT_CAP`` (another)."""
    conditions = _conditions(list_filter, scope, deployment, timezone)
    key = tuple_(Application.submitted_at, Application.id)
    query = _rows_query(conditions)
    if list_filter.before is not None:
        query = query.where(key > list_filter.before.key()).order_by(
            Application.submitted_at, Application.id
        )
    else:
        if list_filter.after is not None:
            query = query.where(key < list_filter.after.key())
        query = query.order_by(Application.submitted_at.desc(), Application.id.desc())
    rows = session.execute(query.limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    page = list_filter.page
    if list_filter.before is not None:
        rows.reverse()
        has_newer, has_older = more, True
        page = page if more else 1
    else:
        has_newer, has_older = list_filter.after is not None, more
    counted = session.scalar(
        select(func.count()).select_from(
            select(literal(1)).where(*conditions).limit(COUNT_CAP + 1).subquery()
        )
    )
    return Page(
        rows=rows,
        total=min(counted, COUNT_CAP),
        page=page,
        capped=counted > COUNT_CAP,
        next=Cursor.of(rows[-1]) if rows and has_older else None,
        previous=Cursor.of(rows[0]) if rows and has_newer else None,
    )


def _utc_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return local.astimezone(datetime.UTC)
