"""A data package of a few fixed tables (the volunteers' records, activities, attendance):
one CSV resource per table with Chinese headers, one workbook with a sheet per table, and
``datapackage.json``, in a ZIP.

The application export (package.py) is built around campaigns, whose fields differ and
are checked row by row against schemas made from the deployment's data; these tables have
columns the code fixes, so their rows are written as given. What is shared is the rest of
the format, from the same places: the CSV encoding and dialect (UTF-8 with BOM, so Excel
reads the Chinese headers), and the workbook writer (``workbooks.Workbooks``: every cell
text except integer columns, so an ID or mobile number keeps its digits and its leading
zero, sheets split at Excel's row limit, header frozen).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .fastcheck import CSV_DIALECT
from .workbooks import CSV_ENCODING, SHEET_ROWS, Table, Workbooks

BATCH = 1000


@dataclass(frozen=True)
class Column:
    """One column: its Chinese title (the CSV header and the schema's field name) and its
    Table Schema type (string, integer, number, date, datetime)."""

    title: str
    type: str = "string"
    description: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str  # the resource's name and CSV file name (ASCII)
    title: str  # the resource's title and sheet name
    columns: tuple[Column, ...]

    def schema(self) -> dict[str, Any]:
        fields = []
        for column in self.columns:
            spec: dict[str, Any] = {"name": column.title, "type": column.type}
            if column.description:
                spec["description"] = column.description
            fields.append(spec)
        return {"fields": fields, "missingValues": [""]}


def write_tables_package(
    out: str | Path | IO[bytes],
    *,
    name: str,
    title: str,
    description: str,
    workbook: str,
    tables: Sequence[tuple[TableSpec, Iterable[Sequence[Any]]]],
    created: datetime.datetime,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write the ZIP to *out*; rows are read once, in batches. Returns rows per table.

    A cell is written as ``str(value)``; None is an empty cell. *progress* is told the
    rows written so far, over all tables, after each batch.
    """
    counts: dict[str, int] = {}
    written = 0
    with tempfile.TemporaryDirectory(prefix="pingan-tables-") as folder:
        root = Path(folder)
        books = Workbooks(
            [str(root / workbook)],
            [
                [
                    Table(
                        spec.title,
                        tuple(c.title for c in spec.columns),
                        tuple(c.type for c in spec.columns),
                        tuple(range(len(spec.columns))),
                    )
                    for spec, _ in tables
                ]
            ],
            SHEET_ROWS,
        )
        resources = []
        try:
            for index, (spec, rows) in enumerate(tables):
                path = root / f"{spec.name}.csv"
                with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
                    writer = csv.writer(handle, lineterminator=CSV_DIALECT["lineTerminator"])
                    writer.writerow([c.title for c in spec.columns])
                    batch: list[list[str]] = []
                    count = 0
                    for row in rows:
                        cells = ["" if value is None else str(value) for value in row]
                        batch.append(cells)
                        count += 1
                        if len(batch) == BATCH:
                            writer.writerows(batch)
                            books.add(index, batch)
                            written += len(batch)
                            batch = []
                            if progress is not None:
                                progress(written)
                    writer.writerows(batch)
                    books.add(index, batch)
                    written += len(batch)
                counts[spec.name] = count
                resources.append(_resource(spec, path))
                if progress is not None:
                    progress(written)
        finally:
            books.close()
        descriptor = {
            "profile": "tabular-data-package",
            "name": re.sub(r"[^a-z0-9._-]+", "-", name.lower()),
            "title": title,
            "description": description,
            "created": created.isoformat(),
            "resources": resources,
        }
        (root / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(root / "datapackage.json", "datapackage.json")
            for spec, _ in tables:
                archive.write(root / f"{spec.name}.csv", f"{spec.name}.csv")
            archive.write(root / workbook, workbook)
    return counts


def _resource(spec: TableSpec, path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {
        "name": spec.name,
        "title": spec.title,
        "path": path.name,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": CSV_ENCODING,
        "dialect": CSV_DIALECT,
        "hash": f"sha256:{digest.hexdigest()}",
        "bytes": size,
        "schema": spec.schema(),
    }
