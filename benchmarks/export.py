"""Exports: XLSX writers side by side, the package writer, ``pingan export`` and the office's
download path, each figure beside ``csv.writer`` writing the same rows in the same run.

1. **XLSX writers.** The same rows (the CSV of a package this module wrote) go through
   each candidate writer in a fresh interpreter: seconds, peak RSS, and whether it passes
   the export's cell tests (text stays text whatever it starts with, ages are numbers, a
   sheet with no rows still has its header). The export uses the fastest writer that
   passes all of them; ``csv.writer`` on the same rows is the reference.
2. **Package writer** (``pingan.export.package.write_package``, records made in memory):
   the data package alone (CSVs checked row by row, ``workbooks=False``) and the whole ZIP
   with applications.xlsx and roster.xlsx; seconds, peak RSS of the writer's process and
   of its workbook worker, and ``csv.writer`` writing the records' fields in the same
   interpreter.
3. **Through the service**: applications stored in SQLite (ID and mobile numbers
   encrypted, as the service stores them; kept between runs, see ``_stored``), then
   exported by ``pingan export`` (the CLI, in its own interpreter) and by ``write_export``,
   the function behind the office's download and background job, each as the data
   package alone (CSV, checked) and as the whole ZIP: wall and CPU seconds (the writer's
   process and its workers: on a shared machine CPU time does not wait for other
   programs), the peak RSS of the service's process from the export's start (its
   start-up peak beside it) and of the row and workbook workers. A bare ``SELECT`` plus
   Fernet decryption in one process, the way every export read before the row workers,
   is shown as the old reference.

Sizes: 1k/100k rows by default, 1,000,000 with ``--full`` (7–9 minutes more on this
machine: storing a million applications takes one or two of them, the three million-row
exports through the service the most). ``PINGAN_BENCH_EXPORT=postgres`` runs only the exports
through the service on PostgreSQL (``PINGAN_TEST_POSTGRES_URL``), at the mode's largest size:
``PINGAN_BENCH_EXPORT=postgres python -m benchmarks export --full`` is the million-row
PostgreSQL figures, with SQLite's beside them (the kept database) for the same run's
comparison, in five to six minutes.
"""

from __future__ import annotations

import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pingan.idnumber import compose_id_number

from .sizes import pick

ROOT = Path(__file__).resolve().parent.parent
SIZES = pick(quick=[1_000, 10_000], default=[1_000, 100_000], full=[1_000, 100_000, 1_000_000])
WRITER_ROWS = pick(quick=10_000, default=100_000)
VALIDATION_ROWS = pick(quick=10_000, default=100_000)
STORED = pick(quick=[10_000], default=[100_000], full=[100_000, 1_000_000])
CAMPAIGN = "wujin-2026"
BATCH = 5000
#: Applications stored one by one; more are copies of these made by SQL (see ``store``).
COPIED = 100_000
TOWNS = ["hutang", "niutang", "luoyang"]
WRITERS = [
    "csv.writer",
    "openpyxl",
    "xlsxwriter",
    "pyexcelerate",
    "rustpy-xlsxwriter",
    "rvgsrust-xlsxwriter",
]
#: Cells the export's workbooks must keep as text (and one that must be a number).
TRICKY = ["0123", "=1+1", "#N/A", "+8613812345678", "@SUM(A1)", "-2+3", "320412199001010011"]


