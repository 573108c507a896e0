"""Exports of a unit's applications as a data package (``pingan.export.write_package``).

Records stream from the database in id order (``yield_per``: a server-side cursor on
PostgreSQL), are decrypted one at a time and written by the export library into files on
disk, so memory stays flat whatever the row count. A small export (up to
``EXPORT_BACKGROUND_THRESHOLD`` rows) is built into an unlinked temporary file and sent
at once; a larger one becomes an ``ExportJob``, run as the ``export`` task of the task
queue (``form_service.queue``: a runner of any instance, or ``pingan worker``), with a
progress page that reloads itself; its file is kept in ``EXPORT_DIR`` (mode 0600; a folder
every instance reaches when there are several) for ``EXPORT_KEEP_HOURS``.

Caching: the job's ``cache_key`` hashes the request (unit, campaigns, columns, full or
masked numbers, the whole package or the data package alone) and the state of the data
it covers (row count, the highest id and the latest ``updated_at`` of the selected rows,
the campaigns' definitions). A stage change, a new application or a changed campaign
file changes the key; an identical request on unchanged data gets the finished file
again (and its own audit event); the data package alone is never served for the whole
one, nor the other way round.

A runner claims a job with a conditional update and renews the claim with every
progress report (``updated_at`` is the claim's version). A job whose runner stopped
reporting for ``EXPORT_LEASE_SECONDS`` (the process died) is queued again by the sweep
and finished by another runner; the dead one, should it wake, finds its claim gone and
stops. Each run writes its own ``.part`` file and renames it into place. A job still
unfinished ``GIVE_UP`` after it was asked for is marked failed, so its page tells the
office to start it again.

A record that cannot be exported (see ``pingan.export.package``; here also one whose
stored data cannot be decrypted or read) is left out and listed in the package's
``excluded.csv``; the export itself succeeds. Its audit event holds what was served:
rows written, records left out, and whether it held the workbooks. A download is built
first and audited before it is sent, the command's package before it appears under its
name. A background job is audited when it is asked for (as every request is), and its
events are completed with those two figures when it ends.

Kinds: the job machinery (claim, lease, progress, cache reuse, the file and its name)
serves every package an office exports. ``ExportJob.options["kind"]`` names what a job
builds (``KINDS``): the applications (a row without a kind is one), or the volunteers'
records, activities and attendance (``form_service.volunteer_exports``, audited at each
download of its file).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pingan.deployment import Deployment
from pingan.export.package import Excluded, PackageSummary, read_excluded, write_package
from pingan.export.source import Source
from pingan.records import STORED_COLUMNS, UNREADABLE, application_record

from .. import volunteer_exports
from ..context import cipher, today
from ..db import get_db
from ..models import Application, utcnow
from ..office_models import AuditEvent, ExportJob, User
from ..queue import get_queue
from .audit import record

APPLICATIONS = "applications"
EXPORT_KEEP_HOURS = 24
#: A job still unfinished this long after it was asked for is given up (failed).
GIVE_UP = datetime.timedelta(hours=2)


@dataclass(frozen=True)
class ExportRequest:
    """What an office asked to export."""

    unit: str
    campaigns: tuple[str, ...]
    columns: tuple[str, ...] | None
    full_id_numbers: bool
    #: False: the data package alone (CSV and datapackage.json), no XLSX: for a million
    #: rows the package an office gets in seconds rather than a minute.
    workbooks: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": APPLICATIONS,
            "unit": self.unit,
            "campaigns": list(self.campaigns),
            "columns": list(self.columns) if self.columns is not None else None,
            "full_id_numbers": self.full_id_numbers,
            "workbooks": self.workbooks,
        }


def init_exports(app: Flask) -> None:
    app.config.setdefault("EXPORT_DIR", str(Path(app.instance_path) / "exports"))
    queue = get_queue(app)
    queue.task("export", run_job)
    queue.sweeper(requeue_stale_jobs)


def scope_units(deployment: Deployment, unit: str) -> list[str]:
    return [node.id for node in deployment.tree.descendants(unit)]


def _selection(deployment: Deployment, request: ExportRequest):
    return (
        Application.deployment == deployment.id,
        Application.unit.in_(scope_units(deployment, request.unit)),
        Application.campaign.in_(request.campaigns),
    )


def data_state(deployment: Deployment, request: ExportRequest) -> tuple[int, str]:
    """(row count, cache key) of what *request* would export now: one aggregate query."""
    with get_db().scan() as session:  # it reads the table: no memory map to keep
        count, last_id, last_update = session.execute(
            select(func.count(), func.max(Application.id), func.max(Application.updated_at)).where(
                *_selection(deployment, request)
            )
        ).one()
    definitions = [deployment.campaigns[c].data for c in request.campaigns]
    key = json.dumps(
        [request.as_dict(), count, last_id, str(last_update), definitions],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return count, hashlib.sha256(key.encode()).hexdigest()


def records(deployment: Deployment, request: ExportRequest) -> Iterator[dict[str, Any]]:
    """The selected applications as the export library's records, decrypted one by one."""
    decrypt = cipher().decrypt
    query = (
        select(
            Application.reference,
            Application.campaign,
            Application.unit,
            Application.stage,
            Application.submitted_at,
            Application.volunteer_number,
            Application.name,
            Application.category,
            Application.service_type,
            Application.id_type,
            Application.sex,
            Application.id_encrypted,
            Application.mobile_encrypted,
            Application.sensitive_encrypted,
            Application.answers,
            Application.via,
        )
        .where(*_selection(deployment, request))
        .order_by(Application.id)
        .execution_options(yield_per=1000)
    )
    with get_db().scan() as session:  # no memory map: it would stay in the RSS
        for row in session.execute(query):
            try:
                record = application_record(row, decrypt)
            except Exception as error:  # one unreadable row must not stop the export
                current_app.logger.warning(
                    "export: application %s unreadable: %s", row.reference, type(error).__name__
                )
                record = {"reference": row.reference, "campaign": row.campaign}
                record["unreadable"] = UNREADABLE
            yield record


