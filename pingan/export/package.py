"""Write an export as a Frictionless data package in a ZIP, streamed from stored records.

The ZIP holds ``datapackage.json``, one ``<campaign>.csv`` resource per campaign (campaigns
ask different fields), ``applications.xlsx`` with every table of the package as a sheet
(each campaign's rows as in its CSV, and the excluded records if any) and ``roster.xlsx``,
one sheet per campaign with the scheme's roster columns. Records are read once, in any
order: each row is made, checked and written to its campaign's CSV, and the same checked
cells go to the workbooks (workbooks.py). For a large export two worker processes write
the two workbooks while this one makes the rows, so the two cores of an office's server
share the work; a small export's are written here. Memory does not grow with the number of rows.

Speed: a row is checked against its schema by a predicate compiled from it
(``TableChecker.passes``: one cheap test per constrained column, none for free text); only
a row it does not pass goes through the full check that names the problem. The values
the portal writes from typed data (times, ages, labels of choices) are canonical, so the
predicate mostly confirms them; a stored value that breaks the schema still never reaches
a file.

The CSV is for data tools; the workbooks are for Excel. A spreadsheet reads a CSV cell of
digits as a number, so an 18-digit ID number loses its last digits for good
(1.40105199503041e+17) and a mobile number its leading zero. The workbooks store every cell
as text except integer columns (age), which are numbers, so sums and sorting work. Both
name the columns in Chinese, as the CSV header does (see schema.py).

One record never stops the export for everybody. Each row is made, encoded and checked
against the schema before anything of it is written; a record that fails any of these (a
value the schema refuses, text UTF-8 cannot hold such as a lone surrogate, a value that
cannot be written as text at all or is longer than an Excel cell holds) is left out of both
its CSV and its sheets and listed in ``excluded.csv`` (reference, campaign, field, reason;
never the value, which may be an ID number). The list is a report about the package, not
its data, so it is not a resource: the resources stay one per campaign and the package
validates with the rows it has; the description says how many records were left out.

CSV and formula injection: the CSV is the data, so it holds each value exactly as stored.
Prefixing ``'`` to a value that starts with ``= + - @`` would change names, numbers such
as ``+86…`` and what a reader of the package gets back; the portal instead refuses such
free text at input (online and in imports). Values from older imports can still start
that way: they are written unchanged, counted in ``PackageSummary.formula_like`` so the
office view can warn, and the workbooks, the files meant for Excel, store every text cell
as a string, never a formula.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from pingan.campaigns import Campaign
from pingan.records import format_reference
from pingan.text import FORMULA_STARTS, encodable, printable

from .fastcheck import CSV_DIALECT, Problem, TableChecker
from .rows import CHINA, RowError, RowMaker
from .schema import BIRTH_DATE_REFUSED, ColumnError, ExportSchema, export_schema, roster_schema
from .source import Source
from .workbooks import (
    CELL_CHARACTERS,
    EXCEL_ROWS,
    SHEET_ROWS,
    TABLES,
    Table,
    Workbooks,
    end_message,
    rows_message,
    spool_message,
    start_message,
)

if TYPE_CHECKING:
    from pingan.deployment import Deployment

CSV_ENCODING = "utf-8-sig"
PROGRESS_EVERY = 10_000
#: How many formula-like cells to name per campaign (all are counted).
FORMULA_SAMPLES = 20
#: How many excluded records ``PackageSummary.excluded`` keeps (all are in excluded.csv).
EXCLUDED_LISTED = 1000
EXCLUDED_HEADER = ("申请编号", "招募", "字段", "原因")
EXCLUDED_SHEET = "未能导出的报名"
#: The workbook with every table of the package, for Excel (the CSVs are for data tools).
TABLES_WORKBOOK = "applications.xlsx"
ROSTER_WORKBOOK = "roster.xlsx"
UNENCODABLE = "含有无法编码的字符（孤立的 UTF-16 代理项），无法写入 UTF-8 文件"
TOO_LONG = f"超过 Excel 单元格能容纳的 {CELL_CHARACTERS:,} 个字符"
#: From this many rows on, the workbooks are written by worker processes while the rows are
#: made (starting them costs about a third of a second, more than a small export takes);
#: the rows before are held, and so are at most this many rows at any time.
PARALLEL_ROWS = 10_000
BATCH = 1000
#: zlib's level for the ZIP: on CSV text as people fill in forms, level 1 deflates about
#: 160 MB a second here and the default (6) 57 MB (3.5 s for a million rows' 200 MB, all
#: of it after the rows are made), for files 14% larger (32% of the text instead of 28%).
ZIP_LEVEL = 1
#: A resource this large is stored with ZIP64 headers (a ZIP's plain sizes stop at 4 GiB).
ZIP64_FROM = 1 << 31

_ERROR_TEXT = {
    "constraint-error": "不符合要求",
    "type-error": "格式不对",
    "missing-cell": "缺少这一列",
    "extra-cell": "多出一列",
    "blank-row": "整行为空",
    "unique-error": "与前面的行重复",
}
_CONSTRAINT_TEXT = {
    "required": "必填却为空",
    "enum": "不在可选的值之中",
    "pattern": "格式不对",
    "maxLength": "超过最大长度",
    "minLength": "短于最小长度",
}
_CONSTRAINT = re.compile(r'constraint "(\w+)"')
#: A row joined with newlines may hold a cell starting with = + - @ only if it starts with
#: one or holds one after a newline (then each cell is looked at).
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_FORMULA_AFTER = tuple(f"\n{start}" for start in FORMULA_STARTS)


class Excluded(NamedTuple):
    """A record left out of the package, as excluded.csv lists it: all in people's words."""

    reference: str  # as shown to people: ABCDE-23456
    campaign: str  # the campaign's title
    field: str  # the title of the field to blame, "" when no one field is
    reason: str


