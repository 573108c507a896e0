"""Export jobs through the task queue: queued work survives a restart, a job whose runner
died is taken over, and a runner thought dead never overwrites the package."""

from __future__ import annotations

import datetime

import pytest
from offices import OfficeApplicant, get_db_of
from sqlalchemy import select, update

from form_service.models import utcnow
from form_service.office.exports import JobLost, _claim, _renew, requeue_stale_jobs, run_job
from form_service.office_models import ExportJob
from form_service.queue import get_queue


def _job(app) -> ExportJob:
    with get_db_of(app).sessions() as session:
        return session.scalars(select(ExportJob)).one()


def _ask_for_export(app, office) -> None:
    OfficeApplicant(app, "shanxi-2026").stored(unit="taiyuan")
    started = office(app, "taiyuan").get("/office/units/taiyuan/export.zip")
    assert started.status_code == 303


def test_a_job_queued_by_a_stopped_process_runs_after_the_restart(office_app, office):
    """The queue is storage (SQLite here, Redis for several instances), not memory."""
    before = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0, QUEUE_INLINE=False)
    _ask_for_export(before, office)
    assert _job(before).state == "queued"
    assert get_queue(before).huey.pending_count() == 1
    get_db_of(before).dispose()  # the process stops with the task still queued

    after = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0)  # same instance folder
    get_queue(after).wait_idle()
    job = _job(after)
    assert (job.state, job.done) == ("done", 1)


def test_a_job_whose_runner_stopped_reporting_is_run_again(office_app, office):
    app = office_app(
        "shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0, QUEUE_INLINE=False, EXPORT_LEASE_SECONDS=5
    )
    _ask_for_export(app, office)
    queue = get_queue(app)
    queue.huey.flush()  # the task was lost with its runner…
    stale = utcnow() - datetime.timedelta(seconds=30)
    with get_db_of(app).write() as session:  # …which had claimed the job and then died
        session.execute(update(ExportJob).values(state="running", updated_at=stale))
    with app.app_context():
        requeue_stale_jobs()
    assert queue.huey.pending_count() == 1
    while queue.run_once():
        pass
    assert _job(app).state == "done"


def test_a_runner_thought_dead_finds_its_claim_gone(office_app, office):
    app = office_app(
        "shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0, QUEUE_INLINE=False, EXPORT_LEASE_SECONDS=5
    )
    _ask_for_export(app, office)
    job_id = _job(app).id
    lease = datetime.timedelta(seconds=5)
    with app.app_context():
        first = _claim(job_id, lease)
        assert first is not None
        assert _claim(job_id, lease) is None  # while the lease holds, nobody else
        with get_db_of(app).write() as session:  # the first runner stalls past its lease
            session.execute(
                update(ExportJob).values(updated_at=first - datetime.timedelta(seconds=30))
            )
        second = _claim(job_id, lease)
        assert second is not None
        with pytest.raises(JobLost):
            _renew(job_id, first, done=10_000)
        run_job(job_id)  # the claim is taken: this run does nothing
        assert _job(app).state == "running"
        _renew(job_id, second, done=1)  # the new runner goes on
