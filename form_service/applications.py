"""Storing applications and finding them again: the steps that need the database.

``submit`` is the single way in for the form and the API: it validates, checks the
scheme's rule on applying twice (``pingan.duplicates``, over ``earlier_applications``,
which the roster import uses too), encrypts, and only then opens a write transaction that
inserts the row with its first stage event: on SQLite the write lock is held for the
inserts and the commit, never for reading or computing. The unique index on
``(scope, id_hmac)`` over open applications settles races that the look-up before the
insert cannot see, so two concurrent submissions of one ID number store exactly one
application; a rejected or withdrawn one is not open and does not stand in the way.
"""

from __future__ import annotations

import datetime
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Connection, bindparam, case, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pingan.deployment import Deployment
from pingan.duplicates import Earlier, duplicate_problem
from pingan.records import format_reference as format_reference  # re-exported for the views
from pingan.review import CLOSED_STAGES, REGISTERED, WITHDRAWN, Workflow, state_of

from .crypto import PersonalDataCipher
from .db import Database
from .forms import CampaignForm
from .models import Application, IdempotencyKey, StageEvent, utcnow
from .validation import FieldError, Submission, unreadable_errors, validate_application

log = logging.getLogger(__name__)

#: Reference alphabet: digits and capitals without 0/O, 1/I/L, so it can be read aloud.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 10  # 31^10 ≈ 8·10^14: not guessable at any rate limit


