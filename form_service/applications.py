"""Storing applications and finding them again: the steps that need the database.

``submit`` is the single way in for the form, the API and (next) imports: it validates,
checks the scheme's duplicate rules, encrypts, and commits one row with its first stage
event in one write transaction. The ``UNIQUE (scope, id_hmac)`` constraint settles races
that the look-up before the insert cannot see (PostgreSQL's READ COMMITTED), so two
concurrent submissions of one ID number store exactly one application.
"""

from __future__ import annotations

import datetime
import hmac
import json
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .crypto import PersonalDataCipher
from .db import Database
from .forms import CampaignForm
from .models import Application, IdempotencyKey, StageEvent
from .validation import FieldError, Submission, unreadable_errors, validate_application

log = logging.getLogger(__name__)

#: Reference alphabet: digits and capitals without 0/O, 1/I/L, so it can be read aloud.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 10  # 31^10 ≈ 8·10^14: not guessable at any rate limit


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalise_reference(text: str) -> str:
    """What the applicant typed → the stored form: no spaces or dashes, upper case."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def format_reference(reference: str) -> str:
    """``ABCDE23456`` → ``ABCDE-23456`` for reading and copying."""
    return f"{reference[:5]}-{reference[5:]}"


@dataclass
class Outcome:
    """What ``submit`` did: the stored application, or why nothing was stored."""

    application: Application | None = None
    errors: list[FieldError] | None = None
    replayed: bool = False  # an Idempotency-Key repeated: the first result, nothing new

    @property
    def ok(self) -> bool:
        return self.application is not None


def identity_hash(cipher: PersonalDataCipher, id_type: str, number: str) -> str:
    """Keyed hash of a normalised document number; the type keeps passports apart from IDs."""
    return cipher.lookup_hash(number if id_type == "resident_id" else f"{id_type}:{number}")


def submit(
    database: Database,
    cipher: PersonalDataCipher,
    form: CampaignForm,
    raw: dict,
    today: datetime.date,
    *,
    channel: str,
    strict_keys: bool = False,
    idempotency_key: str | None = None,
) -> Outcome:
    """Validate and store one application; nothing is stored unless all of it is valid."""
    unreadable = unreadable_errors(form, raw)
    if unreadable:
        return Outcome(errors=unreadable)
    request_hmac = (
        cipher.lookup_hash(json.dumps(raw, sort_keys=True, ensure_ascii=False))
        if idempotency_key
        else ""
    )
    if idempotency_key:
        with database.sessions() as session:
            replay = _replay(session, form, idempotency_key, request_hmac)
        if replay is not None:
            return replay
    submission, errors = validate_application(form, raw, today, strict_keys=strict_keys)
    if submission is None:
        return Outcome(errors=errors)
    id_hmac = identity_hash(cipher, submission.id_type, submission.id_number)
    for _attempt in range(3):
        try:
            with database.write() as session:
                earlier = _earlier_result(session, form, id_hmac, idempotency_key, request_hmac)
                if earlier is not None:
                    return earlier
                application = new_application(cipher, form, submission, id_hmac, channel)
                session.add(application)
                session.flush()
                session.add(
                    StageEvent(
                        application_id=application.id,
                        from_stage=None,
                        to_stage=application.stage,
                        actor="applicant",
                    )
                )
                if idempotency_key:
                    session.add(
                        IdempotencyKey(
                            campaign=form.campaign.id,
                            key=idempotency_key,
                            request_hmac=request_hmac,
                            application_id=application.id,
                        )
                    )
        except IntegrityError:
            # Someone else committed first: the same person, the same key, or (once in
            # 10^14) the same reference. Look again in a fresh transaction.
            with database.sessions() as session:
                earlier = _earlier_result(session, form, id_hmac, idempotency_key, request_hmac)
            if earlier is not None:
                return earlier
            continue
        # The row id, not the reference: reference + last four ID characters open /status.
        log.info(
            "application stored: id=%s campaign=%s unit=%s channel=%s",
            application.id,
            application.campaign,
            application.unit,
            channel,
        )
        return Outcome(application=application)
    raise RuntimeError("could not store the application after three attempts")


def new_application(
    cipher: PersonalDataCipher,
    form: CampaignForm,
    submission: Submission,
    id_hmac: str,
    channel: str,
) -> Application:
    """The unsaved row for a validated *submission*: personal data encrypted, first stage.

    The one place that maps a ``Submission`` onto an ``Application``, shared by online
    submissions (``submit``) and office roster imports (``office.imports``). The caller
    adds it to a write session (and its first ``StageEvent``); *id_hmac* is
    ``identity_hash`` of the submission's document, which the UNIQUE constraint checks.
    """
    sensitive = submission.sensitive
    return Application(
        reference=new_reference(),
        deployment=form.deployment.id,
        campaign=submission.campaign,
        unit=submission.unit,
        category=submission.category,
        stage=_first_stage(form),
        scope=form.scope,
        name=submission.name,
        id_type=submission.id_type,
        id_hmac=id_hmac,
        id_encrypted=cipher.encrypt(submission.id_number),
        id_last4=submission.id_number[-4:],
        sex=submission.sex,
        birth_month=f"{submission.birth_date:%Y-%m}" if submission.birth_date else None,
        mobile_encrypted=cipher.encrypt(submission.mobile) if submission.mobile else None,
        sensitive_encrypted=(
            cipher.encrypt(json.dumps(sensitive, ensure_ascii=False)) if sensitive else None
        ),
        answers=submission.answers,
        declarations=submission.declarations,
        consent_notice=True,
        consent_sensitive=True,
        notice_version=submission.notice_version,
        via=submission.via,
        channel=channel,
    )


def _first_stage(form: CampaignForm) -> str:
    stages = form.campaign.data.get("review", {}).get("stages") or [{"id": "submitted"}]
    return stages[0]["id"]


def _duplicate_errors(session: Session, form: CampaignForm, id_hmac: str) -> list[FieldError]:
    """The scheme's rules on applying twice, as errors on the ID number field."""
    campaign = form.campaign
    rows = session.execute(
        select(Application.campaign, Application.scope).where(
            Application.deployment == form.deployment.id, Application.id_hmac == id_hmac
        )
    ).all()
    if any(row.campaign == campaign.id for row in rows):
        return [
            FieldError(
                "id_number",
                "该证件号码已报名本次招募，请勿重复报名；可凭报名编号在“报名进度查询”页面查看审核进度",
            )
        ]
    rule = form.eligibility.get("double_registration", "allowed")
    others = [row for row in rows if row.campaign != campaign.id]
    if rule == "allowed":
        others = [row for row in others if row.scope == form.scope]
    if others:
        principle = "原则上" if rule == "refused_in_principle" else ""
        return [
            FieldError(
                "id_number",
                f"该证件号码已在本地区其他平安志愿者队伍报名或登记。按本次招募的规定，"
                f"已担任其他行业志愿者的{principle}不再招募；如有特殊情况，"
                f"请联系{form.contact_text}",
            )
        ]
    return []


