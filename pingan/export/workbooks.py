"""The package's workbooks (applications.xlsx, roster.xlsx), written from the checked rows.

Each row the package writer has checked and written to its campaign's CSV is handed here
too (``Workbooks.add``): its CSV cells go to the campaign's sheet in applications.xlsx and
its roster cells to its sheet in roster.xlsx, so a sheet cannot say anything the checked
CSV does not. Described by plain data (``Table``), the workbooks can be written by another
process (``python -m pingan.export.workbooks``, fed batches of rows on its standard input):
for a large export the package writer makes rows while two workers write one workbook each,
the three sharing the two cores of an office's server.

The writer is rvgsrust-xlsxwriter (rust_xlsxwriter's Python binding), chosen by measurement
against openpyxl, XlsxWriter, PyExcelerate and rustpy-xlsxwriter on the same rows
(``benchmarks/export.py`` prints the comparison and each writer's cell tests). Its
worksheets in constant-memory mode write each row to disk as it comes, so memory does not
grow with the rows, and several sheets can be written at once (records come in any order).
It stores a Python ``str`` as a string cell whatever it holds (``=1+1``, ``#N/A``, ``0123``
stay text: a workbook cell is never a formula or an error value) and an ``int`` as a number.

Cells: every column is text except integer columns (age), which are numbers so that sums
and sorting work; an empty value is an empty cell; characters XML cannot hold become
U+FFFD. Excel holds at most 1,048,576 rows a sheet: a table with more rows goes on in
sheets named with （2）, （3）…, each with the header row (``Workbooks.sheet_names`` tells
which, for the package description).
"""

from __future__ import annotations

import csv
import json
import marshal
import re
import struct
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import IO, Any

#: Rows an Excel sheet holds, the header included.
EXCEL_ROWS = 1_048_576
#: Data rows a sheet holds below its header.
SHEET_ROWS = EXCEL_ROWS - 1
#: Characters an Excel cell holds at most; a longer value is refused before any file is
#: written (see package.py), since a workbook cannot hold it whole.
CELL_CHARACTERS = 32_767
#: Control characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: A4 in Excel's paper-size codes.
PAPER_A4 = 9
CSV_ENCODING = "utf-8-sig"
TABLES, ROSTER = 0, 1
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class Table:
    """One campaign's (or the excluded list's) sheet in one workbook: the sheet's base name,
    header, Table Schema type per column, and which cells of a record's row it shows."""

    title: str
    header: tuple[str, ...]
    types: tuple[str, ...]
    columns: tuple[int, ...]
    print_setup: bool = False  # A4 landscape, header row on every page (附件4's layout)


def sheet_name(base: str, taken: set[str]) -> str:
    """*base* as Excel allows a sheet name (≤ 31 characters, no []:*?/\\), unique in *taken*
    by a （2）, （3）… suffix; the name is added to *taken*."""
    base = re.sub(r"[\[\]:*?/\\]", "", base).strip("'")[:31] or "Sheet"
    name, number = base, 2
    while name in taken:
        suffix = f"（{number}）"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def column_widths(header: Sequence[str], types: Sequence[str]) -> list[float]:
    """Widths that fit each column's title and contents: ID numbers whole, numbers narrow."""
    widths = []
    for title, kind in zip(header, types, strict=True):
        if "身份证" in title or "证件号" in title:
            width = 22
        elif kind in ("integer", "number", "boolean"):
            width = max(6, 2 * len(title) + 2)
        elif kind == "datetime":
            width = 26
        else:
            width = min(40, max(12, 2 * len(title) + 4))
        widths.append(width)
    return widths


