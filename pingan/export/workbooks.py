"""The package's workbooks (applications.xlsx, roster.xlsx), written from the files of the
data package once its CSVs are complete and checked.

A workbook is made from what the package already holds: each sheet reads its rows back from
the campaign's CSV (and, for roster columns the CSV does not have, from a second file the
package writer kept beside it), so a sheet cannot say anything its checked CSV does not.
Described by plain data (``Workbook``/``Sheet``), a workbook can be written in another
process: the package writer writes both at once on a machine with two cores.

The writer is rvgsrust-xlsxwriter (rust_xlsxwriter's Python binding), chosen by measurement
against openpyxl, XlsxWriter, PyExcelerate and rustpy-xlsxwriter on the same rows
(``benchmarks/export.py`` prints the comparison). Its worksheets in constant-memory mode
write each row to disk as it comes, so memory does not grow with the rows. It stores a
Python ``str`` as a string cell whatever it holds (``=1+1``, ``#N/A``, ``0123`` stay
text: a workbook cell is never a formula or an error value) and an ``int`` as a number.

Cells: every column is text except integer columns (age), which are numbers so that sums
and sorting work; an empty value is an empty cell; characters XML cannot hold become
U+FFFD. Excel holds at most 1,048,576 rows a sheet: a table with more rows continues on
sheets named with （2）, （3）…, each with the header row, and the package description
says so (``split_names``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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
BATCH = 1000
CSV_ENCODING = "utf-8-sig"


@dataclass(frozen=True)
class Sheet:
    """One table as one or more sheets: its header, column kinds and where its rows are.

    Rows are the rows of ``files`` read side by side (each a CSV with a header line, all
    with the same number of rows), of which ``columns`` picks the cells in order.
    """

    names: tuple[str, ...]  # one per sheet of at most ``sheet_rows`` rows (split_names)
    header: tuple[str, ...]
    types: tuple[str, ...]  # Table Schema types, one per column of the header
    files: tuple[str, ...]
    columns: tuple[int, ...]
    print_setup: bool = False  # A4 landscape, header row on every page (附件4's layout)


@dataclass(frozen=True)
class Workbook:
    path: str
    sheets: tuple[Sheet, ...]
    sheet_rows: int = SHEET_ROWS


def workbook_json(workbook: Workbook) -> str:
    """*workbook* as the JSON ``python -m pingan.export.workbooks`` reads on its input."""
    return json.dumps(dataclasses.asdict(workbook), ensure_ascii=False)


def workbook_from_json(text: str) -> Workbook:
    data: dict[str, Any] = json.loads(text)
    sheets = tuple(
        Sheet(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in sheet.items()
            }
        )
        for sheet in data["sheets"]
    )
    return Workbook(data["path"], sheets, data["sheet_rows"])


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


def split_names(base: str, rows: int, taken: set[str], sheet_rows: int = SHEET_ROWS) -> list[str]:
    """The names of the sheets a table of *rows* rows needs: one, or one per *sheet_rows*."""
    count = max(1, -(-rows // sheet_rows))
    first = sheet_name(base, taken)
    return [first] + [sheet_name(f"{first}（{part}）", taken) for part in range(2, count + 1)]


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


def write_workbook(workbook: Workbook) -> None:
    """Write *workbook* to its path (runs in a worker process as well as in-process)."""
    import rvgsrust_xlsxwriter as xlsx

    book = xlsx.Workbook(workbook.path)
    header_format = (
        xlsx.Format().set_bold().set_align("center").set_vertical_align("vcenter").set_text_wrap()
    )
    for sheet in workbook.sheets:
        rows = _rows(sheet)
        widths = column_widths(sheet.header, sheet.types)
        for name in sheet.names:
            worksheet = book.add_worksheet(name, constant_memory=True)
            for index, width in enumerate(widths):
                worksheet.set_column_width(index, width)
            worksheet.freeze_panes(1, 0)
            if sheet.print_setup:
                worksheet.set_landscape()
                worksheet.set_paper_size(PAPER_A4)
                worksheet.set_print_fit_to_pages(1, 0)  # all columns on one page's width
                worksheet.set_repeat_rows(0, 0)
                worksheet.set_print_center_horizontally(True)
            worksheet.write_row(0, 0, [_text(title) for title in sheet.header], header_format)
            _write_rows(worksheet, rows, workbook.sheet_rows)
        if next(rows, None) is not None:
            raise ValueError(f"sheet {sheet.names[0]!r}: more rows than its sheets hold")
    book.close()


def _write_rows(worksheet, rows: Iterator[list], limit: int) -> None:
    written = 0
    batch: list[list] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH or written + len(batch) == limit:
            worksheet.write_rows(written + 1, 0, batch)
            written += len(batch)
            batch = []
            if written == limit:
                return
    if batch:
        worksheet.write_rows(written + 1, 0, batch)


def _rows(sheet: Sheet) -> Iterator[list]:
    """The sheet's rows as cells: numbers for integer columns, text or None elsewhere."""
    handles = [open(path, encoding=CSV_ENCODING, newline="") for path in sheet.files]  # noqa: SIM115
    try:
        readers = [csv.reader(handle) for handle in handles]
        for reader in readers:
            next(reader, None)
        numbers = {i for i, kind in enumerate(sheet.types) if kind == "integer"}
        columns = sheet.columns
        rows = (
            readers[0]
            if len(readers) == 1
            else (sum(parts, []) for parts in zip(*readers, strict=True))
        )
        for row in rows:
            cells = [row[index] or None for index in columns]
            if ILLEGAL_CHARACTERS.search("\n".join(filter(None, cells))):
                cells = [_text(cell) if cell else None for cell in cells]
            for index in numbers:
                cells[index] = _number(cells[index])
            yield cells
    finally:
        for handle in handles:
            handle.close()


def _number(text: str | None) -> int | str | None:
    """An integer column's cell: the number it holds, or its text if it holds none."""
    if text and text.isascii() and (text.isdigit() or text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    return text


def _text(text: str) -> str:
    return ILLEGAL_CHARACTERS.sub("\ufffd", text)


def main() -> None:
    """Write the workbook described on standard input (a worker process of package.py)."""
    write_workbook(workbook_from_json(sys.stdin.read()))


if __name__ == "__main__":
    main()
