"""Read an uploaded roster (directed recruitment) and write a template roster to fill in.

An organisation files its people as a spreadsheet: XLSX (read with openpyxl in read-only
mode) or CSV (UTF-8 with or without BOM, GBK/GB18030 as older Excel saves it, or UTF-16
"Unicode text"). The header row may use the roster's column titles (附件4's 姓名 性别 …),
the form's field titles or the field names. Rows come out as
``(row_number, {field: value}, {field: cell_ref})`` for the application validator, so the
import report can name each bad cell (``C7``) the way the spreadsheet shows it.

Values come out as the form would send them: text stripped, choice labels mapped back to
their ids (unit name → unit id), list cells split into lists of ids, booleans as ``True``/
``False`` when the cell holds one of the field's words. What cannot be mapped is passed on
unchanged for the validator to refuse with its own message. Derived columns (年龄, and 性别
when the form does not ask it) are passed on for cross-checking with the ID number.

Problems only the reader can see (an ID number Excel has turned into a number, losing its
last digits) are collected in ``Roster.problems`` while rows are read; the import reports
them with the validator's errors.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pingan.campaigns import DERIVED_FIELDS, Campaign, campaign_fields
from pingan.fields import kind_of
from pingan.schemas import application_fields

from .schema import ID_DERIVED_FIELDS, SYSTEM_FIELDS, export_schema

if TYPE_CHECKING:
    from pingan.deployment import Deployment

#: How many rows of the template are pre-formatted as text (so Excel keeps ID numbers).
TEMPLATE_ROWS = 1000
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"

Item = tuple[int, dict[str, Any], dict[str, str]]


class RosterError(ValueError):
    """The file cannot be read as this campaign's roster; ``problems`` are for the office."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CellProblem:
    """A cell the reader already knows is wrong, with a message for the office."""

    row_number: int
    field: str
    cell: str
    message: str


@dataclass
class Roster:
    """A roster whose header has been read; iterate it for the rows."""

    fields: list[str]
    #: field → column letter
    columns: dict[str, str]
    problems: list[CellProblem] = field(default_factory=list)
    _rows: Iterator[tuple[int, list[Any]]] | None = None
    _indexes: list[tuple[int, str]] = field(default_factory=list)
    _convert: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Item]:
        assert self._rows is not None, "a roster is read once"
        rows, self._rows = self._rows, None
        for row_number, cells in rows:
            values: dict[str, Any] = {}
            refs: dict[str, str] = {}
            for index, name in self._indexes:
                raw = cells[index] if index < len(cells) else None
                ref = f"{self.columns[name]}{row_number}"
                refs[name] = ref
                values[name] = self._convert[name](raw, row_number, ref)
            if all(value in (None, "", []) for value in values.values()):
                continue
            yield row_number, values, refs


def read_roster(
    source: str | Path | bytes | IO[bytes],
    campaign: Campaign,
    deployment: Deployment,
) -> Roster:
    """Open *source* and read its header; raise RosterError naming every header problem."""
    data = _read_bytes(source)
    if data.startswith(XLS_MAGIC):
        raise RosterError(["不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再上传"])
    rows = xlsx_rows(data) if data.startswith(XLSX_MAGIC) else _csv_rows(data)
    labels = _find_header(rows)
    titles = header_titles(campaign, deployment)
    fields, problems = _match_header(labels, titles, campaign, deployment)
    if problems:
        raise RosterError(problems)
    roster = Roster(
        fields=[name for _, name in fields],
        columns={name: get_column_letter(index + 1) for index, name in fields},
    )
    roster._rows = rows
    roster._indexes = fields
    roster._convert = _converters(roster, campaign, deployment)
    return roster