class Workbooks:
    """Both workbooks while rows are added: ``books[b][t]`` is table *t* of workbook *b*."""

    def __init__(self, paths: Sequence[str], books: Sequence[Sequence[Table]], sheet_rows: int):
        import rvgsrust_xlsxwriter as xlsx

        self._xlsx = xlsx
        self._header_format = (
            xlsx.Format()
            .set_bold()
            .set_align("center")
            .set_vertical_align("vcenter")
            .set_text_wrap()
        )
        self._sheet_rows = sheet_rows
        self._books = [xlsx.Workbook(path) for path in paths]
        self._tables = [list(tables) for tables in books]
        self._taken: list[set[str]] = [set() for _ in books]
        #: per workbook, per table: the sheet being filled, its rows, and every sheet's name
        self._current: list[list[Any]] = [[None] * len(tables) for tables in books]
        self._rows = [[0] * len(tables) for tables in books]
        self.sheet_names: list[list[list[str]]] = [[[] for _ in tables] for tables in books]
        self._numbers = [
            [[i for i, kind in enumerate(t.types) if kind == "integer"] for t in tables]
            for tables in books
        ]
        for book, tables in enumerate(books):
            for table in range(len(tables)):
                self._new_sheet(book, table)

    def _new_sheet(self, book: int, index: int) -> None:
        table = self._tables[book][index]
        names = self.sheet_names[book][index]
        base = table.title if not names else f"{names[0]}（{len(names) + 1}）"
        name = sheet_name(base, self._taken[book])
        names.append(name)
        sheet = self._books[book].add_worksheet(name, constant_memory=True)
        for column, width in enumerate(column_widths(table.header, table.types)):
            sheet.set_column_width(column, width)
        sheet.freeze_panes(1, 0)
        if table.print_setup:
            sheet.set_landscape()
            sheet.set_paper_size(PAPER_A4)
            sheet.set_print_fit_to_pages(1, 0)  # all columns on one page's width
            sheet.set_repeat_rows(0, 0)
            sheet.set_print_center_horizontally(True)
        sheet.write_row(0, 0, [_text(title) for title in table.header], self._header_format)
        self._current[book][index] = sheet
        self._rows[book][index] = 0

    def add(self, index: int, rows: Sequence[Sequence[str]], books: Sequence[int] = ()) -> None:
        """Add checked rows (each a record's cells as strings) to table *index* of *books*
        (of every workbook if none are named)."""
        for book in books or range(len(self._books)):
            table = self._tables[book][index]
            columns, numbers = table.columns, self._numbers[book][index]
            cells = [_cells(row, columns, numbers) for row in rows]
            while cells:
                room = self._sheet_rows - self._rows[book][index]
                if room == 0:
                    self._new_sheet(book, index)
                    continue
                part, cells = cells[:room], cells[room:]
                self._current[book][index].write_rows(self._rows[book][index] + 1, 0, part)
                self._rows[book][index] += len(part)

    def add_table(self, book: int, table: Table, path: str) -> None:
        """A last table (the excluded records) whose rows are the CSV at *path*."""
        self._tables[book].append(table)
        self._current[book].append(None)
        self._rows[book].append(0)
        self.sheet_names[book].append([])
        self._numbers[book].append([])
        index = len(self._tables[book]) - 1
        self._new_sheet(book, index)
        with open(path, encoding=CSV_ENCODING, newline="") as handle:
            rows = csv.reader(handle)
            next(rows, None)
            batch: list[list[str]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 1000:
                    self.add(index, batch, (book,))
                    batch = []
            self.add(index, batch, (book,))

    def close(self) -> None:
        for book in self._books:
            book.close()


def _cells(row: Sequence[str], columns: Sequence[int], numbers: Sequence[int]) -> list[Any]:
    """A sheet row: the chosen cells, numbers for integer columns, None for empty cells."""
    cells: list[Any] = [row[index] or None for index in columns]
    if ILLEGAL_CHARACTERS.search("\n".join(filter(None, cells))):
        cells = [_text(cell) if cell else None for cell in cells]
    for index in numbers:
        text = cells[index]
        if text and text.isascii() and (text.isdigit() or text[:1] == "-" and text[1:].isdigit()):
            cells[index] = int(text)
    return cells


def _text(text: str) -> str:
    return ILLEGAL_CHARACTERS.sub("\ufffd", text)


# --- the worker process: messages on its standard input ------------------------------------


def start_message(paths: Sequence[str], books: Sequence[Sequence[Table]], sheet_rows: int) -> bytes:
    return _message(
        json.dumps(
            {"paths": list(paths), "books": [[asdict(t) for t in ts] for ts in books],
             "sheet_rows": sheet_rows},
            ensure_ascii=False,
        ).encode()
    )  # fmt: skip


def rows_message(index: int, rows: list[list[str]]) -> bytes:
    return _message(marshal.dumps((index, rows)))


def spool_message(path: str) -> bytes:
    """Read rows from the file at *path*: ``rows_message``s one after another."""
    return _message(json.dumps({"spool": path}, ensure_ascii=False).encode())


def end_message(excluded: Table | None, path: str | None) -> bytes:
    table = asdict(excluded) if excluded is not None else None
    return _message(json.dumps({"excluded": table, "path": path}, ensure_ascii=False).encode())


def _message(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def _read(stream: IO[bytes]) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the package writer stopped before the end of the rows")
    (length,) = _LENGTH.unpack(head)
    payload = stream.read(length)
    if len(payload) < length:
        raise EOFError("the package writer stopped before the end of the rows")
    return payload


def _table(data: dict[str, Any]) -> Table:
    return Table(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def work(stream: IO[bytes], out: IO[str]) -> None:
    """Write the workbooks the messages on *stream* describe; then print the sheets' names
    and this process's peak memory as JSON on *out*."""
    start = json.loads(_read(stream))
    books = [[_table(t) for t in tables] for tables in start["books"]]
    workbooks = Workbooks(start["paths"], books, start["sheet_rows"])
    while True:
        payload = _read(stream)
        if payload[:1] == b"{":  # a spool or the end: JSON; rows are marshalled tuples
            message = json.loads(payload)
            if "spool" not in message:
                end = message
                break
            with open(message["spool"], "rb") as spool:
                while head := spool.read(_LENGTH.size):
                    (length,) = _LENGTH.unpack(head)
                    index, rows = marshal.loads(spool.read(length))
                    workbooks.add(index, rows)
            continue
        index, rows = marshal.loads(payload)
        workbooks.add(index, rows)
    if end["excluded"] is not None:  # the tables workbook's last sheet
        workbooks.add_table(0, _table(end["excluded"]), end["path"])
    workbooks.close()
    json.dump({"sheet_names": workbooks.sheet_names, "peak_kib": _peak_kib()}, out)


def _peak_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


if __name__ == "__main__":
    work(sys.stdin.buffer, sys.stdout)
