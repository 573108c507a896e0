"""Roster uploads have limits: file size, and for XLSX what it unpacks to (zip bombs), rows,
columns and cell length, each refused with a Chinese message before any row is read."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
import pytest
from applicants import make_id
from offices import page
from test_office_import import count, report, roster_csv, upload, wujin_headers, wujin_row


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows(app, n: int) -> list[list[str]]:
    headers = wujin_headers(app)
    return [headers] + [[wujin_row(seq).get(h, "") for h in headers] for seq in range(1, n + 1)]


def test_a_roster_larger_than_the_form_limit_but_within_the_import_limit_is_read(app, office):
    """The service refuses other POST bodies over 128 KiB; a roster may be up to 8 MB."""
    account = office(app, "wujin")
    rows = [
        wujin_row(seq, 身份证号=make_id(datetime.date(1960 + year, 2, 3), "320412", seq))
        for year in range(4)
        for seq in range(1, 400)
    ]
    data = roster_csv(rows, wujin_headers(app))
    assert len(data) > 128 * 1024
    response = upload(account, "wujin", "wujin-2026", data)
    assert response.status_code == 303, report(response)[:3]
    assert count(app, channel="import") == len(rows)


def test_a_file_over_the_import_limit_gets_a_message_on_the_import_page(office_app, office):
    app = office_app("wujin", IMPORT_MAX_BYTES=64 * 1024)
    account = office(app, "wujin")
    response = upload(account, "wujin", "wujin-2026", b"x" * (100 * 1024))
    assert response.status_code == 413
    message = page(response).select_one("#import-report").get_text()
    assert "超过" in message and "64 KB" in message
    assert count(app) == 0


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(office_app, office):
    app = office_app("wujin", IMPORT_MAX_UNPACKED_BYTES=1024 * 1024)
    account = office(app, "wujin")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        source = io.BytesIO(workbook(good_rows(app, 1)))
        with zipfile.ZipFile(source) as original:
            for item in original.infolist():
                archive.writestr(item, original.read(item))
        archive.writestr("xl/media/padding.bin", b"\0" * (4 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 64 * 1024
    response = upload(account, "wujin", "wujin-2026", data, name="roster.xlsx")
    assert response.status_code == 422
    assert any("解压后" in problem for problem in report(response))


def too_many_rows(app):
    return good_rows(app, 60)


def too_many_columns(app):
    return [[None] * 30 + ["x"], *good_rows(app, 1)]


def too_long_a_cell(app):
    return [["甲" * 60, "乙"], *good_rows(app, 1)]


@pytest.mark.parametrize(
    ("limits", "rows", "expected"),
    [
        ({"IMPORT_MAX_ROWS": 3}, too_many_rows, "名单超过 3 行"),
        ({"IMPORT_MAX_COLUMNS": 20}, too_many_columns, "名单第 1 行有第 31 列"),
        ({"IMPORT_MAX_CELL_CHARS": 50}, too_long_a_cell, "超过 50 个字符"),
    ],
)
def test_a_huge_sheet_is_refused_before_its_rows_are_read(
    office_app, office, limits, rows, expected
):
    app = office_app("wujin", **limits)
    account = office(app, "wujin")
    response = upload(account, "wujin", "wujin-2026", workbook(rows(app)), name="roster.xlsx")
    assert response.status_code == 422
    problems = report(response)
    assert len(problems) == 1 and expected in problems[0], problems
    assert count(app) == 0


def test_a_sheet_that_only_pads_a_far_column_is_refused(office_app, office):
    """One cell in column XFD makes a reader build 16,384 cells per row."""
    app = office_app("wujin")
    account = office(app, "wujin")
    book = openpyxl.Workbook()
    for row in good_rows(app, 1):
        book.active.append(row)
    book.active.cell(row=3, column=16384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(account, "wujin", "wujin-2026", buffer.getvalue(), name="roster.xlsx")
    assert response.status_code == 422
    assert "列" in report(response)[0]


def test_a_csv_with_too_many_lines_is_refused(office_app, office):
    app = office_app("wujin", IMPORT_MAX_ROWS=3)
    account = office(app, "wujin")
    data = roster_csv([wujin_row(1)], wujin_headers(app)) + b"\n" * 500
    response = upload(account, "wujin", "wujin-2026", data)
    assert response.status_code == 422
    assert "行" in report(response)[0]


def test_a_csv_cell_beyond_the_csv_modules_field_limit_is_a_message_not_a_crash(app, office):
    account = office(app, "wujin")
    headers = wujin_headers(app)
    data = roster_csv([wujin_row(1)], headers) + b'"' + b"x" * 200_000 + b'"\n'
    response = upload(account, "wujin", "wujin-2026", data)
    assert response.status_code == 422
    # The csv module refuses the field, unless frictionless (exports) raised its
    # process-wide limit: then the name's length check names the cell.
    problems = report(response)
    assert any("单元格过长" in p or p.startswith("第 3 行 A 列（姓名）") for p in problems)
    assert count(app) == 0
