"""The review workflow as the office pages reach it: the rules are ``pingan.review``.

The app holds one ``Workflow`` per campaign (``init_office``); this module hands them out
and reads an application's history from its stage events, so that the rules get the
offices that passed each stage. Events written before stage events named the acting
office's unit got it from the migration (``0005``) where the account still existed.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingan.review import (
    CLOSED_NAMES,
    MAX_REASON,
    REJECTED,
    WITHDRAWN,
    Decision,
    Workflow,
    history_of,
)

from ..models import StageEvent

__all__ = [
    "CLOSED_NAMES",
    "MAX_REASON",
    "REJECTED",
    "REJECTED_NAME",
    "WITHDRAWN",
    "Workflow",
    "histories",
    "workflows",
]

REJECTED_NAME = CLOSED_NAMES[REJECTED]


def workflows() -> dict[str, Workflow]:
    """Every campaign's workflow, by campaign id."""
    return current_app.extensions["pingan_workflows"]


def histories(session: Session, application_ids: list[int]) -> dict[int, list[Decision]]:
    """Each application's stage changes in order, as ``pingan.review`` reads them."""
    rows = session.execute(
        select(
            StageEvent.application_id, StageEvent.from_stage, StageEvent.to_stage, StageEvent.unit
        )
        .where(StageEvent.application_id.in_(application_ids))
        .order_by(StageEvent.id)
    ).all()
    found: dict[int, list] = {application_id: [] for application_id in application_ids}
    for row in rows:
        found[row.application_id].append(row)
    return {application_id: history_of(rows) for application_id, rows in found.items()}