def header_titles(campaign: Campaign, deployment: Deployment) -> dict[str, str]:
    """Every header a column may carry → its field: roster titles, form titles, names."""
    titles: dict[str, str] = {}
    for spec in campaign_fields(campaign, deployment):
        titles.setdefault(normal_header(spec["name"]), spec["name"])
        titles.setdefault(normal_header(spec["title"]), spec["name"])
    for spec in (application_fields()["sex"], DERIVED_FIELDS["age"]):
        titles.setdefault(normal_header(spec["name"]), spec["name"])
        titles.setdefault(normal_header(spec["title"]), spec["name"])
    for name in SYSTEM_FIELDS:
        titles.setdefault(normal_header(name), name)
        titles.setdefault(normal_header(DERIVED_FIELDS[name]["title"]), name)
    for column in (campaign.data.get("roster") or {}).get("columns", []):
        titles[normal_header(column["title"])] = column["field"]
    return titles


def template_fields(campaign: Campaign, deployment: Deployment) -> list[tuple[str, dict]]:
    """(title, field) of the columns to fill in: roster order first, then the other inputs."""
    specs = {spec["name"]: spec for spec in campaign_fields(campaign, deployment)}
    roster = (campaign.data.get("roster") or {}).get("columns", [])
    chosen: list[tuple[str, dict]] = []
    for column in roster:
        if column["field"] in specs:
            chosen.append((column["title"], specs.pop(column["field"])))
    for name in campaign.field_names:
        if name in specs:
            chosen.append((specs[name]["title"], specs.pop(name)))
    return chosen


