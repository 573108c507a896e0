"""Moving applications between review stages, one or many in one transaction.

The rules (who may act at which stage, where a reopening goes) are ``pingan.review``; this
module applies them to stored rows. ``change_stages`` checks every selected application
(in the user's scope, at the stage the office saw, allowed by the scheme's rules for the
user's unit and the application's history) and then changes all of them or none: each
change gets a ``StageEvent`` (who, which office, when, why; the status page shows the
reason) and an audit event in the same transaction. ``reopen`` takes a rejected
application back to the stage at which it was rejected, unless its applicant has applied
again meanwhile (one open application per person and scope). Volunteer numbers come from
``VolunteerCounter`` rows bumped in that transaction (``UPDATE … RETURNING``: PostgreSQL
locks the row until commit, SQLite's ``BEGIN IMMEDIATE`` serialises writers), so two
offices registering at once never get the same number; the ``UNIQUE (deployment,
volunteer_number)`` constraint guards the rest. A registration creates the person's
volunteer record, or joins the one of an earlier round (``volunteers.join_record``), in that
write. Decisions go into the outbox in the same transaction (``letters.queue_decisions``)
and are sent after the commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.records import format_reference
from pingan.review import CLOSED_STAGES, rejected_at

from ..context import today
from ..db import get_db
from ..models import Application, StageEvent, utcnow
from ..office_models import User, VolunteerCounter
from ..volunteers import join_record
from . import letters
from .audit import record
from .stages import MAX_REASON, REJECTED, histories, workflows

#: Why a rejected application cannot be reopened once its applicant applied again.
APPLIED_AGAIN = "申请人已在退回后重新报名，请审核新的报名，原报名不能再恢复"


class ReviewRefused(Exception):
    """Nothing was changed; ``problems`` says why, one sentence per application."""

    def __init__(self, problems: list[str], status: int = 409):
        super().__init__("；".join(problems))
        self.problems = problems
        self.status = status


@dataclass
class Change:
    application_id: int
    reference: str
    from_stage: str
    to_stage: str
    volunteer_number: str | None


def clean_reason(reason: str | None, required: bool) -> str | None:
    """The reason as stored, or ReviewRefused saying what is wrong with it."""
    text = unicodedata.normalize("NFC", reason or "").strip()
    if not text:
        if required:
            raise ReviewRefused(["退回报名须填写原因，申请人会在报名进度查询页面看到它"], 422)
        return None
    if len(text) > MAX_REASON:
        raise ReviewRefused([f"原因最多 {MAX_REASON} 个字，您填写了 {len(text)} 个字"], 422)
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
        raise ReviewRefused(["原因含有不可见的控制字符，请删除后重新填写"], 422)
    return text


def change_stages(
    user: User,
    scope: frozenset[str],
    application_ids: list[int],
    action: str,
    reason: str | None = None,
    seen_stages: dict[int, str] | None = None,
) -> list[Change]:
    """Approve (to the next stage) or reject every selected application, or none."""
    if action not in ("approve", "reject"):
        raise ReviewRefused(["未知的操作"], 400)
    reason = clean_reason(reason, required=action == "reject")
    ids = sorted(set(application_ids))
    if not ids:
        raise ReviewRefused(["请至少选择一份报名"], 422)
    for attempt in range(3):
        try:
            with get_db().write() as session:
                changes, applications = _change(
                    session, user, scope, ids, action, reason, seen_stages or {}
                )
                letters.queue_decisions(session, applications, reason)
            break
        except IntegrityError:
            # Two first registrations of a year raced to create the counter row: retry.
            if attempt == 2:
                raise
    return changes


def _change(session, user, scope, ids, action, reason, seen_stages):
    applications = _locked(session, scope, ids)
    history = histories(session, ids)
    problems = []
    for application in applications:
        workflow = workflows()[application.campaign]
        label = f"报名 {format_reference(application.reference)}（{application.name}）"
        seen = seen_stages.get(application.id)
        if seen is not None and seen != application.stage:
            problems.append(f"{label}已被他人处理，现为“{workflow.name(application.stage)}”")
            continue
        refusal = workflow.refusal(
            application.stage, action, user.unit, application.unit, history[application.id]
        )
        if refusal:
            problems.append(f"{label}：{refusal}")
    if problems:
        raise ReviewRefused(problems)
    numbers = _numbers_needed(session, applications, action)
    changes = []
    now = utcnow()
    for application in applications:
        workflow = workflows()[application.campaign]
        before = application.stage
        after = workflow.next_stage(before).id if action == "approve" else REJECTED
        if application.id in numbers:
            application.volunteer_number = numbers[application.id]
        _move(
            session,
            user,
            application,
            after,
            reason,
            now,
            "stage_change",
            bulk=len(applications) > 1,
        )
        if application.id in numbers:
            # Registered: the person's volunteer record is created (or joined) in this write.
            join_record(session, application)
        changes.append(
            Change(
                application.id, application.reference, before, after, application.volunteer_number
            )
        )
    return changes, applications


def _locked(session: Session, scope: frozenset[str], ids: list[int]) -> list[Application]:
    """The applications *ids*, locked for this transaction; 404 unless all are in *scope*."""
    applications = session.scalars(
        select(Application)
        .where(Application.id.in_(ids), Application.unit.in_(scope))
        .order_by(Application.id)
        .with_for_update()
    ).all()
    if len(applications) != len(ids):
        raise ReviewRefused(["所选报名中有不存在或不在本单位管辖范围内的"], 404)
    return applications


def reopen(
    user: User,
    scope: frozenset[str],
    application_id: int,
    reason: str | None,
    seen_stage: str | None = None,
) -> Change:
    """Take a rejected application back to the stage at which it was rejected (audited).

    Refused when the applicant has an open application in the same scope by now: they
    applied again after the rejection, and one person holds one open application.
    """
    reason = clean_reason(reason, required=True)
    try:
        with get_db().write() as session:
            (application,) = _locked(session, scope, [application_id])
            workflow = workflows()[application.campaign]
            label = f"报名 {format_reference(application.reference)}（{application.name}）"
            if seen_stage and seen_stage != application.stage:
                current = workflow.name(application.stage)
                raise ReviewRefused([f"{label}已被他人处理，现为“{current}”"])
            history = histories(session, [application.id])[application.id]
            refusal = workflow.reopen_refusal(
                application.stage, user.unit, application.unit, history
            )
            if refusal:
                raise ReviewRefused([f"{label}：{refusal}"])
            _refuse_if_applied_again(session, application, label)
            back = rejected_at(history)
            _move(session, user, application, back, reason, utcnow(), "reopen")
    except IntegrityError:
        # The applicant's new application committed between our look and our write.
        raise ReviewRefused([APPLIED_AGAIN]) from None
    return Change(application.id, application.reference, REJECTED, back, None)


def _refuse_if_applied_again(session: Session, application: Application, label: str) -> None:
    newer = session.scalar(
        select(Application.reference)
        .where(
            Application.scope == application.scope,
            Application.id_hmac == application.id_hmac,
            Application.id != application.id,
            Application.stage.not_in(sorted(CLOSED_STAGES)),
        )
        .limit(1)
    )
    if newer is not None:
        raise ReviewRefused([f"{label}：{APPLIED_AGAIN}（新报名编号 {newer}）"])


def _numbers_needed(
    session: Session, applications: list[Application], action: str
) -> dict[int, str]:
    """Volunteer numbers for the applications about to enter their numbering stage."""
    if action != "approve":
        return {}
    year = today().year
    wanted: dict[str, list[Application]] = {}
    patterns: dict[str, str] = {}
    for application in applications:
        workflow = workflows()[application.campaign]
        target = workflow.next_stage(application.stage)
        if target is None or target.id != workflow.numbering_stage or not workflow.number_format:
            continue
        if application.volunteer_number:
            continue
        pattern = workflow.number_format
        key = f"{application.deployment}|{pattern}|{year if '{year' in pattern else ''}"
        wanted.setdefault(key, []).append(application)
        patterns[key] = pattern
    numbers = {}
    for key, group in wanted.items():
        first = _reserve(session, key, len(group))
        for offset, application in enumerate(group):
            numbers[application.id] = patterns[key].format(year=year, seq=first + offset)
    return numbers


def _reserve(session: Session, key: str, count: int) -> int:
    """Reserve *count* consecutive sequence numbers under *key*; return the first."""
    last = session.execute(
        update(VolunteerCounter)
        .where(VolunteerCounter.key == key)
        .values(value=VolunteerCounter.value + count)
        .returning(VolunteerCounter.value)
    ).scalar_one_or_none()
    if last is None:
        session.add(VolunteerCounter(key=key, value=count))
        session.flush()
        last = count
    return last - count + 1


def _move(session, user, application, to_stage: str, reason, now, action: str, **detail) -> None:
    """Put *application* at *to_stage*: its stage event and audit entry in the same write."""
    before = application.stage
    application.stage = to_stage
    application.updated_at = now
    session.add(
        StageEvent(
            application_id=application.id,
            from_stage=before,
            to_stage=to_stage,
            actor=f"user:{user.id}",
            unit=user.unit,
            reason=reason,
            at=now,
        )
    )
    record(
        session,
        action,
        user=user,
        unit=application.unit,
        application_id=application.id,
        reference=application.reference,
        from_stage=before,
        to_stage=to_stage,
        reason=reason,
        **detail,
    )