#: Invented names, villages and weekdays the records cycle through: a package of one
#: repeated name and address deflates three times as fast as forms people fill in do.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = [*"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚", "秀英", "建国", "红梅", "海燕"]
VILLAGES = ["湖塘", "花园", "马杭", "城南", "星辰", "新城", "长虹", "鸣凰", "前黄", "延政"]
DAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def records(count: int) -> Iterator[dict[str, Any]]:
    """*count* invented Wujin records (check digits right, people invented), made lazily."""
    numbers = [
        compose_id_number("320412", datetime.date(1970, 1, 1 + order % 28), order)
        for order in range(1000)
    ]
    submitted = datetime.datetime(2026, 9, 2, 1, 30, tzinfo=datetime.UTC)
    for n in range(count):
        spread = n * 7919  # a prime: neighbouring records differ in every field below
        yield {
            "reference": f"R{n:09d}",
            "campaign": CAMPAIGN,
            "unit": TOWNS[n % 3],
            "stage": "submitted",
            "submitted_at": submitted + datetime.timedelta(seconds=n),
            "volunteer_number": None,
            "id_number": numbers[n % 1000],
            "mobile": invented_mobile(n),
            "answers": {
                "name": SURNAMES[spread % len(SURNAMES)] + GIVEN[spread // 31 % len(GIVEN)],
                "registration_address": (
                    f"{VILLAGES[spread % 10]}社区{VILLAGES[spread // 10 % 10]}路{spread % 97 + 1}号"
                ),
                "service_type": "patrol",
                "availability": DAYS[spread % 5 : spread % 5 + 1 + spread // 5 % 3],
                # e-mail addresses differ, as people's do: no check gets to reuse a verdict
                "email": f"v{n}@example.cn",
            },
        }


def invented_mobile(n: int) -> str:
    """A mobile number of the right shape, different for each of the first thousand *n*."""
    return f"1{'3589'[n % 4]}{(n % 1000) * 977_123 % 10**9:09d}"


def _csv_writer_seconds(count: int, out: Path) -> float:
    """``csv.writer`` writing each record's fields as they are (the reference)."""
    import csv

    start = time.perf_counter()
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        for r in records(count):
            a = r["answers"]
            writer.writerow(
                (r["reference"], r["submitted_at"], r["stage"], r["volunteer_number"], a["name"],
                 r["id_number"], r["mobile"], r["unit"], a["registration_address"],
                 a["service_type"], "、".join(a["availability"]), a["email"])
            )  # fmt: skip
    return time.perf_counter() - start


def measure(count: int, out: str, workbooks: bool) -> None:
    """Write *count* rows to *out*; print seconds and peak RSS as JSON (run in a child)."""
    _ANON.start()
    from pingan.deployment import load_deployment
    from pingan.export.package import write_package

    deployment = load_deployment(ROOT / "data")
    campaign = deployment.campaigns[CAMPAIGN]
    start = time.perf_counter()
    summary = write_package(records(count), [campaign], deployment, out, workbooks=workbooks)
    seconds = time.perf_counter() - start
    reference = _csv_writer_seconds(count, Path(out).with_suffix(".reference.csv"))
    peaks = {**_peaks(), "workers_kib": summary.worker_peak_kib}
    print(json.dumps({"seconds": seconds, "csv": reference, **peaks}))


def _peaks() -> dict[str, int]:
    """This process's peak RSS in KiB (the workbook worker reports its own: Linux keeps
    getrusage's ru_maxrss across fork and exec, so a child's would be its parent's size;
    VmHWM starts afresh at exec), and the peak of its anonymous memory (heap), sampled:
    RSS also counts the pages of files mapped in, such as SQLite's mmap of the database."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    own = _status("VmHWM:") or own
    return {"peak_kib": own, "anon_kib": _ANON.peak, "workers_kib": 0}


def _status(key: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(key))
    except (OSError, StopIteration):
        return 0


class _AnonSampler:
    """The largest RssAnon seen, sampled every 20 ms by a daemon thread once started."""

    def __init__(self) -> None:
        self.peak = 0

    def start(self) -> None:
        import threading

        def sample() -> None:
            while True:
                self.peak = max(self.peak, _status("RssAnon:"))
                time.sleep(0.02)

        threading.Thread(target=sample, daemon=True).start()


_ANON = _AnonSampler()


def _child(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _mib(kib: float) -> str:
    return f"{kib / 1024:5.0f} MiB"


# --- 1. XLSX writers on the same rows -----------------------------------------------------


def write_with(writer: str, source: str, out: str) -> None:
    """Write the rows of the CSV *source* with *writer*; print seconds, peak RSS and whether
    it passes the cell tests, as JSON (run in a child)."""
    import csv

    with open(source, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    age = header.index("年龄")

    def rows() -> Iterator[list[Any]]:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for row in reader:
                cells: list[Any] = [cell or None for cell in row]
                cells[age] = int(row[age])
                yield cells

    start = time.perf_counter()
    if writer == "csv.writer":
        with open(out, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([header, *([c or "" for c in r] for r in rows())])
        print(json.dumps({"seconds": time.perf_counter() - start, **_peaks(), "cells": None}))
        return
    _WRITE[writer](out, [("表", header, rows())])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, **_peaks(), "cells": _cell_test(writer, out)}))


def _cell_test(writer: str, out: str) -> str:
    """What the writer gets wrong of the export's cells, or "pass"."""
    from openpyxl import load_workbook

    header = [f"列{i}" for i in range(len(TRICKY))] + ["年龄"]
    path = out + ".cells.xlsx"
    _WRITE[writer](path, [("表", header, iter([[*TRICKY, 36]])), ("空", header, iter([]))])
    book = load_workbook(path)
    wrong = []
    cells = [(cell.value, cell.data_type) for cell in book["表"][2]]
    if cells[:-1] != [(text, "s") for text in TRICKY]:
        wrong.append("text read as formula/number/error")
    if cells[-1] != (36, "n"):
        wrong.append("age not a number")
    if book["空"]["A1"].value != header[0]:
        wrong.append("no header on a sheet without rows")
    return "pass" if not wrong else "; ".join(wrong)


def _openpyxl(path: str, sheets) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            cells = []
            for value in row:  # the old export's cells: a str that openpyxl would read
                if isinstance(value, str) and (value.startswith("=") or value.startswith("#")):
                    value = WriteOnlyCell(sheet, value)
                    value.data_type = "s"
                cells.append(value)
            sheet.append(cells)
    book.save(path)


def _xlsxwriter(path: str, sheets) -> None:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_numbers": False}
    options |= {"strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(path, options)
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, row)
    book.close()


def _pyexcelerate(path: str, sheets) -> None:
    from pyexcelerate import Workbook

    book = Workbook()
    for name, header, rows in sheets:
        book.new_sheet(name, data=[header, *rows])  # it holds every row until saved
    book.save(path)


def _rustpy(path: str, sheets) -> None:
    import rustpy_xlsxwriter

    entries = [
        (name, (dict(zip(header, row, strict=True)) for row in rows))
        for name, header, rows in sheets
    ]
    rustpy_xlsxwriter.write_worksheets(entries, path)


def _rvgs(path: str, sheets) -> None:
    import rvgsrust_xlsxwriter

    book = rvgsrust_xlsxwriter.Workbook(path)
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name, constant_memory=True)
        sheet.write_row(0, 0, header)
        batch, written = [], 1
        for row in rows:
            batch.append(row)
            if len(batch) == 1000:
                sheet.write_rows(written, 0, batch)
                written, batch = written + len(batch), []
        if batch:
            sheet.write_rows(written, 0, batch)
    book.close()


_WRITE = {
    "openpyxl": _openpyxl,
    "xlsxwriter": _xlsxwriter,
    "pyexcelerate": _pyexcelerate,
    "rustpy-xlsxwriter": _rustpy,
    "rvgsrust-xlsxwriter": _rvgs,
}


def _writers(source: Path, folder: Path) -> list[str]:
    rows = sum(1 for _ in source.open(encoding="utf-8-sig")) - 1
    lines = []
    reference = None
    for writer in WRITERS:
        out = folder / f"{writer}.out"
        arguments = f"{writer!r}, {str(source)!r}, {str(out)!r}"
        figures = _child(f"from benchmarks.export import write_with; write_with({arguments})")
        seconds = figures["seconds"]
        reference = reference or seconds
        cells = figures["cells"]
        lines.append(
            f"export: XLSX writer {writer:<20} {rows:>9,} rows {seconds:6.2f} s "
            f"({seconds / reference:5.1f}x csv.writer)  peak RSS {_mib(figures['peak_kib'])}"
            + ("" if cells is None else f"  cell tests: {cells}")
        )
    return lines


# --- 2. the package writer ------------------------------------------------------------------


def _package(count: int, folder: Path, workbooks: bool) -> tuple[str, Path]:
    out = folder / f"{count}-{'zip' if workbooks else 'csv'}.zip"
    code = f"from benchmarks.export import measure; measure({count}, {str(out)!r}, {workbooks})"
    figures = _child(code)
    seconds, reference = figures["seconds"], figures["csv"]
    what = "whole ZIP (CSV + 2 XLSX)" if workbooks else "CSV package, checked   "
    line = (
        f"export: write_package {count:>9,} rows  {what} {seconds:6.2f} s "
        f"({count / seconds:,.0f} rows/s, {seconds / reference:4.1f}x csv.writer "
        f"{reference:5.2f} s)  peak RSS {_mib(figures['peak_kib'])}"
        + (f" + worker {_mib(figures['workers_kib'])}" if figures["workers_kib"] else "")
        + f"  zip {out.stat().st_size / 1e6:6.1f} MB"
    )
    return line, out


def _validation(zip_path: Path, folder: Path) -> list[str]:
    import frictionless

    from pingan.export.fastcheck import validate_csv

    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    schema = descriptor["resources"][0]["schema"]
    start = time.perf_counter()
    fast = validate_csv(str(folder / f"{CAMPAIGN}.csv"), schema)
    fast_seconds = time.perf_counter() - start
    start = time.perf_counter()
    slow = frictionless.validate(folder / "datapackage.json")
    slow_seconds = time.perf_counter() - start
    same = fast.flatten() == slow.flatten(["rowNumber", "fieldName", "type"])
    rows = fast.rows
    return [
        f"export: validate {rows:,} rows  fastcheck {fast_seconds:5.2f} s "
        f"({rows / fast_seconds:,.0f} rows/s)  frictionless {slow_seconds:5.2f} s "
        f"({rows / slow_seconds:,.0f} rows/s, with hash check)  "
        f"{slow_seconds / fast_seconds:.1f}x  same report: {same}",
    ]


# --- 3. through the service: pingan export and the office's download -----------------------

KEYS = {
    "PINGAN_SECRET_KEY": "benchmark-secret-key",
    "PINGAN_HMAC_KEY": "benchmark-hmac-key",
}


def _service_env(folder: Path, data_keys: str) -> dict[str, str]:
    return {
        **KEYS,
        "PINGAN_DATA_KEYS": data_keys,
        "PINGAN_DATABASE_URL": f"sqlite:///{folder / 'pingan.sqlite3'}",
        "PINGAN_INSTANCE_DIR": str(folder / "instance"),
        "PINGAN_DATA_DIR": str(ROOT / "data"),
    }


def store(count: int) -> None:
    """Store *count* applications as the service stores them (run in a child: the service's
    settings come from the environment)."""
    from sqlalchemy import insert, text

    from form_service import create_app
    from form_service.applications import identity_hash
    from form_service.db import get_db
    from form_service.models import Application

    app = create_app({"AUTO_MIGRATE": True, "RATELIMIT_ENABLED": False, "SMTP": None})
    cipher = app.extensions["pingan_cipher"]
    form = app.extensions["pingan_forms"][CAMPAIGN]
    # A thousand ciphertexts of invented numbers, reused: encrypting is not what is measured.
    numbers = [compose_id_number("320412", datetime.date(1970, 1, 1), n) for n in range(1000)]
    encrypted = [cipher.encrypt(number) for number in numbers]
    mobiles = [cipher.encrypt(invented_mobile(n)) for n in range(1000)]
    start = time.perf_counter()
    with app.app_context():
        database = get_db()
        for first in range(0, min(count, COPIED), BATCH):
            rows = [
                {
                    "reference": f"Z{first + n:09d}",
                    "deployment": form.deployment.id,
                    "campaign": CAMPAIGN,
                    "unit": record["unit"],
                    "stage": "submitted",
                    "scope": form.scope,
                    "name": record["answers"]["name"],
                    "id_type": "resident_id",
                    "id_hmac": identity_hash(cipher, "resident_id", f"{first + n:018d}"),
                    "id_encrypted": encrypted[n % 1000],
                    "id_last4": numbers[n % 1000][-4:],
                    "service_type": "patrol",
                    "mobile_encrypted": mobiles[n % 1000],
                    "answers": {k: v for k, v in record["answers"].items() if k != "name"},
                    "declarations": [],
                    "consent_notice": True,
                    "consent_sensitive": True,
                    "notice_version": form.notice_version,
                    "channel": "import",
                    "submitted_at": record["submitted_at"],
                    "updated_at": record["submitted_at"],
                }
                for n, record in enumerate(records(min(BATCH, min(count, COPIED) - first)))
            ]
            with database.write() as session:
                session.execute(insert(Application), rows)
        # Beyond COPIED rows, copies of those with new references and identity hashes:
        # a million ORM inserts would take minutes and measure nothing the export does.
        columns = [c.name for c in Application.__table__.columns if c.name != "id"]
        if database.is_sqlite:
            numbered = "'Z' || printf('%09d', id - 1 + :offset)"
        else:
            numbered = "'Z' || lpad(CAST(id - 1 + :offset AS TEXT), 9, '0')"
        # The copy's identity hash: the original's first 54 characters and its offset (the
        # column holds 64, which PostgreSQL enforces).
        renamed = "substr(id_hmac, 1, 54) || '-' || CAST(:offset AS TEXT)"
        copied = {"reference": numbered, "id_hmac": renamed}
        select_list = ", ".join(copied.get(name, name) for name in columns)
        statement = text(
            f"INSERT INTO applications ({', '.join(columns)}) "
            f"SELECT {select_list} FROM applications WHERE id <= :rows"
        )
        for offset in range(COPIED, count, COPIED):
            with database.write() as session:
                session.execute(statement, {"offset": offset, "rows": min(COPIED, count - offset)})
        if not database.is_sqlite:  # what autovacuum would soon do
            with database.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE applications")
                connection.commit()
        database.dispose()
    print(json.dumps({"seconds": time.perf_counter() - start}))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the workers) so far: on a
    shared machine wall time waits for other programs, CPU time does not."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reset_peak() -> int:
    """Start this process's VmHWM afresh at its current RSS (Linux: ``clear_refs`` 5), so the
    peak read after an export is the export's own, not the start-up's (``create_app`` hashes
    a dummy argon2 password, 64 MiB for a moment, before any export); → the peak before."""
    before = _status("VmHWM:")
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass
    _ANON.peak = 0
    return before