def write_export(
    request: ExportRequest, out: str | Path | IO[bytes], progress=None
) -> PackageSummary:
    """Write the data package of *request* to *out* (a path or a binary file); without
    its workbooks if ``request.workbooks`` is False (the office's 仅数据包 choice, the
    command's ``--csv-only``)."""
    deployment: Deployment = current_app.extensions["pingan_deployment"]
    unit = deployment.tree[request.unit]
    source = export_source(deployment, request)
    return write_package(
        source if source is not None else records(deployment, request),
        [deployment.campaigns[c] for c in request.campaigns],
        deployment,
        out,
        columns=list(request.columns) if request.columns is not None else None,
        full_id_numbers=request.full_id_numbers,
        today=today(),
        title=f"{unit.name}报名数据",
        progress=progress,
        workbooks=request.workbooks,
    )


#: Column names of the selection, checked by the workers on a plain id range.
_MATCHED = ("deployment", "unit", "campaign")


def export_source(deployment: Deployment, request: ExportRequest) -> Source | None:
    """Where row workers read *request*'s applications, or None to read them here: fewer
    than ``EXPORT_PARALLEL_ROWS`` rows (starting the workers costs about a second of CPU),
    or a database no other process can open.

    When the selection holds at least a quarter of its id range (an office exporting its
    own applications), the workers read the plain id range in id order and check the
    selection themselves: SQLite would otherwise walk the unit index and sort every row.
    A sparser selection is read through the database's indexes, range by range.
    """
    database = get_db()
    url = database.engine.url
    if database.is_sqlite:
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return None
        driver, address = "sqlite", str(Path(url.database).resolve())
    elif url.get_backend_name() == "postgresql":
        driver = "postgresql"
        address = url.set(drivername="postgresql").render_as_string(hide_password=False)
    else:
        return None
    selection = _selection(deployment, request)
    # Counted on the (campaign, unit) index alone, without the deployment, which only the
    # table holds (a second to read a million rows): an upper bound that only plans the
    # reading; what is read is checked against the whole selection.
    planned = (selection[1], selection[2])
    with database.scan() as session:
        count, first, last = session.execute(
            select(func.count(), func.min(Application.id), func.max(Application.id)).where(*planned)
        ).one()
    if count == 0 or count < current_app.config["EXPORT_PARALLEL_ROWS"]:
        return None
    stored = [getattr(Application, name) for name in STORED_COLUMNS]
    dense = count * 4 >= last - first + 1
    query = select(*stored, *(getattr(Application, name) for name in _MATCHED))
    if not dense:
        query = query.where(*selection)
    query = query.where(
        Application.id >= bindparam("lo", 0), Application.id < bindparam("hi", 0)
    ).order_by(Application.id)
    sql, params = _positional(query, driver)
    match = {}
    if dense:
        match = {
            "deployment": [deployment.id],
            "unit": scope_units(deployment, request.unit),
            "campaign": list(request.campaigns),
        }
    names = _shown_fields(deployment, request)
    return Source(
        driver=driver,
        database=address,
        sql=sql,
        params=params,
        keys=list(cipher().keys),
        first=first,
        last=last,
        count=count,
        match=match,
        id_number=bool(names & {"id_number", "sex", "age", "birth_date"}),
        mobile="mobile" in names,
    )