#: References a 64-bit random number can stand for without favouring any (``new_reference``).
_REFERENCES = len(REFERENCE_ALPHABET) ** REFERENCE_LENGTH
_UNBIASED_BELOW = (2**64 // _REFERENCES) * _REFERENCES


def new_reference() -> str:
    """A random reference, every one equally likely: one read of the system's random source
    (``secrets.choice`` per character made ten), numbers past the last whole multiple of the
    references redrawn."""
    number = _UNBIASED_BELOW
    while number >= _UNBIASED_BELOW:
        number = int.from_bytes(secrets.token_bytes(8))
    characters = []
    for _ in range(REFERENCE_LENGTH):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        characters.append(REFERENCE_ALPHABET[digit])
    return "".join(characters)


def normalise_reference(text: str) -> str:
    """What the applicant typed → the stored form: no spaces or dashes, upper case."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


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
    request_hmac = ""
    if idempotency_key:
        unreadable = unreadable_errors(form, raw)  # before the hash encodes the answers
        if unreadable:
            return Outcome(errors=unreadable)
        request_hmac = cipher.lookup_hash(json.dumps(raw, sort_keys=True, ensure_ascii=False))
        with database.sessions() as session:
            replay = _replay(session, form, idempotency_key, request_hmac)
        if replay is not None:
            return replay
    submission, errors = validate_application(form, raw, today, strict_keys=strict_keys)
    if submission is None:
        return Outcome(errors=errors)
    id_hmac = identity_hash(cipher, submission.id_type, submission.id_number)
    # SQLite locks the whole database for a write transaction, so there the rule on applying
    # twice is read before it, with no lock held; PostgreSQL locks only the new rows, so
    # there the look-up opens the write transaction and the request takes one connection.
    # Either way a submission of the same person committed in between meets the unique
    # index on (scope, id_hmac) and is looked up again below.
    look_first = database.is_sqlite
    if look_first:
        with database.engine.connect() as connection:  # Core: no Session for one SELECT
            earlier = _earlier_result(
                connection, form, id_hmac, submission.unit, idempotency_key, request_hmac
            )
        if earlier is not None:
            return earlier
    for _attempt in range(3):
        # Encrypted and built before the write lock: the transaction holds only the inserts.
        application = new_application(cipher, form, submission, id_hmac, channel)
        application.submitted_at = application.updated_at = utcnow()
        row = _insert_values(application)
        try:
            with database.write() as session:
                connection = session.connection()
                if not look_first:
                    earlier = _earlier_result(
                        connection, form, id_hmac, submission.unit, idempotency_key, request_hmac
                    )
                    if earlier is not None:
                        return earlier
                inserted = connection.execute(_INSERT_APPLICATION, row)
                application.id = inserted.inserted_primary_key[0]
                connection.execute(
                    _INSERT_EVENT,
                    {
                        "application_id": application.id,
                        "to_stage": application.stage,
                        "actor": "applicant",
                        "at": application.submitted_at,
                    },
                )
                for hook in _stored_hooks():
                    hook(session, application)  # the e-mail confirmation, in this transaction
                if idempotency_key:
                    connection.execute(
                        _INSERT_KEY,
                        {
                            "campaign": form.campaign.id,
                            "key": idempotency_key,
                            "request_hmac": request_hmac,
                            "application_id": application.id,
                            "created_at": application.submitted_at,
                        },
                    )
        except IntegrityError:
            # Someone else committed first: the same person, the same key, or (once in
            # 10^14) the same reference. Look again in a fresh transaction.
            with database.engine.connect() as connection:
                earlier = _earlier_result(
                    connection, form, id_hmac, submission.unit, idempotency_key, request_hmac
                )
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


def _stored_hooks() -> list:
    """What the app writes with each stored application (``office.letters``: the e-mail)."""
    return current_app.extensions.get("pingan_stored_hooks", []) if has_app_context() else []


#: Core inserts: the unit of work would spend more time than the statements, inside the lock.
_INSERT_APPLICATION = insert(Application.__table__)
_INSERT_EVENT = insert(StageEvent.__table__)
_INSERT_KEY = insert(IdempotencyKey.__table__)


def _insert_values(application: Application) -> dict[str, Any]:
    """The columns *application* (unsaved, built by ``new_application``) sets."""
    values = {}
    for column in Application.__table__.columns:
        value = getattr(application, column.key)
        if value is not None:
            values[column.key] = value
    return values


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
    answers = dict(submission.answers)
    service_type = answers.pop("service_type", None)  # a column of its own: see models
    return Application(
        reference=new_reference(),
        deployment=form.deployment.id,
        campaign=submission.campaign,
        unit=submission.unit,
        category=submission.category,
        service_type=service_type,
        stage=form.workflow.first,
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
        answers=answers,
        declarations=submission.declarations,
        consent_notice=True,
        consent_sensitive=True,
        notice_version=submission.notice_version,
        via=submission.via,
        channel=channel,
    )


#: A person's applications in a deployment, by the identity index. Built once: building the
#: statement per call cost more than running it. One hash (a submission) compares with ``=``;
#: a roster import's many go through one expanding ``IN``.
_EARLIER_COLUMNS = (Application.id_hmac, Application.campaign, Application.unit, Application.stage)
_EARLIER_ONE = (
    select(*_EARLIER_COLUMNS)
    .where(
        Application.deployment == bindparam("deployment"),
        Application.id_hmac == bindparam("id_hmac"),
    )
    .order_by(Application.id)
)
_EARLIER_MANY = (
    select(*_EARLIER_COLUMNS)
    .where(
        Application.deployment == bindparam("deployment"),
        Application.id_hmac.in_(bindparam("id_hmacs", expanding=True)),
    )
    .order_by(Application.id)
)


def earlier_applications(
    session: Session | Connection, deployment: Deployment, id_hmacs: list[str]
) -> dict[str, list[Earlier]]:
    """Each keyed hash → the applications of that person in *deployment*, with their state."""
    # Core, not the ORM: its row handling would double the cost.
    connection = session if isinstance(session, Connection) else session.connection()
    if len(id_hmacs) == 1:
        parameters = {"deployment": deployment.id, "id_hmac": id_hmacs[0]}
        rows = connection.execute(_EARLIER_ONE, parameters).all()
    else:
        parameters = {"deployment": deployment.id, "id_hmacs": list(id_hmacs)}
        rows = connection.execute(_EARLIER_MANY, parameters).all()
    flows: dict[str, Workflow | None] = {}
    found: dict[str, list[Earlier]] = {}
    for row in rows:
        if row.campaign not in flows:
            campaign = deployment.campaigns.get(row.campaign)
            flows[row.campaign] = campaign and Workflow(campaign, deployment)
        state = state_of(row.stage, flows[row.campaign])
        found.setdefault(row.id_hmac, []).append(Earlier(row.campaign, row.unit, state))
    return found


def duplicate_message(form: CampaignForm, earlier: list[Earlier], unit: str | None) -> str | None:
    """The scheme's rule on applying twice (``pingan.duplicates``) for *form*'s campaign."""
    return duplicate_problem(
        earlier,
        campaign=form.campaign.id,
        unit=unit,
        rule=form.eligibility.get("double_registration", "allowed"),
        contact=form.contact_text,
    )


def _duplicate_errors(
    connection: Connection, form: CampaignForm, id_hmac: str, unit: str | None
) -> list[FieldError]:
    """The scheme's rule on applying twice, as an error on the ID number field."""
    earlier = earlier_applications(connection, form.deployment, [id_hmac]).get(id_hmac, [])
    message = duplicate_message(form, earlier, unit)
    return [FieldError("id_number", message)] if message else []


def _earlier_result(
    connection: Connection,
    form: CampaignForm,
    id_hmac: str,
    unit: str | None,
    key: str | None,
    request_hmac: str,
) -> Outcome | None:
    """What an earlier, committed submission decides: a replay, a refusal, or None.

    Duplicates are looked up first: PostgreSQL's READ COMMITTED gives each statement a new
    snapshot, and an application commits together with its key, so once the application
    is visible the key is too, and a retry is answered as a replay, not as a duplicate.
    """
    errors = _duplicate_errors(connection, form, id_hmac, unit)
    if key:
        with Session(bind=connection) as session:  # joins the connection's transaction
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


def withdraw(session: Session, application: Application, workflow: Workflow | None) -> str | None:
    """The applicant's 撤回 of a pending application, in *session*; why not, or None."""
    refusal = workflow.withdrawal_refusal(application.stage) if workflow else "该招募已不再受理撤回"
    if refusal:
        return refusal
    now = utcnow()
    session.add(
        StageEvent(
            application_id=application.id,
            from_stage=application.stage,
            to_stage=WITHDRAWN,
            actor="applicant",
            at=now,
        )
    )
    application.stage = WITHDRAWN
    application.updated_at = now
    return None


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
    """Open applications and registrations per unit, each unit counting every unit below it.

    A rejected or withdrawn application is not counted: its applicant may apply again,
    and the new application counts instead.
    """
    workflow = Workflow(form.campaign, form.deployment)
    registered = [s.id for s in workflow.stages if workflow.state(s.id) == REGISTERED]
    rows = session.execute(
        select(
            Application.unit,
            func.count(),
            func.sum(case((Application.stage.in_(registered), 1), else_=0)),
        )
        .where(
            Application.campaign == form.campaign.id,
            Application.stage.not_in(sorted(CLOSED_STAGES)),
        )
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