def office_export(out: str, workbooks: bool = True) -> None:
    """Export every stored application through ``write_export`` (the office's download and
    background job), then time a bare read and decryption of the same rows."""
    _ANON.start()
    from sqlalchemy import select

    from form_service import create_app
    from form_service.context import cipher
    from form_service.db import get_db
    from form_service.models import Application
    from form_service.office.exports import ExportRequest, write_export

    app = create_app({"RATELIMIT_ENABLED": False, "SMTP": None, "QUEUE_INLINE": False})
    request = ExportRequest("wujin", (CAMPAIGN,), None, False, workbooks=workbooks)
    with app.app_context():
        started = _reset_peak()
        start, cpu = time.perf_counter(), _cpu()
        summary = write_export(request, out)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        peaks = {**_peaks(), "workers_kib": summary.worker_peak_kib, "cpu": cpu}
        peaks["rows_kib"] = summary.row_worker_peak_kib
        read = None
        if workbooks:  # once is enough: the reference of one process reading the old way
            decrypt = cipher().decrypt
            start = time.perf_counter()
            query = select(
                Application.id_encrypted, Application.mobile_encrypted, Application.answers
            )
            with get_db().sessions() as session:
                for row in session.execute(query.execution_options(yield_per=1000)):
                    decrypt(row.id_encrypted), decrypt(row.mobile_encrypted)
            read = time.perf_counter() - start
        get_db().dispose()
    rows = sum(summary.rows.values())
    print(
        json.dumps({"seconds": seconds, "read": read, "rows": rows, "start_kib": started, **peaks})
    )