@dataclass
class PackageSummary:
    """What was written: rows per campaign, the cells Excel would read as formulas and the
    records left out."""

    rows: dict[str, int] = field(default_factory=dict)
    formula_like: dict[str, int] = field(default_factory=dict)
    #: campaign → [(row number, field name)], the first few of ``formula_like``.
    formula_samples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    full_id_numbers: bool = False
    #: How many records were left out; the first ``EXCLUDED_LISTED`` are in ``excluded``.
    excluded_count: int = 0
    excluded: list[Excluded] = field(default_factory=list)
    #: Peak memory of the larger workbook worker process, if they were used (KiB).
    worker_peak_kib: int = 0
    #: Peak memory of the largest row worker process, if they were used (KiB).
    row_worker_peak_kib: int = 0


def excluded_name(campaigns: Iterable[str]) -> str:
    """The ZIP member listing the excluded records: ``excluded.csv``, unless a campaign is
    called "excluded" (an underscore, which no campaign id has, then keeps them apart)."""
    return "excluded_records.csv" if "excluded" in campaigns else "excluded.csv"


def read_excluded(
    package: str | Path | IO[bytes], campaigns: Iterable[str], limit: int = EXCLUDED_LISTED
) -> tuple[list[Excluded], int]:
    """The first *limit* records a written package left out, and how many it left out."""
    listed: list[Excluded] = []
    count = 0
    with zipfile.ZipFile(package) as archive:
        name = excluded_name(campaigns)
        if name not in archive.namelist():
            return listed, 0
        with archive.open(name) as member, io.TextIOWrapper(member, CSV_ENCODING) as text:
            rows = csv.reader(text)
            next(rows, None)
            for row in rows:
                count += 1
                if count <= limit:
                    listed.append(Excluded(*row))
    return listed, count


