"""Rebuilding the static site after an office changes what it shows (the ``site`` task).

The site is built from the deployment's data by ``pingan build``; a schedule (cron or a
systemd timer, see the README) rebuilds it regularly, and what an office publishes queues
a rebuild at once through the task queue, so that any runner of any instance does it.
Requests arriving while one is queued share it (one booking key in the queue's storage,
as the outbox does). The build goes into a folder beside ``SITE_DIR`` and replaces it by
two renames, so the web server never serves a half-written site; a failed build leaves
the old site in place and is logged.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from flask import Flask, current_app

from .context import current_deployment, today
from .db import get_db
from .honours import write_decisions
from .published_activities import write_activities
from .queue import get_queue
from .statistics import write_statistics

log = logging.getLogger(__name__)

#: The queue storage's key that marks one booked rebuild.
BOOKED = "site-rebuild-booked"
#: Seconds a rebuild waits after it is asked for, so a burst of decisions builds once.
SETTLE_SECONDS = 2.0


def init_site_rebuild(app: Flask) -> None:
    get_queue(app).task("site", rebuild)


def queue_site_rebuild() -> bool:
    """Ask for a rebuild of ``SITE_DIR``; False when this service builds no site."""
    if not current_app.config.get("SITE_DIR"):
        return False
    queue = get_queue(current_app)
    if queue.huey.put_if_empty(BOOKED, "1"):
        queue.enqueue("site", delay=SETTLE_SECONDS)
    return True


def rebuild() -> None:
    """The ``site`` task: build into a sibling folder, then swap it in."""
    from site_builder.commands import BuildFailed, build_site

    get_queue(current_app).huey.get(BOOKED)  # from now on a new request books a new build
    config = current_app.config
    target = Path(config["SITE_DIR"]).resolve()
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(fresh, ignore_errors=True)
    # The offices' honour decisions reach the build as a file it reads, never by import.
    decisions = target.with_name(target.name + ".honours.json")
    with get_db().sessions() as session:
        write_decisions(session, current_app.extensions["pingan_deployment"].id, decisions)
    # So do its aggregate counts, for the charts and the station ranking.
    statistics = target.with_name(target.name + ".statistics.json")
    with get_db().sessions() as session:
        write_statistics(session, current_deployment(), config["TIMEZONE"], today(), statistics)
    # And its published activities (the places taken when the file is written).
    activities = target.with_name(target.name + ".activities.json")
    with get_db().sessions() as session:
        write_activities(session, current_deployment(), config["TIMEZONE"], activities)
    instance = Path(config["INSTANCE_DIR"]) if config.get("INSTANCE_DIR") else None
    options = {"cache_dir": str(instance / "photo-cache")} if instance else None
    try:
        pages = build_site(
            Path(config["DATA_DIR"]),
            fresh,
            form_url=config["PUBLIC_URL"],
            honours=decisions,
            activities=activities,
            statistics=statistics,
            plugin_options=options,
        )
    except BuildFailed as error:
        shutil.rmtree(fresh, ignore_errors=True)
        log.warning("site rebuild failed, the old site stays: %s", str(error)[:500])
        return
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    log.info("site rebuilt: %d pages", pages)