def _positional(query, driver: str) -> tuple[str, list[Any]]:
    """*query* as SQL for a bare driver, its parameters in order (the range's two last)."""
    if driver == "sqlite":
        dialect = sqlite.dialect()
    else:
        dialect = postgresql.psycopg.dialect(paramstyle="format")
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    names = list(compiled.positiontup or [])
    assert names[-2:] == ["lo", "hi"], names
    return compiled.string, [compiled.params[name] for name in names[:-2]]


def _shown_fields(deployment: Deployment, request: ExportRequest) -> set[str]:
    """Every field the package may show (CSV and roster), for what must be decrypted."""
    if request.columns is None:
        return {"id_number", "mobile"}
    names = set(request.columns)
    for campaign in request.campaigns:
        roster = deployment.campaigns[campaign].data.get("roster")
        if not roster:
            return {"id_number", "mobile"}
        names.update(column["field"] for column in roster["columns"])
    return names


def audit_export(request: ExportRequest, rows: int, excluded: int, **who: Any) -> None:
    """Commit the audit event of an export about to be served: rows in it, records left out."""
    with get_db().write() as db_session:
        _audit(db_session, request, rows, excluded, **who)


def _audit(
    db_session, request: ExportRequest, rows: int, excluded: int | None, **who: Any
) -> AuditEvent:
    return record(
        db_session,
        "export_full_id" if request.full_id_numbers else "export",
        unit=request.unit,
        rows=rows,
        excluded=excluded,
        campaigns=list(request.campaigns),
        columns=list(request.columns) if request.columns is not None else None,
        workbooks=request.workbooks,
        **who,
    )


def export_now(
    request: ExportRequest, user: User | None = None, **who: Any
) -> tuple[IO[bytes], PackageSummary]:
    """Build the package into an unlinked temporary file, audit it; → (file at 0, summary)."""
    handle = tempfile.TemporaryFile(prefix="pingan-export-")
    try:
        summary = write_export(request, handle)
        audit_export(request, sum(summary.rows.values()), summary.excluded_count, user=user, **who)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle, summary


# --- background jobs ---------------------------------------------------------------------------


def start_or_reuse_job(request: ExportRequest, user: User, cache_key: str, total: int) -> ExportJob:
    """An application export's job (``start_job``), every request audited.

    A finished package's figures are known at once; a job still to run keeps the ids of
    its events (``options["audit_events"]``) for ``_finish_applications`` to complete.
    """

    def audit(db_session, job: ExportJob) -> None:
        if job.state == "done":
            _audit(db_session, request, job.done, job_excluded(job)[1], user=user, background=True)
            return
        event = _audit(db_session, request, total, None, user=user, background=True)
        db_session.flush()
        events = [*job.options.get("audit_events", []), event.id]
        job.options = {**job.options, "audit_events": events}

    return start_job(request.as_dict(), user, cache_key, total, on_request=audit)


def start_job(
    options: dict[str, Any],
    user: User,
    cache_key: str,
    total: int,
    on_request: Callable[[Any, ExportJob], None] | None = None,
) -> ExportJob:
    """A job for *user*: a finished one for the same key reused, else a new queued one.

    *options* name the kind and the unit; *on_request* runs in the same write (an audit).
    """
    requeue_stale_jobs()
    with get_db().write() as db_session:
        cached = db_session.scalar(
            select(ExportJob)
            .where(ExportJob.cache_key == cache_key, ExportJob.state.in_(("done", "running")))
            .order_by(ExportJob.id.desc())
            .limit(1)
        )
        if cached is not None and cached.state == "done" and cached.path:
            if not Path(cached.path).exists():
                cached = None
        if cached is not None and cached.user_id == user.id:
            job = cached
        else:
            job = ExportJob(
                token=secrets.token_hex(16),
                user_id=user.id,
                unit=options["unit"],
                options=options,
                cache_key=cache_key,
                total=total,
                state="queued",
            )
            if cached is not None and cached.state == "done":
                job.state, job.done, job.path = "done", cached.done, cached.path
                job.options = {**options, "figures": cached.options.get("figures", {})}
            db_session.add(job)
        if on_request is not None:
            on_request(db_session, job)
    if job.state == "queued":
        _queue_job(job.id)
    return job


def job_request(job: ExportJob) -> ExportRequest:
    """What an application export *job* exports, from its stored options."""
    return job_request_of(job.options)


