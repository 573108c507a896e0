"""The audit log of the user's units, for administrators."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import or_, select

from ...context import current_deployment
from ...db import read_session
from ...office_models import AuditEvent
from ..audit import ACTIONS
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
    return render_template(
        "office/audit.html",
        events=events,
        older=events[-1].id if len(rows) > AUDIT_PAGE_SIZE else None,
        newest=not before,
        actions=ACTIONS,
    )
