"""Storing applications and finding them again: the steps that need the database.

``submit`` is the single way in for the form and the API: it validates, checks the
scheme's rule on applying twice (``pingan.duplicates``, over the person's earlier
applications, which the roster import reads too through ``earlier_applications``),
encrypts, and only then opens a write transaction that inserts the row with its first
stage event: on SQLite the write lock is held for the inserts and the commit, never for
reading or computing. Its few fixed statements run on the driver (``driver.py``); on
PostgreSQL the row and its event are one statement. The unique index on ``(scope,
id_hmac)`` over open applications settles races that the look-up before the insert cannot
see, so two concurrent submissions of one ID number store exactly one application; a
rejected or withdrawn one is not open and does not stand in the way.
"""

from __future__ import annotations

import datetime
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Connection, Table, bindparam, case, func, insert, select
from sqlalchemy.orm import Session

from pingan.deployment import Deployment
from pingan.duplicates import Earlier, duplicate_problem
from pingan.records import format_reference as format_reference  # re-exported for the views
from pingan.review import CLOSED_STAGES, REGISTERED, WITHDRAWN, Workflow, state_of

from . import driver
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
    statements = _statements(database)
    hooks = _stored_hooks()
    with driver.connect(database) as connection:
        # The rule on applying twice is read before the write transaction, with no lock held
        # (SQLite locks the whole database for a write). A submission of the same person
        # committed in between meets the unique index on (scope, id_hmac) and is looked up
        # again below.
        earlier = _earlier_result(
            connection, form, id_hmac, submission.unit, idempotency_key, request_hmac
        )
        if earlier is not None:
            return earlier
        for _attempt in range(3):
            # Encrypted and built before the write lock: the transaction holds only the inserts.
            values = application_values(cipher, form, submission, id_hmac, channel)
            values["submitted_at"] = values["updated_at"] = utcnow()
            application = StoredApplication(values)
            try:
                after_commit = _store(
                    connection, statements, application, hooks, idempotency_key, request_hmac
                )
            except database.engine.dialect.loaded_dbapi.IntegrityError:
                # Someone else committed first: the same person, the same key, or (once in
                # 10^14) the same reference. Look again, outside any transaction.
                earlier = _earlier_result(
                    connection, form, id_hmac, submission.unit, idempotency_key, request_hmac
                )
                if earlier is not None:
                    return earlier
                continue
            for callback in after_commit:
                callback()
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


class StoredApplication:
    """An application just stored by ``submit``: its id and its row's values as attributes.

    What the views, the log and the stored hooks read of it (reference, campaign, stage,
    unit, name, answers, channel …); an ORM ``Application`` would cost more to build than
    the inserts.
    """

    def __init__(self, values: dict[str, Any]):
        self.id: int | None = None
        self.values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class StoredRow:
    """A row a stored hook adds in the application's transaction (``pingan_stored_hooks``),
    and what to call once that transaction has committed."""

    table: Table
    values: dict[str, Any]
    after_commit: Callable[[], None] | None = None


def _store(
    connection: driver.DriverConnection,
    statements: _SubmissionStatements,
    application: StoredApplication,
    hooks: list,
    key: str | None,
    request_hmac: str,
) -> list[Callable[[], None]]:
    """Insert *application*, its first stage event and whatever comes with it, in one
    transaction; its id is set on it. Returns what to call after the commit."""
    values = application.values
    event = {
        "event_to_stage": values["stage"],
        "event_actor": "applicant",
        "event_at": values["submitted_at"],
    }
    rows = [row for hook in hooks for row in hook(application)]
    if not statements.together:  # SQLite: the row, then its event with the row's id
        with connection.transaction() as cursor:
            application.id = cursor.execute(statements.application, values).lastrowid
            event["event_application_id"] = application.id
            cursor.execute(statements.event, event)
            _store_more(cursor, statements, application, rows, key, request_hmac)
    elif not rows and not key:  # PostgreSQL: one statement, its own transaction
        application.id = connection.write_one(statements.together, {**values, **event})[0][0]
    else:
        with connection.transaction() as cursor:
            found = cursor.execute(statements.together, {**values, **event}).fetchall()
            application.id = found[0][0]
            _store_more(cursor, statements, application, rows, key, request_hmac)
    return [row.after_commit for row in rows if row.after_commit is not None]