def job_request_of(options: dict[str, Any]) -> ExportRequest:
    return ExportRequest(
        unit=options["unit"],
        campaigns=tuple(options["campaigns"]),
        columns=tuple(options["columns"]) if options["columns"] is not None else None,
        full_id_numbers=bool(options["full_id_numbers"]),
        workbooks=bool(options.get("workbooks", True)),  # jobs asked for before the choice
    )


def job_excluded(job: ExportJob) -> tuple[list[Excluded], int]:
    """The records a finished job's package left out (the first ones) and how many."""
    if kind_of(job) != APPLICATIONS:
        return [], 0
    if job.state != "done" or not job.path or not Path(job.path).exists():
        return [], 0
    return read_excluded(job.path, job.options["campaigns"])


@dataclass(frozen=True)
class JobKind:
    """What a job of one kind writes, how its file is named, who it tells when done."""

    #: (job options, file, progress(rows)) → (rows written, figures kept with the job)
    write: Callable[[dict[str, Any], Path, Callable[[int], None]], tuple[int, dict[str, Any]]]
    #: what the page and the progress say the package holds
    title: str
    #: what the download's name says after the unit: ``{unit}{file_part}-{date}.zip``
    file_part: str = ""
    #: in the write that finishes the job
    finished: Callable[[Any, ExportJob, dict[str, Any]], None] | None = None
    #: before a download of the job's file is sent
    downloaded: Callable[[ExportJob, User], None] | None = None


def _write_applications(options, out: Path, progress) -> tuple[int, dict[str, Any]]:
    summary = write_export(job_request_of(options), out, progress)
    return sum(summary.rows.values()), {"excluded": summary.excluded_count}


def _finish_applications(db_session, job: ExportJob, figures: dict[str, Any]) -> None:
    """Complete the requests' audit events with what the package holds."""
    for event_id in job.options.get("audit_events", []):
        event = db_session.get(AuditEvent, event_id)
        if event is not None:
            event.detail = {**event.detail, "rows": job.done, "excluded": figures["excluded"]}


KINDS: dict[str, JobKind] = {
    APPLICATIONS: JobKind(_write_applications, "报名数据", finished=_finish_applications),
    volunteer_exports.KIND: JobKind(
        volunteer_exports.write_job,
        volunteer_exports.CONTENT,
        file_part="-volunteers",
        downloaded=volunteer_exports.audit_download,
    ),
}


def kind_of(job: ExportJob) -> str:
    return job.options.get("kind", APPLICATIONS)


#: What the download's name says of a data package without its workbooks.
CSV_ONLY_PART = "-csv"


def download_name(unit: str, kind: str = APPLICATIONS, *, workbooks: bool = True) -> str:
    """The file name an office's browser saves a package of *kind* under; one without its
    workbooks says so (``hutang-csv-20261123.zip``), so the two never pass for each other."""
    part = KINDS[kind].file_part + ("" if workbooks else CSV_ONLY_PART)
    return f"{unit}{part}-{today():%Y%m%d}.zip"


def job_download_name(job: ExportJob) -> str:
    """The file name of a finished *job*'s package."""
    return download_name(job.unit, kind_of(job), workbooks=job.options.get("workbooks", True))


def _queue_job(job_id: int) -> None:
    get_queue(current_app).enqueue("export", job_id)


class JobLost(Exception):
    """Another runner claimed the job (this one was thought dead): stop writing."""


def _claim(job_id: int, lease: datetime.timedelta) -> datetime.datetime | None:
    """Make the job ours: the ``updated_at`` we set is our claim, or None if it is not ours.

    A queued job, or a running one whose runner reported nothing within *lease* (it died,
    or a sweep queued it again), is taken with one conditional update; ``updated_at``
    then serves as the claim's version, so a runner that was thought dead finds its next
    progress report refused and stops.
    """
    now = utcnow()
    with get_db().write() as db_session:
        taken = db_session.execute(
            update(ExportJob)
            .where(
                ExportJob.id == job_id,
                (ExportJob.state == "queued")
                | ((ExportJob.state == "running") & (ExportJob.updated_at < now - lease)),
            )
            .values(state="running", updated_at=now)
        ).rowcount
    return now if taken == 1 else None


def _renew(job_id: int, claim: datetime.datetime, **values: Any) -> datetime.datetime:
    """Update the job while it is still ours (→ the new claim); raise JobLost if not."""
    now = max(utcnow(), claim + datetime.timedelta(microseconds=1))
    with get_db().write() as db_session:
        renewed = db_session.execute(
            update(ExportJob)
            .where(
                ExportJob.id == job_id,
                ExportJob.state == "running",
                ExportJob.updated_at == claim,
            )
            .values(updated_at=now, **values)
        ).rowcount
    if renewed != 1:
        raise JobLost(job_id)
    return now