def write_package(
    records: Iterable[Mapping[str, Any]] | Source,
    campaigns: Sequence[Campaign],
    deployment: Deployment,
    out: str | Path | IO[bytes],
    *,
    columns: Sequence[str] | None = None,
    full_id_numbers: bool = False,
    today: datetime.date | None = None,
    created: datetime.datetime | None = None,
    title: str | None = None,
    progress: Callable[[int], None] | None = None,
    workbooks: bool = True,
    sheet_rows: int = SHEET_ROWS,
) -> PackageSummary:
    """Write the data package of *records* (see rows.py for their keys) to *out*.

    *campaigns* are the resources, in order, each present even with no rows. *columns*
    picks the CSV columns (each campaign keeps those it has; see ``export_schema``); the
    roster sheets always have the scheme's roster columns. ``progress(rows)`` is called
    every 10,000 records for a background job's progress bar. A record that cannot be
    exported is left out and listed (``PackageSummary.excluded``, ``excluded.csv``).
    ``workbooks=False`` writes the data package alone (no XLSX); *sheet_rows* is how many
    rows a sheet holds below its header before the table goes on in another sheet.

    *records* may be a ``Source`` instead: stored applications that row worker processes
    read, decrypt and make into rows, a range of ids each (parallel.py), for the same
    package.
    """
    created = created or datetime.datetime.now(CHINA).replace(microsecond=0)
    today = today or created.astimezone(CHINA).date()
    summary = PackageSummary(full_id_numbers=full_id_numbers)
    with tempfile.TemporaryDirectory(prefix="pingan-export-") as tmp:
        folder = Path(tmp)
        if columns is not None:
            _check_choice(columns, full_id_numbers)
        schemas = [_columns_for(c, deployment, columns, full_id_numbers) for c in campaigns]
        if columns is not None:
            _check_columns_used(columns, schemas)
        specs = [
            _part_spec(campaign, deployment, schema, index)
            for index, (campaign, schema) in enumerate(zip(campaigns, schemas, strict=True))
        ]
        parts = {
            spec["campaign"]: _Part(spec, today, folder / f"{spec['campaign']}.csv")
            for spec in specs
        }
        exclusions = _Exclusions(folder / excluded_name(parts), summary)
        sink = _Sink(parts.values(), folder, sheet_rows) if workbooks else None
        try:
            if isinstance(records, Source) and not sys.executable:
                # No interpreter to start (an embedded Python): the rows are made here.
                records = itertools.chain.from_iterable(records.read_all())
            if isinstance(records, Source):
                from .parallel import make_rows

                for part in parts.values():
                    part.close()  # the header; the workers write the rows
                make_rows(records, specs, today, folder, parts, exclusions, summary, sink, progress)
            else:
                _write_records(records, parts, exclusions, summary, sink, progress)
            for part in parts.values():
                part.close()
            exclusions.close()
            target = folder / "package.zip" if isinstance(out, (str, Path)) else out
            with zipfile.ZipFile(
                target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
            ) as archive:
                if sink is not None:
                    sink.finish(exclusions)
                # The CSVs are compressed while the workers (if any) write the workbooks.
                for part in parts.values():
                    part.store(archive)
                if summary.excluded_count:
                    archive.write(exclusions.path, exclusions.path.name)
                sheets = sink.wait() if sink is not None else None
                descriptor = _descriptor(
                    parts.values(),
                    deployment,
                    created,
                    title,
                    full_id_numbers,
                    summary.excluded_count,
                    exclusions.path.name,
                    sheets,
                    sheet_rows,
                )
                archive.writestr(
                    "datapackage.json", json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
                )
                if sink is not None:
                    for name in (TABLES_WORKBOOK, ROSTER_WORKBOOK):
                        archive.write(folder / name, name, zipfile.ZIP_STORED)
                    summary.worker_peak_kib = max(summary.worker_peak_kib, sink.worker_peak_kib)
        finally:
            for part in parts.values():
                part.close()
            exclusions.close()
            if sink is not None:
                sink.stop()
        if isinstance(out, (str, Path)):
            # Only a complete package ever appears under the name asked for.
            shutil.move(target, out)
    for part in parts.values():
        summary.rows[part.campaign_id] = part.rows
    return summary