def write_template(campaign: Campaign, deployment: Deployment, out: str | Path | IO[bytes]) -> None:
    """A roster template: the columns to fill in, formatted as text, and a hidden sheet
    (填写说明) saying for each column whether it is required and what it may hold."""
    columns = template_fields(campaign, deployment)
    schema = export_schema(campaign, deployment)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    bold = Font(bold=True)
    for index, (title, spec) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font = bold
        cell.data_type = "s"
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (
            22 if spec["name"] == "id_number" else max(10, 2 * len(title) + 4)
        )
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    guide.append(["列名", "字段", "是否必填", "填写要求", "可选值"])
    for cell in guide[1]:
        cell.font = bold
    for title, spec in columns:
        labels = schema.labels.get(spec["name"]) or {v: v for v, _ in spec.get("choices") or []}
        guide.append(
            [
                title,
                spec["name"],
                "必填" if spec.get("constraints", {}).get("required") else "选填",
                _requirement(spec),
                "、".join(labels.values()),
            ]
        )
    for letter, width in zip("ABCDE", (16, 18, 10, 50, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.data_type = "s"
    guide.sheet_state = "hidden"
    workbook.save(out)


def _requirement(spec: dict[str, Any]) -> str:
    """What a column may hold, in words an office understands."""
    parts = []
    constraints = spec.get("constraints", {})
    kind = kind_of(spec)
    hint = kind.cell_hint(spec)
    if hint:
        parts.append(hint)
    if "minLength" in constraints and "maxLength" in constraints and kind.length_hint:
        parts.append(f"{constraints['minLength']}–{constraints['maxLength']} 个字")
    elif "maxLength" in constraints and kind.length_hint:
        parts.append(f"不超过 {constraints['maxLength']} 个字")
    if spec.get("description"):
        parts.append(spec["description"])
    return "；".join(parts)


def _read_bytes(source: str | Path | bytes | IO[bytes]) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source.read()


def xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows as ``(row number, cell values)``, read once and streamed
    (openpyxl read-only, values not formulas); RosterError if the file cannot be opened.
    Shared by every spreadsheet upload (rosters, hours)."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise RosterError([f"无法读取这个 Excel 文件（{type(error).__name__}）"]) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            sheet = workbook.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(row)
        finally:
            workbook.close()

    return rows()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((reader.line_num, row) for row in reader)


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterError(["无法识别文件的编码，请用 Excel 另存为 .xlsx 或“CSV UTF-8”"]) from None


def _find_header(rows: Iterator[tuple[int, list[Any]]]) -> list[str]:
    """The first row with two or more filled cells; rows above it are titles (附件4's)."""
    for _, cells in rows:
        labels = ["" if cell is None else str(cell) for cell in cells]
        if sum(1 for label in labels if label.strip()) >= 2:
            return labels
    raise RosterError(["文件中没有找到表头（列名）行"])


def normal_header(label: str) -> str:
    """Headers compare without spaces, width or a required-field star: ``* 姓 名`` = ``姓名``."""
    text = unicodedata.normalize("NFKC", label)
    return "".join(text.split()).strip("*").lower()


def _match_header(
    labels: list[str], titles: dict[str, str], campaign: Campaign, deployment: Deployment
) -> tuple[list[tuple[int, str]], list[str]]:
    """(column index, field) per known column, and every problem of the header."""
    problems: list[str] = []
    found: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        if not label.strip():
            continue
        letter = get_column_letter(index + 1)
        name = titles.get(normal_header(label))
        if name is None:
            problems.append(f"{letter} 列的列名“{label.strip()}”不是这份名单的列")
            continue
        if name in SYSTEM_FIELDS:
            problems.append(f"{letter} 列“{label.strip()}”由系统生成，导入的名单中请删除这一列")
            continue
        if name in seen:
            first = get_column_letter(seen[name] + 1)
            problems.append(f"{first} 列和 {letter} 列都是“{label.strip()}”，请删除重复的列")
            continue
        seen[name] = index
        found.append((index, name))
    for spec in campaign_fields(campaign, deployment):
        required = spec.get("constraints", {}).get("required")
        if required and spec["name"] not in seen and spec["name"] not in ID_DERIVED_FIELDS:
            problems.append(f"缺少必填的列“{_title_for(spec, campaign)}”")
    if problems:
        known = "、".join(dict.fromkeys(t for t, _ in template_fields(campaign, deployment)))
        problems.append(f"可用的列名：{known}")
    return found, problems


def _title_for(spec: dict[str, Any], campaign: Campaign) -> str:
    for column in (campaign.data.get("roster") or {}).get("columns", []):
        if column["field"] == spec["name"]:
            return column["title"]
    return spec["title"]


def _converters(roster: Roster, campaign: Campaign, deployment: Deployment) -> dict[str, Any]:
    """field → (raw cell, row number, ref) → value as the form sends it."""
    specs = {spec["name"]: spec for spec in campaign_fields(campaign, deployment)}
    exported = export_schema(campaign, deployment).labels
    converters = {}
    for name in roster.fields:
        spec = specs.get(name) or {"name": name, "kind": "text", "type": "string", "choices": None}
        converters[name] = _converter(spec, roster, exported.get(name, {}))
    return converters


def _label_ids(choices: list[tuple[str, str]], exported: dict[str, str]) -> dict[str, str]:
    """Typed text → choice id: ids, labels shared by no other choice, exported labels."""
    counts: dict[str, int] = {}
    for _, label in choices:
        counts[normal_header(label)] = counts.get(normal_header(label), 0) + 1
    to_id = {
        normal_header(label): value for value, label in choices if counts[normal_header(label)] == 1
    }
    to_id.update({normal_header(label): value for value, label in exported.items()})
    to_id.update({normal_header(str(value)): value for value, _ in choices})
    return to_id


def _converter(spec: dict[str, Any], roster: Roster, exported: dict[str, str]):
    """A roster cell → the answer as the form sends it, read by the field's kind."""
    name = spec["name"]
    kind = kind_of(spec)
    to_id = _label_ids(spec.get("choices") or [], exported)

    def convert(raw: Any, row_number: int, ref: str) -> Any:
        value, warning = kind.from_cell(raw, spec)
        if warning:
            roster.problems.append(CellProblem(row_number, name, ref, warning))
        if not to_id or value is None:
            return value
        if isinstance(value, list):
            return [to_id.get(normal_header(part), part) for part in value]
        return to_id.get(normal_header(value), value) if isinstance(value, str) else value

    return convert
