"""The office's list of applications: filters in SQL, one query per page.

Every condition is a SQL ``WHERE``: the user's scope (and a chosen unit's subtree within
it) as ``unit IN (...)``, stage, campaign, service type (read from the JSON answers:
``json_extract`` on SQLite, ``->>`` on PostgreSQL), submission dates (China's days) and a
name fragment. The page's rows and the total come from one query (``count(*) OVER ()``);
only columns the list shows are read, so nothing is decrypted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingan.deployment import Deployment

from ..models import Application

PAGE_SIZE = 50


@dataclass
class ListFilter:
    """The filters of the list page, parsed from the query string."""

    unit: str | None = None
    campaign: str | None = None
    stage: str | None = None
    service_type: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    name: str | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any, scope: frozenset[str], deployment: Deployment) -> ListFilter:
        result = cls()
        unit = args.get("unit") or None
        if unit is not None and unit not in scope:
            result.errors.append("所选单位不在本单位管辖范围内")
        else:
            result.unit = unit
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
        try:
            result.page = max(1, min(int(args.get("page") or 1), 100_000))
        except ValueError:
            result.page = 1
        return result

    def query_args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "unit": self.unit,
            "campaign": self.campaign,
            "stage": self.stage,
            "service_type": self.service_type,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "name": self.name,
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "", 1)}


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def units_for(list_filter: ListFilter, scope: frozenset[str], deployment: Deployment) -> list[str]:
    """The unit ids the list may show: the scope, or a chosen unit's subtree within it."""
    if list_filter.unit:
        below = {unit.id for unit in deployment.tree.descendants(list_filter.unit)}
        return sorted(below & scope)
    return sorted(scope)


def list_page(
    session: Session,
    list_filter: ListFilter,
    scope: frozenset[str],
    deployment: Deployment,
    timezone: str,
) -> Page:
    """One page of applications and the total, in one query."""
    service_type = Application.answers["service_type"].as_string().label("service_type")
    query = select(
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
        service_type,
        func.count().over().label("total"),
    ).where(
        Application.deployment == deployment.id,
        Application.unit.in_(units_for(list_filter, scope, deployment)),
    )
    if list_filter.campaign:
        query = query.where(Application.campaign == list_filter.campaign)
    if list_filter.stage:
        query = query.where(Application.stage == list_filter.stage)
    if list_filter.service_type:
        query = query.where(
            Application.answers["service_type"].as_string() == list_filter.service_type
        )
    zone = ZoneInfo(timezone)
    if list_filter.date_from:
        query = query.where(Application.submitted_at >= _utc_midnight(list_filter.date_from, zone))
    if list_filter.date_to:
        end = _utc_midnight(list_filter.date_to + datetime.timedelta(days=1), zone)
        query = query.where(Application.submitted_at < end)
    if list_filter.name:
        query = query.where(Application.name.contains(list_filter.name, autoescape=True))
    query = (
        query.order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(PAGE_SIZE)
        .offset((list_filter.page - 1) * PAGE_SIZE)
    )
    rows = session.execute(query).all()
    return Page(rows=rows, total=rows[0].total if rows else 0, page=list_filter.page)


def _utc_midnight(day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return local.astimezone(datetime.UTC)
