"""The demo's example activity: records.yaml's ``example_activity`` published through the
same ``publish_activity`` as the office pages, marked as an example.

``make demo`` runs ``pingan activities example`` before it builds the site, so a visitor
who applies and is registered has an activity open to sign up for, whatever the day. It
is published again only when no example activity of the deployment is still ahead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .context import current_deployment
from .db import get_db
from .models import utcnow
from .volunteer_models import Activity
from .volunteers import ActivityInput, Refused, publish_activity


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def publish_example(actor: str) -> Outcome:
    """Publish the deployment's example activity unless one is still to come."""
    deployment = current_deployment()
    rules = deployment.records
    example = rules.example_activity if rules else None
    if example is None:
        return Outcome(True, f"{deployment.name}没有示例活动（records.yaml 的 example_activity）。")
    db = get_db()
    with db.sessions() as session:
        ahead = session.scalar(
            select(Activity.title).where(
                Activity.deployment == deployment.id,
                Activity.state == "published",
                Activity.example.is_(True),
                Activity.starts_at > utcnow(),
            )
        )
    if ahead is not None:
        return Outcome(True, f"已有尚未开始的示例活动“{ahead}”，未再发布。")
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    # The real clock, not a pinned TODAY: sign-up closes by the real clock at the start.
    day = utcnow().astimezone(zone).date() + datetime.timedelta(days=example["days_ahead"])

    def moment(text: str) -> datetime.datetime:
        clock = datetime.time.fromisoformat(text)
        return datetime.datetime.combine(day, clock, zone).astimezone(datetime.UTC)

    data = ActivityInput(
        unit=example["unit"],
        title=example["title"],
        service_type=example["service_type"],
        place=example["place"],
        starts_at=moment(example["start"]),
        ends_at=moment(example["end"]),
        places=example["places"],
        content=example.get("content", ""),
        requirements=example.get("requirements", ""),
        open_to=example["open_to"],
        example=True,
    )
    scope = frozenset(unit.id for unit, _ in deployment.tree.walk())
    try:
        with db.write() as session:
            activity = publish_activity(session, None, scope, data, actor=actor)
            activity_id, title = activity.id, activity.title
    except Refused as refused:
        return Outcome(False, f"示例活动未发布：{refused.message}")
    return Outcome(True, f"已发布示例活动“{title}”（编号 {activity_id}，{day.isoformat()}）。")
