"""A rebuild of the served site, queued and run by the task queue."""

from __future__ import annotations

import logging
import shutil
import time

from applicants import DEPLOYMENTS, Applicant

from form_service.queue import get_queue
from form_service.site_rebuild import SETTLE_SECONDS, queue_site_rebuild


def _wait_for(check, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the rebuild did not happen in time"
        time.sleep(0.1)


def test_a_queued_rebuild_replaces_the_site_whole(make_app, tmp_path, caplog):
    site = tmp_path / "site"
    site.mkdir()
    (site / "stale.html").write_text("old", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="form_service.site_rebuild")
    app = make_app("wujin", SITE_DIR=str(site))
    assert Applicant(app).submit(unit="hutang").status_code == 303
    with app.app_context():
        assert queue_site_rebuild()
        assert queue_site_rebuild()  # a second request shares the booked rebuild
    _wait_for(lambda: (site / "index.html").exists())
    get_queue(app).wait_idle()
    time.sleep(SETTLE_SECONDS + 0.5)  # a second booked build would have started by now
    assert sum("site rebuilt" in r.getMessage() for r in caplog.records) == 1
    assert not (site / "stale.html").exists()
    # The service's counts reached the build as a file beside the site: a chart shows them.
    assert (tmp_path / "site.statistics.json").is_file()
    notice = (site / "notices" / "wujin-2026" / "index.html").read_text(encoding="utf-8")
    assert 'id="chart-wujin-2026-applications"' in notice
    assert not (tmp_path / "site.new").exists() and not (tmp_path / "site.old").exists()


def test_a_failed_build_leaves_the_old_site(make_app, tmp_path, caplog):
    data = tmp_path / "data"
    shutil.copytree(DEPLOYMENTS["wujin"], data)
    shutil.copytree(DEPLOYMENTS["wujin"].parent / "content", tmp_path / "content")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the old site", encoding="utf-8")
    app = make_app("wujin", SITE_DIR=str(site), DATA_DIR=str(data))
    (data / "units.yaml").write_text("units: [\n", encoding="utf-8")  # a publicity slip
    with app.app_context():
        queue_site_rebuild()
    _wait_for(lambda: "site rebuild failed" in caplog.text)
    assert (site / "index.html").read_text(encoding="utf-8") == "the old site"
    assert not (tmp_path / "site.new").exists()


def test_no_site_no_rebuild(make_app):
    app = make_app("wujin")
    with app.app_context():
        assert not queue_site_rebuild()