def _store_more(cursor, statements, application, rows, key, request_hmac) -> None:
    """The idempotency key and the hooks' rows, in the application's transaction."""
    if key:
        key_values = {
            "campaign": application.campaign,
            "key": key,
            "request_hmac": request_hmac,
            "application_id": application.id,
            "created_at": application.submitted_at,
        }
        cursor.execute(statements.key, key_values)
    for row in rows:
        statement = statements.of_table(row.table)
        cursor.execute(statement, {**row.values, "application_id": application.id})


def _stored_hooks() -> list:
    """What the app stores with each application (``office.letters``: the e-mail): each
    hook takes the ``StoredApplication`` and returns ``StoredRow``s, maybe none."""
    return current_app.extensions.get("pingan_stored_hooks", []) if has_app_context() else []


class _SubmissionStatements:
    """The submission's statements, compiled once per database (``driver.py``)."""

    def __init__(self, dialect):
        self.dialect = dialect
        applications = Application.__table__
        events = StageEvent.__table__
        self.application = driver.insert_statement(applications, dialect)
        clause, event_defaults = driver.insert_values(events, "event_")
        self.event = driver.Statement(clause, dialect, event_defaults)
        self.key = driver.insert_statement(IdempotencyKey.__table__, dialect)
        self.earlier = driver.Statement(_EARLIER_ONE, dialect)
        self.together = None
        if dialect.name != "sqlite":
            # PostgreSQL: the row and its event in one statement (a data-modifying WITH), so
            # that without a key or a hook's row the write is one round trip in autocommit.
            row_clause, defaults = driver.insert_values(applications)
            stored = row_clause.returning(applications.c.id).cte("stored")
            event_columns = ["application_id", "to_stage", "actor", "at"]
            together = (
                insert(events)
                .from_select(
                    event_columns,
                    select(
                        stored.c.id,
                        bindparam("event_to_stage", type_=events.c.to_stage.type),
                        bindparam("event_actor", type_=events.c.actor.type),
                        bindparam("event_at", type_=events.c.at.type),
                    ),
                )
                .returning(events.c.application_id)
            )
            self.together = driver.Statement(together, dialect, defaults)
        self._tables: dict[str, driver.Statement] = {}

    def of_table(self, table: Table) -> driver.Statement:
        if table.name not in self._tables:
            self._tables[table.name] = driver.insert_statement(table, self.dialect)
        return self._tables[table.name]


def _statements(database: Database) -> _SubmissionStatements:
    statements = database.driver_statements.get("submission")
    if statements is None:
        statements = database.driver_statements["submission"] = _SubmissionStatements(
            database.engine.dialect
        )
    return statements


def application_values(
    cipher: PersonalDataCipher,
    form: CampaignForm,
    submission: Submission,
    id_hmac: str,
    channel: str,
) -> dict[str, Any]:
    """The unsaved row for a validated *submission*, by column: personal data encrypted,
    first stage.

    The one place that maps a ``Submission`` onto an application's row, shared by online
    submissions (``submit``) and office roster imports (``office.imports``, through
    ``new_application``). *id_hmac* is ``identity_hash`` of the submission's document,
    which the UNIQUE constraint checks.
    """
    sensitive = submission.sensitive
    answers = dict(submission.answers)
    service_type = answers.pop("service_type", None)  # a column of its own: see models
    return {
        "reference": new_reference(),
        "deployment": form.deployment.id,
        "campaign": submission.campaign,
        "unit": submission.unit,
        "category": submission.category,
        "service_type": service_type,
        "stage": form.workflow.first,
        "scope": form.scope,
        "name": submission.name,
        "id_type": submission.id_type,
        "id_hmac": id_hmac,
        "id_encrypted": cipher.encrypt(submission.id_number),
        "id_last4": submission.id_number[-4:],
        "sex": submission.sex,
        "birth_month": f"{submission.birth_date:%Y-%m}" if submission.birth_date else None,
        "mobile_encrypted": cipher.encrypt(submission.mobile) if submission.mobile else None,
        "sensitive_encrypted": (
            cipher.encrypt(json.dumps(sensitive, ensure_ascii=False)) if sensitive else None
        ),
        "answers": answers,
        "declarations": submission.declarations,
        "consent_notice": True,
        "consent_sensitive": True,
        "notice_version": submission.notice_version,
        "via": submission.via,
        "channel": channel,
    }