def _write_records(
    records: Iterable[Mapping[str, Any]],
    parts: Mapping[str, _Part],
    exclusions: _Exclusions,
    summary: PackageSummary,
    sink: _Sink | _Spool | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Make, check and write each record's row (this process's share), ``BATCH`` records
    at a time; → records read. Records left out are listed in the order they came."""
    count = 0
    pending = iter(records)
    while batch := list(itertools.islice(pending, BATCH)):
        shares: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        for position, record in enumerate(batch):
            if record["campaign"] not in parts:
                raise ValueError(
                    f"record {record.get('reference')} of campaign "
                    f"{record['campaign']!r}, which is not being exported"
                )
            shares.setdefault(record["campaign"], []).append((position, record))
        refused = []
        for campaign, share in shares.items():
            part = parts[campaign]
            refused += [(*refusal, part.title) for refusal in part.write(share, summary, sink)]
        for position, field_title, reason, title in sorted(refused):
            exclusions.add(batch[position], title, field_title, reason)
        before, count = count, count + len(batch)
        if progress and count // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(count)
    return count


class _Spool:
    """A row worker's cells for the workbooks: batches of ``rows_message`` in a file, which
    the workbook workers read once every row is made (see parallel.py)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = path.open("wb")
        self._held: dict[int, list[list[str]]] = {}
        self._count = 0

    def add(self, index: int, rows: list[list[str]]) -> None:
        self._held.setdefault(index, []).extend(rows)
        self._count += len(rows)
        if self._count >= BATCH:
            self.flush()

    def flush(self) -> None:
        for index, rows in self._held.items():
            self._file.write(rows_message(index, rows))
        self._held, self._count = {}, 0

    def close(self) -> None:
        self.flush()
        self._file.close()


