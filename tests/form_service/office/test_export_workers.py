"""A large export's rows made by row worker processes: the same package as one process.

``EXPORT_PARALLEL_ROWS`` = 0 sends every export through the workers (each reading its id
ranges from the database itself, on SQLite and on PostgreSQL); the package must equal the
one this process writes from the same rows: CSV bytes, excluded list, descriptor (but its
time), workbook cells, and the summary the office is shown.
"""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest
from offices import OfficeApplicant, get_db_of
from sqlalchemy import update

from form_service.models import Application
from form_service.office.exports import ExportRequest, export_source, write_export

FORMULA = "=1+1"


@pytest.fixture
def shanxi(office_app):
    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    first = applicant.stored(unit="taiyuan")
    formula = applicant.stored(unit="taiyuan")
    broken = applicant.stored(unit="taiyuan")
    others = [applicant.stored(unit="datong") for _ in range(14)]
    last = applicant.stored(unit="taiyuan")
    with get_db_of(app).write() as session:
        session.execute(
            update(Application).where(Application.id == formula.id).values(name=FORMULA)
        )
        session.execute(
            update(Application)
            .where(Application.id == broken.id)
            .values(mobile_encrypted="gAAAAA-not-a-token")
        )
    return app, (first, formula, broken, others, last)


def _both(app, request, tmp_path):
    """(summary, archive) written here, then through the row workers."""
    written = []
    for name, threshold in (("here", 10**9), ("workers", 0)):
        app.config["EXPORT_PARALLEL_ROWS"] = threshold
        with app.app_context():
            deployment = app.extensions["pingan_deployment"]
            assert (export_source(deployment, request) is not None) == (name == "workers")
            path = tmp_path / f"{name}.zip"
            summary = write_export(request, path)
        written.append((summary, zipfile.ZipFile(path)))
    return written


def _same(here, workers, tmp_path):
    (one, first), (two, second) = here, workers
    assert (one.rows, one.excluded_count, one.excluded) == (
        two.rows,
        two.excluded_count,
        two.excluded,
    )
    assert (one.formula_like, one.formula_samples) == (two.formula_like, two.formula_samples)
    assert first.namelist() == second.namelist()
    for name in first.namelist():
        if name.endswith(".csv"):
            assert first.read(name) == second.read(name), name
        elif name == "datapackage.json":
            a, b = (json.loads(archive.read(name)) for archive in (first, second))
            a.pop("created"), b.pop("created")
            assert a == b
        else:
            books = []
            for label, archive in (("a", first), ("b", second)):
                archive.extract(name, tmp_path / label)
                book = openpyxl.load_workbook(tmp_path / label / name)
                books.append(
                    {
                        sheet.title: [[(c.value, c.data_type) for c in row] for row in sheet.rows]
                        for sheet in book.worksheets
                    }
                )
            assert books[0] == books[1], name


def test_workers_write_the_package_one_process_writes(shanxi, tmp_path):
    app, (first, formula, broken, others, last) = shanxi
    request = ExportRequest("taiyuan", ("shanxi-2026",), None, False)
    here, workers = _both(app, request, tmp_path)
    _same(here, workers, tmp_path)
    summary = workers[0]
    assert summary.rows == {"shanxi-2026": 3}
    assert summary.excluded_count == 1 and summary.excluded[0].reference.replace("-", "") == (
        broken.reference
    )
    assert summary.formula_like == {"shanxi-2026": 1}


def test_a_sparse_selection_and_chosen_columns_through_workers(shanxi, tmp_path):
    app, *_ = shanxi
    # taiyuan's four among fourteen of datong's: read through the indexes, range by range.
    request = ExportRequest(
        "taiyuan", ("shanxi-2026",), ("reference", "name", "unit"), False, workbooks=False
    )
    with app.app_context():
        app.config["EXPORT_PARALLEL_ROWS"] = 0
        source = export_source(app.extensions["pingan_deployment"], request)
        assert source.match == {} and source.count == 4
    here, workers = _both(app, request, tmp_path)
    _same(here, workers, tmp_path)
    # The roster shows mobile numbers, so the broken one is read and its record left out.
    assert workers[0].rows == {"shanxi-2026": 3}


def test_the_command_writes_a_csv_only_package(shanxi, tmp_path, monkeypatch):
    from pingan.cli import main as pingan

    app, *_ = shanxi
    for key in ("DATABASE_URL", "DATA_DIR", "DATA_KEYS", "HMAC_KEY", "SECRET_KEY"):
        monkeypatch.setenv(f"PINGAN_{key}", str(app.config[key]))
    monkeypatch.setenv("PINGAN_INSTANCE_DIR", str(tmp_path / "instance"))
    out = tmp_path / "csv-only.zip"
    status = pingan(["export", "--unit", "taiyuan", "--out", str(out), "--csv-only"])
    assert status == 0
    names = zipfile.ZipFile(out).namelist()
    assert "shanxi-2026.csv" in names and not any(name.endswith(".xlsx") for name in names)


def test_without_an_interpreter_to_start_the_rows_are_made_here(shanxi, tmp_path, monkeypatch):
    app, *_ = shanxi
    request = ExportRequest("taiyuan", ("shanxi-2026",), None, False)
    app.config["EXPORT_PARALLEL_ROWS"] = 10**9
    with app.app_context():
        here = write_export(request, tmp_path / "here.zip")
    monkeypatch.setattr("sys.executable", "")  # an embedded Python: no worker can start
    app.config["EXPORT_PARALLEL_ROWS"] = 0
    with app.app_context():
        alone = write_export(request, tmp_path / "alone.zip")
    _same(
        (here, zipfile.ZipFile(tmp_path / "here.zip")),
        (alone, zipfile.ZipFile(tmp_path / "alone.zip")),
        tmp_path,
    )


def test_a_background_job_through_the_workers(shanxi, office, tmp_path):
    from offices import page

    from form_service.office.exports import wait_for_jobs

    app, (first, formula, broken, others, last) = shanxi
    app.config.update(EXPORT_BACKGROUND_THRESHOLD=0, EXPORT_PARALLEL_ROWS=0)
    account = office(app, "taiyuan")
    started = account.get("/office/units/taiyuan/export.zip")
    assert started.status_code == 303
    wait_for_jobs(app)
    progress = page(account.get(started.headers["Location"]))
    assert "共 3 份报名" in progress.select_one("#job-state").get_text()
    download = account.get(progress.select_one("#download")["href"])
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    rows = archive.read("shanxi-2026.csv").decode("utf-8-sig").splitlines()
    assert len(rows) == 4  # the header and three: the broken one is listed as left out
    assert "excluded.csv" in archive.namelist()