def new_application(
    cipher: PersonalDataCipher,
    form: CampaignForm,
    submission: Submission,
    id_hmac: str,
    channel: str,
) -> Application:
    """``application_values`` as an unsaved ``Application`` (the roster import adds it to a
    write session with its first ``StageEvent``)."""
    return Application(**application_values(cipher, form, submission, id_hmac, channel))


#: A person's applications, by the identity index alone. Built once: building the statement
#: per call cost more than running it. No condition on the deployment: a plan made before
#: the table has statistics (a new deployment, PostgreSQL's generic plan) took the
#: deployment's own index instead and read every row of it per look-up; the few rows of
#: one person are sorted by deployment here (``_earlier_of_rows``). One hash (a submission)
#: compares with ``=``; a roster import's many go through one expanding ``IN``.
_EARLIER_COLUMNS = (
    Application.deployment,
    Application.id_hmac,
    Application.campaign,
    Application.unit,
    Application.stage,
)
_EARLIER_ONE = (
    select(*_EARLIER_COLUMNS)
    .where(Application.id_hmac == bindparam("id_hmac"))
    .order_by(Application.id)
)
_EARLIER_MANY = (
    select(*_EARLIER_COLUMNS)
    .where(Application.id_hmac.in_(bindparam("id_hmacs", expanding=True)))
    .order_by(Application.id)
)


def earlier_applications(
    session: Session | Connection, deployment: Deployment, id_hmacs: list[str]
) -> dict[str, list[Earlier]]:
    """Each keyed hash → the applications of that person in *deployment*, with their state."""
    # Core, not the ORM: its row handling would double the cost.
    connection = session if isinstance(session, Connection) else session.connection()
    if len(id_hmacs) == 1:
        rows = connection.execute(_EARLIER_ONE, {"id_hmac": id_hmacs[0]}).all()
    else:
        rows = connection.execute(_EARLIER_MANY, {"id_hmacs": list(id_hmacs)}).all()
    return _earlier_of_rows(deployment, rows)


def _earlier_of_rows(deployment: Deployment, rows) -> dict[str, list[Earlier]]:
    """(deployment, id_hmac, campaign, unit, stage) rows → each keyed hash's applications in
    *deployment*, with their state."""
    flows: dict[str, Workflow | None] = {}
    found: dict[str, list[Earlier]] = {}
    for deployment_id, id_hmac, campaign_id, unit, stage in rows:
        if deployment_id != deployment.id:
            continue
        if campaign_id not in flows:
            campaign = deployment.campaigns.get(campaign_id)
            flows[campaign_id] = campaign and Workflow(campaign, deployment)
        state = state_of(stage, flows[campaign_id])
        found.setdefault(id_hmac, []).append(Earlier(campaign_id, unit, state))
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
    connection: driver.DriverConnection, form: CampaignForm, id_hmac: str, unit: str | None
) -> list[FieldError]:
    """The scheme's rule on applying twice, as an error on the ID number field."""
    statement = _statements(connection.database).earlier
    rows = connection.read(statement, {"id_hmac": id_hmac})
    earlier = _earlier_of_rows(form.deployment, rows).get(id_hmac, [])
    message = duplicate_message(form, earlier, unit)
    return [FieldError("id_number", message)] if message else []


def _earlier_result(
    connection: driver.DriverConnection,
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
        with connection.database.sessions() as session:
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