class _Sink:
    """Where checked rows go for the workbooks: held, then to two worker processes (one per
    workbook) once there are ``PARALLEL_ROWS`` of them (or written here as they come where
    no interpreter can be started), else written here at the end.

    A worker is ``python -m pingan.export.workbooks`` reading length-prefixed messages on
    its standard input (see workbooks.py): a fresh interpreter, so neither a threaded web
    service's state nor an unguarded ``__main__`` module is copied or run again, as fork or
    multiprocessing's spawn would. Each batch of rows is encoded once and sent to both.
    """

    def __init__(self, parts: Iterable[_Part], folder: Path, sheet_rows: int):
        parts = list(parts)
        self._paths = [str(folder / TABLES_WORKBOOK), str(folder / ROSTER_WORKBOOK)]
        self._books = [[part.table for part in parts], [part.roster for part in parts]]
        self._sheet_rows = sheet_rows
        self._held: dict[int, list[list[str]]] = {}
        self._count = 0
        self._workers: list[tuple[subprocess.Popen, IO[bytes]]] = []
        #: The workbooks written here: no interpreter to start (an embedded Python).
        self._here: Workbooks | None = None
        self.worker_peak_kib = 0

    def add(self, index: int, rows: list[list[str]]) -> None:
        self._held.setdefault(index, []).extend(rows)
        self._count += len(rows)
        if self._workers or self._here is not None:
            if self._count >= BATCH:
                self._send()
        elif self._count >= PARALLEL_ROWS:
            if sys.executable:
                self._start()
            else:
                self._here = Workbooks(self._paths, self._books, self._sheet_rows)
            self._send()

    def _start(self) -> None:
        for _ in self._paths:
            errors = tempfile.TemporaryFile()
            worker = subprocess.Popen(
                [sys.executable, "-m", "pingan.export.workbooks"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            self._workers.append((worker, errors))
        for (worker, _), path, tables in zip(self._workers, self._paths, self._books, strict=True):
            self._write(worker, start_message([path], [tables], self._sheet_rows))

    def _write(self, worker: subprocess.Popen, message: bytes | None) -> None:
        """Send *message* to *worker*, or end its input (None)."""
        assert worker.stdin is not None
        try:
            if message is None:
                worker.stdin.close()
            else:
                worker.stdin.write(message)
        except BrokenPipeError:
            self.wait()  # raises with the worker's own error
            raise

    def _send(self) -> None:
        if self._here is not None:
            for index, rows in self._held.items():
                self._here.add(index, rows)
            self._held, self._count = {}, 0
            return
        for index, rows in self._held.items():
            message = rows_message(index, rows)
            for worker, _ in self._workers:
                self._write(worker, message)
        self._held, self._count = {}, 0

    def spooled(self, paths: Iterable[Path]) -> None:
        """Rows the row workers spooled, in order: each workbook worker reads the files."""
        if not self._workers:
            self._start()
        for path in paths:
            for worker, _ in self._workers:
                self._write(worker, spool_message(str(path)))

    def finish(self, exclusions: _Exclusions) -> None:
        """Every row is in: the workers finish (or the workbooks are written here)."""
        excluded = None
        if exclusions.count:
            header = EXCLUDED_HEADER
            excluded = Table(EXCLUDED_SHEET, header, ("string",) * 4, tuple(range(len(header))))
        path = str(exclusions.path)
        if not self._workers:
            workbooks = self._here or Workbooks(self._paths, self._books, self._sheet_rows)
            for index, rows in self._held.items():
                workbooks.add(index, rows)
            if excluded is not None:
                workbooks.add_table(TABLES, excluded, path)
            workbooks.close()
            self._sheets = workbooks.sheet_names
            return
        self._send()
        for book, (worker, _) in enumerate(self._workers):
            last = excluded if book == TABLES else None
            self._write(worker, end_message(last, path))
            self._write(worker, None)

    def wait(self) -> list[list[list[str]]]:
        """The sheets' names, per workbook and table, once both workbooks are written."""
        if not self._workers:
            return self._sheets
        sheets = []
        for worker, errors in self._workers:
            assert worker.stdout is not None
            output = worker.stdout.read()
            if worker.wait() != 0:
                errors.seek(0)
                last = errors.read().decode(errors="replace").strip().splitlines()[-1:]
                raise RuntimeError(f"the workbook worker failed: {''.join(last)}")
            result = json.loads(output)
            self.worker_peak_kib = max(self.worker_peak_kib, result["peak_kib"])
            sheets += result["sheet_names"]
        return sheets

    def stop(self) -> None:
        """End the workers still running (an export that failed) and close their files."""
        for worker, errors in self._workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
            for stream in (worker.stdin, worker.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):  # a broken pipe was reported already
                        stream.close()
            errors.close()


def _columns_for(
    campaign: Campaign,
    deployment: Deployment,
    columns: Sequence[str] | None,
    full_id_numbers: bool,
) -> ExportSchema:
    everything = export_schema(campaign, deployment, full_id_numbers=full_id_numbers)
    if columns is None:
        return everything
    kept = [name for name in columns if name in everything.names]
    return export_schema(campaign, deployment, kept, full_id_numbers=full_id_numbers)


def _check_choice(columns: Sequence[str], full_id_numbers: bool) -> None:
    if "birth_date" in columns and not full_id_numbers:
        raise ColumnError(BIRTH_DATE_REFUSED)
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise ColumnError(f"列“{name}”选了两次")
        seen.add(name)


def _check_columns_used(columns: Sequence[str], schemas: Iterable[ExportSchema]) -> None:
    """Each chosen column must exist in at least one of the campaigns."""
    known = {name for schema in schemas for name in schema.names}
    unknown = [name for name in columns if name not in known]
    if unknown:
        raise ColumnError(f"没有可导出的列：{'、'.join(unknown)}")


def _part_spec(
    campaign: Campaign, deployment: Deployment, schema: ExportSchema, index: int
) -> dict[str, Any]:
    """What a campaign's part needs to make, check and place its rows, as plain data (a row
    worker in another interpreter builds the same ``_Part`` from it, with no deployment)."""
    full_id_numbers = schema.full_id_numbers
    roster, titles = roster_schema(campaign, deployment, full_id_numbers=full_id_numbers)
    # One maker for the CSV's columns and then the roster's others, so a record is turned
    # into text once; the CSV row and the roster's other cells are slices of it.
    extra = [spec for spec in roster.fields if spec["name"] not in schema.names]
    fields = [*schema.fields, *extra]
    names = [spec["name"] for spec in fields]
    width = len(schema.fields)
    types = [spec["type"] for spec in fields]
    roster_index = [names.index(name) for name in roster.names]
    written = schema.written_names()
    return {
        "campaign": campaign.id,
        "title": campaign.title,
        "index": index,
        "fields": fields,
        "labels": {**roster.labels, **schema.labels},
        "full_id_numbers": full_id_numbers,
        "width": width,
        "written": written,
        "descriptor": schema.package_descriptor(),
        "table": asdict(Table(campaign.title, tuple(written), tuple(types[:width]),
                              tuple(range(width)))),
        "roster": asdict(Table(campaign.title, tuple(titles),
                               tuple(types[i] for i in roster_index), tuple(roster_index),
                               print_setup=True)),
    }  # fmt: skip


class _Part:
    """One campaign's CSV resource (or a worker's chunk of it) while rows are written, and
    its two sheets' tables."""

    def __init__(
        self, spec: Mapping[str, Any], today: datetime.date, csv_path: Path, header: bool = True
    ):
        self.spec = spec
        self.campaign_id: str = spec["campaign"]
        self.title: str = spec["title"]
        self.index: int = spec["index"]
        self.rows = 0
        self.csv_name = f"{self.campaign_id}.csv"
        self.csv_path = csv_path
        #: The files whose concatenation is the CSV resource (the worker's chunks after
        #: this part's header), and its sha256 and size once written into the ZIP.
        self.csv_files = [csv_path]
        self.digest = ""
        self.size = 0
        self.written = list(spec["written"])
        self.descriptor = spec["descriptor"]
        # The check reads the row as the package declares it, under its Chinese names.
        self._checker = TableChecker(self.descriptor)
        # Chunks follow the header file's BOM: only the first file of a resource has one.
        encoding = CSV_ENCODING if header else "utf-8"
        self._file = self.csv_path.open("w", encoding=encoding, newline="")
        self._csv = csv.writer(self._file, lineterminator=CSV_DIALECT["lineTerminator"])
        if header:
            self._csv.writerow(self.written)
        both = ExportSchema(
            campaign=self.campaign_id,
            fields=list(spec["fields"]),
            labels=dict(spec["labels"]),
            full_id_numbers=spec["full_id_numbers"],
        )
        self._maker = RowMaker(both, today)
        self._names = both.names
        self._csv_names = self._names[: spec["width"]]
        self._titles = {field["name"]: field.get("title", field["name"]) for field in both.fields}
        self._width = spec["width"]
        self.table = _table(spec["table"])
        self.roster = _table(spec["roster"])

    def write(
        self,
        records: Sequence[tuple[int, Mapping[str, Any]]],
        summary: PackageSummary,
        sink: _Sink | _Spool | None,
    ) -> list[tuple[int, str, str]]:
        """Write the rows of (position, record) pairs, in order, and hand their cells to
        *sink*; → (position, field title, reason) of each record left out.

        The batch is encoded, measured and checked as a whole (a column at a time, see
        ``TableChecker.suspects``); only a row these find doubtful is looked at alone."""
        refused: list[tuple[int, str, str]] = []
        made: list[tuple[int, list[str]]] = []
        for position, record in records:
            unreadable = record.get("unreadable")
            if unreadable:
                refused.append((position, "", printable(str(unreadable))))
                continue
            try:
                made.append((position, self._maker.row(record)))
            except RowError as error:
                reason = f"无法转换为导出格式（{type(error.error).__name__}）"
                refused.append((position, self._title(error.field), reason))
        if not made:
            return refused
        width = self._width
        rows = [cells[:width] for _, cells in made]
        every = list(itertools.chain.from_iterable(cells for _, cells in made))
        joined = "\n".join(every)
        doubtful = self._checker.suspects(rows)
        if not encodable(joined) or max(map(len, every)) > CELL_CHARACTERS:
            doubtful = set(range(len(made)))  # one test of the batch; its rows alone after
        formulas = _may_hold_formula(joined)
        if doubtful or formulas:
            kept = []
            for number, ((position, cells), row) in enumerate(zip(made, rows, strict=True)):
                row_number = self.rows + len(kept) + 2
                if number in doubtful:
                    refusal = self._refusal(cells, row_number)
                    if refusal is not None:
                        refused.append((position, *refusal))
                        continue
                if formulas:
                    self._count_formulas(row, row_number, summary)
                kept.append(number)
            made = [made[number] for number in kept]
            rows = [rows[number] for number in kept]
        self._csv.writerows(rows)
        if sink is not None and made:
            sink.add(self.index, [cells for _, cells in made])
        self.rows += len(rows)
        return refused

    def _refusal(self, cells: list[str], row_number: int) -> tuple[str, str] | None:
        """(field title, reason) when a made row may not be written, else None: text UTF-8
        cannot hold, then the schema's check, then a cell longer than Excel's."""
        joined = "\n".join(cells)
        row = cells[: self._width]
        if not encodable(joined):
            bad = next(
                name for name, cell in zip(self._names, cells, strict=True) if not encodable(cell)
            )
            return self._title(bad), UNENCODABLE
        if not self._checker.passes(row):
            problems = self._checker.check_row(row_number, row)
            if problems:
                problem = problems[0]
                return self._title(problem.field_name), _reason(problem)
        if len(joined) > CELL_CHARACTERS:
            for name, cell in zip(self._names, cells, strict=True):
                if len(cell) > CELL_CHARACTERS:
                    return self._title(name), TOO_LONG
        return None

    def _count_formulas(self, row: list[str], row_number: int, summary: PackageSummary) -> None:
        if not _may_hold_formula("\n".join(row)):
            return
        for name, text in zip(self._csv_names, row, strict=True):
            if text.startswith(FORMULA_STARTS):
                count = summary.formula_like.get(self.campaign_id, 0) + 1
                summary.formula_like[self.campaign_id] = count
                if count <= FORMULA_SAMPLES:
                    summary.formula_samples.setdefault(self.campaign_id, []).append(
                        (row_number, name)
                    )

    def _title(self, name: str | None) -> str:
        return self._titles.get(name or "", name or "")

    def close(self) -> None:
        self._file.close()

    def store(self, archive: zipfile.ZipFile) -> None:
        """Write the CSV resource into *archive*, hashing and counting it on the way."""
        digest = hashlib.sha256()
        size = sum(path.stat().st_size for path in self.csv_files)
        with archive.open(self.csv_name, "w", force_zip64=size > ZIP64_FROM) as member:
            for path in self.csv_files:
                with path.open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        digest.update(chunk)
                        member.write(chunk)
        self.digest, self.size = digest.hexdigest(), size

    def resource(self) -> dict[str, Any]:
        return {
            "name": self.campaign_id,
            "title": self.title,
            "path": self.csv_name,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": CSV_ENCODING,
            "dialect": CSV_DIALECT,
            "hash": f"sha256:{self.digest}",
            "bytes": self.size,
            "schema": self.descriptor,
        }


def _may_hold_formula(joined: str) -> bool:
    """Whether cells joined with newlines may hold one starting with = + - @ (then each
    cell is looked at)."""
    return joined[:1] in _FORMULA_FIRST or max(map(joined.find, _FORMULA_AFTER)) >= 0


def _table(data: Mapping[str, Any]) -> Table:
    return Table(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _reason(problem: Problem) -> str:
    """Why the schema check refused a row, in Chinese, without the value itself."""
    what = _ERROR_TEXT.get(problem.type, problem.type)
    if problem.type == "constraint-error":
        constraint = _CONSTRAINT.match(problem.note)
        if constraint:
            what = _CONSTRAINT_TEXT.get(constraint[1], what)
    return f"未通过导出校验：{what}"


class _Exclusions:
    """The records left out: streamed to the excluded list, the first few kept in the summary."""

    def __init__(self, path: Path, summary: PackageSummary):
        self.path = path
        self.count = 0
        self._summary = summary
        self._file: IO[str] | None = None

    def add(self, record: Mapping[str, Any], campaign: str, field: str, reason: str) -> None:
        reference = format_reference(printable(str(record.get("reference") or "")))
        self.add_excluded(Excluded(reference, campaign, field, reason))

    def add_excluded(self, excluded: Excluded) -> None:
        if self._file is None:
            self._file = self.path.open("w", encoding=CSV_ENCODING, newline="")
            self._csv = csv.writer(self._file, lineterminator=CSV_DIALECT["lineTerminator"])
            self._csv.writerow(EXCLUDED_HEADER)
        self._csv.writerow(excluded)
        self.count += 1
        self._summary.excluded_count += 1
        if len(self._summary.excluded) < EXCLUDED_LISTED:
            self._summary.excluded.append(excluded)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _descriptor(
    parts: Iterable[_Part],
    deployment: Deployment,
    created: datetime.datetime,
    title: str | None,
    full_id_numbers: bool,
    excluded: int,
    excluded_file: str,
    sheets: list[list[list[str]]] | None,
    sheet_rows: int,
) -> dict[str, Any]:
    notes = "身份证号码为完整号码。" if full_id_numbers else "身份证号码已隐去出生日期。"
    if excluded:
        notes += f"有 {excluded} 份报名因数据有误未能导出，名单见 {excluded_file}。"
    if sheets is not None:
        description = (
            f"每个招募一个 CSV 资源（UTF-8，带 BOM），供数据工具读取；用 Excel 查看请打开 "
            f"{TABLES_WORKBOOK}（与 CSV 内容相同，身份证号、手机号码按文本保存）或 "
            f"{ROSTER_WORKBOOK}（按方案名单格式排列的台账），每个招募一个工作表。"
        )
        split = [names for names in sheets[TABLES] if len(names) > 1]
        if split:
            names = "；".join(
                f"“{each[0]}”分为 {len(each)} 个工作表（{'、'.join(each)}）" for each in split
            )
            description += (
                f"Excel 每个工作表最多 {EXCEL_ROWS:,} 行，每个工作表最多放 {sheet_rows:,} "
                f"行数据（另有表头一行），更多的行接着放在后面的工作表中，两个工作簿相同："
                f"{names}。"
            )
    else:
        description = (
            "每个招募一个 CSV 资源（UTF-8，带 BOM），供数据工具读取；本数据包不含 Excel 工作簿。"
        )
    resources = [part.resource() for part in parts]
    return {
        "profile": "tabular-data-package",
        "name": re.sub(r"[^a-z0-9._-]+", "-", f"{deployment.id}-applications".lower()),
        "title": title or f"{deployment.name}报名数据",
        "description": description + notes,
        "created": created.isoformat(),
        "resources": resources,
    }