def cli_export(out: str, workbooks: bool = True) -> None:
    """``pingan export`` as an office runs it, timed in this interpreter (its package
    writer's summary kept for the workers' peaks)."""
    _ANON.start()
    from form_service.office import exports
    from pingan.cli import main

    summaries = []
    started = []

    def keep(*args, **kwargs):
        started.append(_reset_peak())  # the app is made: the export's own peak from here
        cpu = _cpu()
        summaries.append(write_package(*args, **kwargs))
        started.append(_cpu() - cpu)
        return summaries[-1]

    write_package, exports.write_package = exports.write_package, keep
    arguments = ["export", "--unit", "wujin", "--campaign", CAMPAIGN, "--out", out]
    start = time.perf_counter()
    status = main(arguments + ([] if workbooks else ["--csv-only"]))
    seconds = time.perf_counter() - start
    peaks = {**_peaks(), "workers_kib": summaries[0].worker_peak_kib, "cpu": started[1]}
    peaks["rows_kib"] = summaries[0].row_worker_peak_kib
    print(json.dumps({"status": status, "seconds": seconds, "start_kib": started[0], **peaks}))


def _stored(count: int) -> tuple[Path, str]:
    """A folder holding *count* stored applications and its data key, stored once and kept
    (``PINGAN_BENCH_CACHE``, default ``~/.cache/pingan-bench``) while the migrations and
    ``store`` stay the same: storing a million takes a minute and measures nothing here."""
    import hashlib
    import inspect
    import shutil

    from cryptography.fernet import Fernet

    versions = sorted(p.name for p in (ROOT / "form_service/migrations/versions").glob("*.py"))
    key = hashlib.sha256(
        json.dumps([count, versions, inspect.getsource(store)]).encode()
    ).hexdigest()[:12]
    cache = Path(os.environ.get("PINGAN_BENCH_CACHE", Path.home() / ".cache/pingan-bench"))
    folder = cache / f"export-{count}-{key}"
    if (folder / "stored.json").exists():
        return folder, json.loads((folder / "stored.json").read_text())["key"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data_key = Fernet.generate_key().decode()
    figures = _child(
        f"from benchmarks.export import store; store({count})", _service_env(folder, data_key)
    )
    (folder / "stored.json").write_text(json.dumps({"key": data_key, **figures}))
    return folder, data_key


def _service(count: int, folder: Path, database_url: str | None = None) -> list[str]:
    """The exports through the service of *count* stored applications: in the kept SQLite
    database, or stored afresh in the PostgreSQL database at *database_url*."""
    folder.mkdir()
    if database_url is None:
        stored_in, data_key = _stored(count)
        env = _service_env(stored_in, data_key)
        stored = json.loads((stored_in / "stored.json").read_text())
        where, database = f"SQLite (kept in {stored_in})", "SQLite"
    else:
        from cryptography.fernet import Fernet

        env = _service_env(folder, Fernet.generate_key().decode())
        env["PINGAN_DATABASE_URL"] = database_url
        stored = _child(f"from benchmarks.export import store; store({count})", env)
        _vacuum(database_url)
        where = database = "PostgreSQL"
    env["PINGAN_INSTANCE_DIR"] = str(folder / "instance")
    reference = _child(
        f"from benchmarks.export import _csv_writer_seconds; from pathlib import Path; "
        f"import json; print(json.dumps({{'seconds': _csv_writer_seconds({count}, "
        f"Path({str(folder / 'reference.csv')!r}))}}))"
    )["seconds"]
    lines = [f"export: {count:,} applications stored in {where} in {stored['seconds']:.0f} s"]
    runs = []
    for workbooks in (False, True):
        what = "whole ZIP" if workbooks else "CSV only "
        office_zip = str(folder / f"office-{workbooks}.zip")
        office = _child(
            f"from benchmarks.export import office_export; "
            f"office_export({office_zip!r}, {workbooks})",
            env,
        )
        cli_zip = str(folder / f"cli-{workbooks}.zip")
        cli = _child(
            f"from benchmarks.export import cli_export; cli_export({cli_zip!r}, {workbooks})", env
        )
        assert cli["status"] == 0 and office["rows"] == count, (cli, office)
        runs += [("pingan export (CLI)", what, cli), ("office download path", what, office)]
        if workbooks:
            read = office["read"]
        Path(office_zip).unlink()
        Path(cli_zip).unlink()
    for label, what, figures in runs:
        seconds = figures["seconds"]
        start = f", {_mib(figures['start_kib']).strip()} before" if figures["start_kib"] else ""
        lines.append(
            f"export: {label:<20} {database:<10} {count:>9,} rows  {what} {seconds:6.2f} s "
            f"({count / seconds:,.0f} rows/s, {seconds / reference:4.1f}x csv.writer "
            f"{reference:5.2f} s; CPU {figures['cpu']:5.1f} s)  peak RSS "
            f"{_mib(figures['peak_kib'])} (heap {_mib(figures['anon_kib'])}{start})"
            + (f" + row workers {_mib(figures['rows_kib'])}" if figures["rows_kib"] else "")
            + (
                f" + workbook workers {_mib(figures['workers_kib'])}"
                if figures["workers_kib"]
                else ""
            )
        )
    lines.append(
        f"export: reading and decrypting the {count:,} rows in one process the old way "
        f"(SQLAlchemy rows, 2 Fernet decryptions a row): {read:6.2f} s"
    )
    return lines


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="pingan-bench-") as tmp:
        folder = Path(tmp)
        if os.environ.get("PINGAN_BENCH_EXPORT") == "postgres":
            return _postgres_only(STORED[-1], folder)
        writer_source = None
        for count in SIZES:
            for workbooks in (False, True):
                line, out = _package(count, folder, workbooks)
                lines.append(line)
                if count == VALIDATION_ROWS and not workbooks:
                    lines += _validation(out, folder / "unpacked")
                    writer_source = folder / "unpacked" / f"{CAMPAIGN}.csv"
                else:
                    out.unlink()
        if writer_source is not None:
            lines += _writers(writer_source, folder)
        for count in STORED:
            lines += _service(count, folder / f"service-{count}")
        from .apps import postgres_database  # here: it imports the service

        with postgres_database() as url:
            if url is None:
                lines.append("export: PostgreSQL skipped (PINGAN_TEST_POSTGRES_URL is not set)")
            else:
                lines += _service(STORED[-1], folder / "service-postgres", url)
    return lines


def _vacuum(database_url: str) -> None:
    """What autovacuum does after a million inserts (PostgreSQL 13 on): without it the first
    export alone would set every row's hint bits and write the table back (the kept SQLite
    database has no such first-reader cost either)."""
    import psycopg

    address = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(address, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) applications")


def _postgres_only(count: int, folder: Path) -> list[str]:
    """The exports through the service on PostgreSQL, then on SQLite in the same run."""
    from .apps import postgres_database  # here: it imports the service

    with postgres_database() as url:
        if url is None:
            return ["export: PostgreSQL skipped (PINGAN_TEST_POSTGRES_URL is not set)"]
        lines = _service(count, folder / "service-postgres", url)
    return lines + _service(count, folder / f"service-{count}")