def run_job(job_id: int) -> None:
    """The ``export`` task: build the job's package (of its kind) into EXPORT_DIR, if the
    job is ours."""
    app = current_app
    lease = datetime.timedelta(seconds=app.config["EXPORT_LEASE_SECONDS"])
    claim = _claim(job_id, lease)
    if claim is None:
        return  # done, failed, or another runner has it
    with get_db().sessions() as db_session:
        job = db_session.get(ExportJob, job_id)
        options, token = dict(job.options), job.token
    kind = KINDS[options.get("kind", APPLICATIONS)]
    folder = Path(app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{token}.zip"
    # Each run writes a file of its own: a runner thought dead never overwrites the
    # package another one is writing or has finished.
    part = folder / f"{token}.{secrets.token_hex(4)}.part"

    def progress(rows: int) -> None:
        nonlocal claim
        claim = _renew(job_id, claim, done=rows)

    try:
        rows, figures = kind.write(options, part, progress)
        os.chmod(part, 0o600)
        os.replace(part, target)
        claim = _renew(job_id, claim, state="done", path=str(target))
    except JobLost:
        part.unlink(missing_ok=True)
        app.logger.warning("export job %s was taken over by another runner", job_id)
        return
    except Exception as error:
        part.unlink(missing_ok=True)
        app.logger.warning("export job %s failed: %s", job_id, type(error).__name__)
        with get_db().write() as db_session:
            db_session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.updated_at == claim)
                .values(
                    state="failed",
                    error=str(error)[:500] if isinstance(error, ValueError) else None,
                )
            )
        return
    with get_db().write() as db_session:
        job = db_session.get(ExportJob, job_id)
        if job is None:  # deleted meanwhile: keep no orphan file
            target.unlink(missing_ok=True)
            return
        job.done = rows
        job.options = {**job.options, "figures": figures}
        if kind.finished is not None:
            kind.finished(db_session, job, figures)
    _prune(app)


def requeue_stale_jobs() -> None:
    """Queue again the jobs a stopped runner left; fail those asked for too long ago.

    Run by every sweep of the task queue and before a job is started or shown, so an
    office waiting on a progress page sees its job taken over within a lease or two.
    """
    now = utcnow()
    lease = datetime.timedelta(seconds=current_app.config["EXPORT_LEASE_SECONDS"])
    unfinished = ExportJob.state.in_(("queued", "running"))
    # Read first, with no lock: most sweeps find nothing, and on SQLite a write
    # transaction, even one that changes no row, would take the database's write lock.
    with get_db().sessions() as db_session:
        expired = db_session.scalars(
            select(ExportJob.id).where(unfinished, ExportJob.created_at < now - GIVE_UP)
        ).all()
        stale = db_session.scalars(
            select(ExportJob.id).where(
                unfinished,
                ExportJob.created_at >= now - GIVE_UP,
                ExportJob.updated_at < now - lease,
            )
        ).all()
    if expired:
        with get_db().write() as db_session:
            db_session.execute(
                update(ExportJob)
                .where(ExportJob.id.in_(expired), unfinished)
                .values(state="failed", error="导出超时未完成，请重新导出")
            )
    for job_id in stale:
        _queue_job(job_id)  # the claim decides who runs it; a duplicate task does nothing


def _prune(app: Flask) -> None:
    """Delete job files older than EXPORT_KEEP_HOURS."""
    limit = utcnow() - datetime.timedelta(hours=EXPORT_KEEP_HOURS)
    with get_db().write() as db_session:
        old = db_session.scalars(
            select(ExportJob).where(ExportJob.created_at < limit, ExportJob.path.is_not(None))
        ).all()
        paths = {job.path for job in old}
        for job in old:
            job.path = None
        fresh = set(
            db_session.scalars(
                select(ExportJob.path).where(
                    ExportJob.created_at >= limit, ExportJob.path.is_not(None)
                )
            )
        )
    for path in paths - fresh:
        Path(path).unlink(missing_ok=True)
    # A runner that died while writing left its part file: gone once no job can want it.
    folder = Path(app.config["EXPORT_DIR"])
    cutoff = (utcnow() - GIVE_UP).timestamp()
    for part in folder.glob("*.part") if folder.is_dir() else ():
        if part.stat().st_mtime < cutoff:
            part.unlink(missing_ok=True)


def wait_for_jobs(app: Flask, timeout: float = 60.0) -> None:
    """Wait until this app's task queue has run every export asked for (tests, shutdown)."""
    get_queue(app).wait_idle(timeout)
