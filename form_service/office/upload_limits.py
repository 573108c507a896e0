"""Limits on an uploaded roster, checked before the roster reader sees it.

The upload itself is capped (``IMPORT_MAX_BYTES``), but an XLSX is a zip: a few megabytes
can unpack to gigabytes (a zip bomb), and a single cell in column XFD makes a spreadsheet
reader build 16,384 cells for every row. So an XLSX is checked as it is stored, without
unpacking it into memory: the sizes its entries declare (``zipfile`` never reads more than
declared), then every worksheet and the shared strings streamed through expat, counting
rows, the furthest column and each cell's characters, and stopping at the first limit
crossed. Documents with a DTD are refused (no entity tricks; Excel never writes one).
A CSV is text and already capped by the upload's size; only its line count is checked.

Each problem is one Chinese sentence for the import page.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

XLSX_MAGIC = b"PK\x03\x04"
#: Rows above the header (附件4 has a title and notes) that do not count as people.
HEADER_SLACK = 50
MAX_ZIP_ENTRIES = 1000
_CELL_REF = re.compile(r"^([A-Za-z]{1,3})\d*$")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RosterLimits:
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_unpacked_bytes: int

    @classmethod
    def from_config(cls, config: Any) -> RosterLimits:
        return cls(
            max_rows=config["IMPORT_MAX_ROWS"],
            max_columns=config["IMPORT_MAX_COLUMNS"],
            max_cell_chars=config["IMPORT_MAX_CELL_CHARS"],
            max_unpacked_bytes=config["IMPORT_MAX_UNPACKED_BYTES"],
        )


class LimitExceeded(Exception):
    """The first limit the file crosses; ``str()`` is the message for the office."""


def roster_problems(data: bytes, limits: RosterLimits) -> list[str]:
    """The limit *data* crosses, as a one-item list, or [] when it is within every limit."""
    try:
        if data.startswith(XLSX_MAGIC):
            _check_xlsx(data, limits)
        elif data.count(b"\n") > limits.max_rows + HEADER_SLACK:
            raise LimitExceeded(_too_many_rows(limits))
    except LimitExceeded as exceeded:
        return [str(exceeded)]
    return []


def _too_many_rows(limits: RosterLimits) -> str:
    return f"名单超过 {limits.max_rows} 行，请分成几个文件上传"


def _check_xlsx(data: bytes, limits: RosterLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # the reader reports a damaged file in its own words
    with archive:
        entries = archive.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        if len(entries) > MAX_ZIP_ENTRIES or unpacked > limits.max_unpacked_bytes:
            megabytes = limits.max_unpacked_bytes // (1024 * 1024)
            raise LimitExceeded(
                f"这个 Excel 文件解压后超过 {megabytes} MB，不像一份名单；"
                "请只保留名单所在的工作表，或另存为 CSV 后上传"
            )
        for entry in entries:
            name = entry.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _stream(archive, entry, _SheetCheck(limits))
            elif name == "xl/sharedStrings.xml":
                _stream(archive, entry, _SharedStringsCheck(limits))


def _stream(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, check: _Check) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = check.start
    parser.EndElementHandler = check.end
    parser.CharacterDataHandler = check.text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        with archive.open(entry) as member:
            while chunk := member.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError):
        return  # damaged: the reader says so


def _refuse_doctype(*_args: Any) -> None:
    raise LimitExceeded(
        "这个 Excel 文件含有文档类型声明，不是 Excel 保存的文件；请另存为 .xlsx 后上传"
    )


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


class _Check:
    def __init__(self, limits: RosterLimits):
        self.limits = limits
        self.chars = 0
        self.counting = False

    def start(self, tag: str, attributes: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def text(self, data: str) -> None:
        if self.counting:
            self.chars += len(data)
            if self.chars > self.limits.max_cell_chars:
                raise LimitExceeded(self.too_long())

    def too_long(self) -> str:
        return f"名单中有超过 {self.limits.max_cell_chars} 个字符的单元格，请检查后重新上传"


class _SheetCheck(_Check):
    """Rows, the furthest column of any row, and the characters of each cell's value."""

    def __init__(self, limits: RosterLimits):
        super().__init__(limits)
        self.rows = 0
        self.row_number = 0
        self.column = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = _local(tag)
        if name == "row":
            self.rows += 1
            if self.rows > self.limits.max_rows + HEADER_SLACK:
                raise LimitExceeded(_too_many_rows(self.limits))
            number = attributes.get("r", "")
            self.row_number = int(number) if number.isdigit() else self.row_number + 1
            self.column = 0
        elif name == "c":
            match = _CELL_REF.match(attributes.get("r", ""))
            self.column = column_index_from_string(match[1].upper()) if match else self.column + 1
            if self.column > self.limits.max_columns:
                raise LimitExceeded(
                    f"名单第 {self.row_number} 行有第 {self.column} 列，超过 "
                    f"{self.limits.max_columns} 列的上限；请删去名单以外的列后重新上传"
                )
            self.chars = 0
        elif name in ("v", "t"):
            self.counting = True

    def end(self, tag: str) -> None:
        if _local(tag) in ("v", "t"):
            self.counting = False

    def too_long(self) -> str:
        return (
            f"名单第 {self.row_number} 行第 {self.column} 列超过 "
            f"{self.limits.max_cell_chars} 个字符，请检查后重新上传"
        )


class _SharedStringsCheck(_Check):
    """Each shared string (the text cells point at) within the cell limit."""

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = _local(tag)
        if name == "si":
            self.chars = 0
        elif name == "t":
            self.counting = True

    def end(self, tag: str) -> None:
        if _local(tag) == "t":
            self.counting = False