def _earlier_result(
    session: Session, form: CampaignForm, id_hmac: str, key: str | None, request_hmac: str
) -> Outcome | None:
    """What an earlier, committed submission decides: a replay, a refusal, or None.

    Duplicates are looked up first: PostgreSQL's READ COMMITTED gives each statement a new
    snapshot, and an application commits together with its key, so once the application
    is visible the key is too, and a retry is answered as a replay, not as a duplicate.
    """
    errors = _duplicate_errors(session, form, id_hmac)
    if key:
        replay = _replay(session, form, key, request_hmac)
        if replay is not None:
            return replay
    return Outcome(errors=errors) if errors else None


def _replay(session: Session, form: CampaignForm, key: str, request_hmac: str) -> Outcome | None:
    """The first result for an Idempotency-Key, an error if it came with another body, or None."""
    row = session.execute(
        select(IdempotencyKey, Application)
        .join(Application, Application.id == IdempotencyKey.application_id)
        .where(IdempotencyKey.campaign == form.campaign.id, IdempotencyKey.key == key)
    ).first()
    if row is None:
        return None
    stored, application = row
    if not hmac.compare_digest(stored.request_hmac, request_hmac):
        return Outcome(
            errors=[
                FieldError("Idempotency-Key", "同一个 Idempotency-Key 已用于内容不同的另一次提交")
            ]
        )
    return Outcome(application=application, replayed=True)


def find_by_reference(session: Session, reference: str, last4: str) -> Application | None:
    """The application with this reference whose ID number ends in *last4*, else None."""
    application = session.execute(
        select(Application).where(Application.reference == normalise_reference(reference))
    ).scalar_one_or_none()
    given = "".join((last4 or "").split()).upper()
    if application is None or not hmac.compare_digest(application.id_last4, given[-4:] or "-"):
        return None
    return application


def latest_reason(session: Session, application: Application) -> str | None:
    """The reason of the latest stage change that gave one (what the applicant is told)."""
    return session.execute(
        select(StageEvent.reason)
        .where(StageEvent.application_id == application.id, StageEvent.reason.is_not(None))
        .order_by(StageEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def progress(session: Session, form: CampaignForm) -> dict[str, dict[str, int]]:
    """Applications and registrations per unit, each unit counting every unit below it."""
    stages = form.campaign.data.get("review", {}).get("stages") or [{"id": "registered"}]
    registered = stages[-1]["id"]
    rows = session.execute(
        select(
            Application.unit,
            func.count(),
            func.sum(case((Application.stage == registered, 1), else_=0)),
        )
        .where(Application.campaign == form.campaign.id)
        .group_by(Application.unit)
    ).all()
    tree = form.deployment.tree
    totals: dict[str, dict[str, int]] = {}
    for unit, count, done in rows:
        chain = tree.path(unit) if unit in tree else []
        for node in chain:
            entry = totals.setdefault(node.id, {"applications": 0, "registered": 0})
            entry["applications"] += count
            entry["registered"] += int(done or 0)
    return totals
