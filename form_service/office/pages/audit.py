"""The audit log of the user's units, for administrators."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import or_, select

from ...context import current_deployment
from ...db import read_session
from ...models import Application
from ...office_models import AuditEvent
from ..audit import ACTIONS, describe, shown_reference
from ..auth import administrator_required

bp = Blueprint("audit", __name__)

AUDIT_PAGE_SIZE = 100


@bp.get("/audit", endpoint="log")
@administrator_required
def audit_log():
    """Newest first, a page at a time from ``before`` (an event id: no deep OFFSET)."""
    before = request.args.get("before", "")
    query = select(AuditEvent)
    if before.isdigit() and len(before) <= 12:
        query = query.where(AuditEvent.id < int(before))
    tree = current_deployment().tree
    if len(g.office_scope) < len(tree):  # else: the whole tree, no condition to check
        in_scope = AuditEvent.unit.in_(g.office_scope)
        if tree[g.office_user.unit].parent is None:  # a root's administrators: no-unit events
            in_scope = or_(in_scope, AuditEvent.unit.is_(None))
        query = query.where(in_scope)
    rows = (
        read_session()
        .scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE_SIZE + 1))
        .all()
    )
    events = rows[:AUDIT_PAGE_SIZE]
    # The campaign of each event's application names its stages in words.
    application_ids = {event.application_id for event in events if event.application_id}
    campaign_of: dict[int, str] = {}
    if application_ids:
        found = select(Application.id, Application.campaign).where(
            Application.id.in_(application_ids)
        )
        campaign_of = {row.id: row.campaign for row in read_session().execute(found)}
    deployment = current_deployment()
    return render_template(
        "office/audit.html",
        events=events,
        details={
            event.id: describe(
                event.detail or {}, deployment, campaign_of.get(event.application_id)
            )
            for event in events
        },
        references={event.id: shown_reference(event.detail or {}) for event in events},
        older=events[-1].id if len(rows) > AUDIT_PAGE_SIZE else None,
        newest=not before,
        actions=ACTIONS,
    )
