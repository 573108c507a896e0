"""The published activities the site lists (``activities.json``), and their places left.

The site never reads the database: ``activities_document`` is what ``pingan activities
export`` writes and the site rebuild passes to the build (checked there by
``pingan.activities.load_activities``). It holds what is public about an activity and the
number of places taken, never who took them. ``places_left`` answers the site's pages,
which show the figure of their build and then the live one.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.activities import ACTIVITIES_FORMAT, PAST_DAYS
from pingan.deployment import Deployment

from .build_inputs import write_json
from .models import utcnow
from .volunteer_models import TRAINING, Activity


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def activities_document(
    session: Session, deployment: Deployment, zone: str, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """The published activities of *deployment* as the site's build reads them.

    Those that started in the last ``PAST_DAYS`` days or are still to come, through the
    (deployment, state, starts_at) index. Times in the service's time zone *zone*, with
    their offset, so the site prints the hour the office typed.
    """
    now = now or utcnow()
    local = ZoneInfo(zone)
    rules = deployment.records
    names = dict(rules.service_types) if rules else {}
    rows = session.scalars(
        select(Activity)
        .where(
            Activity.deployment == deployment.id,
            Activity.state == "published",
            Activity.starts_at >= now - datetime.timedelta(days=PAST_DAYS),
        )
        .order_by(Activity.starts_at, Activity.id)
    )
    activities = []
    for row in rows:
        entry: dict[str, Any] = {
            "id": row.id,
            "unit": row.unit,
            "title": row.title,
            "content": row.content,
            "training": row.kind == TRAINING,
            "service_type": names.get(row.service_type, row.service_type),
            "place": row.place,
            "starts": _aware(row.starts_at).astimezone(local).isoformat(),
            "ends": _aware(row.ends_at).astimezone(local).isoformat(),
            "places": row.places,
            "signed_up": row.places_taken,
            "requirements": row.requirements,
            "open_to": row.open_to,
            "published": _aware(row.published_at or row.created_at)
            .astimezone(local)
            .date()
            .isoformat(),
        }
        if row.example:
            entry["example"] = True
        activities.append(entry)
    return {"format": ACTIVITIES_FORMAT, "deployment": deployment.id, "activities": activities}


def write_activities(session: Session, deployment: Deployment, zone: str, out: Path) -> int:
    """Write ``activities_document`` to *out* atomically (the build never reads half a
    file); return how many activities it holds."""
    document = activities_document(session, deployment, zone)
    write_json(document, out)
    return len(document["activities"])


def places_left(
    session: Session, deployment: str, unit: str | None, now: datetime.datetime | None = None
) -> dict[str, dict[str, int]]:
    """Activity id → places, signed up and left, for the published activities not yet
    started (of *unit*, or of the whole deployment with None).

    One query on an index whose leading columns are the filter's ((deployment, unit,
    starts_at) or (deployment, state, starts_at)), reading only the activities ahead:
    the counts are the counters sign-up keeps, no sign-up row is counted.
    """
    now = now or utcnow()
    query = select(Activity.id, Activity.places, Activity.places_taken, Activity.state).where(
        Activity.deployment == deployment, Activity.starts_at > now
    )
    if unit is None:
        query = query.where(Activity.state == "published")
    else:
        # The state is checked below, not in the query: a condition on it would let the
        # planner pick the (deployment, state, starts_at) index and read every unit's.
        query = query.where(Activity.unit == unit)
    return {
        str(id_): {"places": places, "signed_up": taken, "places_left": max(places - taken, 0)}
        for id_, places, taken, state in session.execute(query)
        if state == "published"
    }
