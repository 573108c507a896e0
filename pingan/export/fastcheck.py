"""A fast, streaming validator of CSV rows against a Table Schema, reporting as frictionless.

frictionless validates about 19,000 rows a second here, so checking a million-row export
would hold an office's download for a minute. This module compiles the schema once into
one small function per field and checks rows as they stream past. It covers what the
portal's schemas use (types string, integer, date, datetime, boolean, list; constraints
required, enum, minLength, maxLength, pattern; ``unique``) and mirrors frictionless 5's
rules on purpose, including their oddities, because the tests compare both reports error
for error (row number, field name, error type):

- a cell equal to one of ``missingValues`` (default ``""``) is missing; a missing cell only
  fails ``required``;
- a cell that does not parse is a ``type-error`` and its constraints are not checked;
- a constraint its type does not support (``enum`` on a list) makes the schema invalid;
- ``pattern`` is anchored as ``^…$`` and applied with ``re.match`` (so ``$`` accepts a
  final newline), integers are read with ``int(cell.strip())``, dates with ``strptime``;
- a row whose cells are all missing is one ``blank-row`` error instead of its others;
- a shorter row gets ``missing-cell`` errors, a longer one ``extra-cell`` errors, after the
  cell errors; ``unique`` is checked on parsed values, naming the last earlier row.

Anything else in a schema (other types, formats or constraints) raises ``ValueError`` at
compile time rather than being silently skipped. ``unique`` keeps every value seen, so its
memory grows with the rows; the export schemas do not declare it (the database's UNIQUE
constraints already hold), roster imports may.

``TableChecker.passes`` is the export's fast path: a predicate compiled from the same
schema that answers only "would ``check_row`` find nothing?", with one cheap test per
constrained column (a set look-up for an enum, a length for min/maxLength, a regular
expression for the datetimes the export writes) and no test at all for free text. It may
answer False for a row that is fine (a value written in a form it does not know); the
caller then runs ``check_row``, which decides and names the problem. It never answers True
for a row ``check_row`` would refuse (the tests compare both on every kind of cell).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from dateutil import parser as dateutil_parser

SUPPORTED_CONSTRAINTS = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum"),
    "integer": ("required", "enum"),
    "date": ("required", "enum"),
    "datetime": ("required", "enum"),
    "boolean": ("required", "enum"),
    "list": ("required", "minLength", "maxLength"),
    "any": ("required", "enum"),
}
DEFAULT_TRUE_VALUES = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE_VALUES = ["false", "False", "FALSE", "0"]
DEFAULT_LIMIT_ERRORS = 1000

#: The CSV dialect the export writes and declares; reading with it avoids sniffing.
CSV_DIALECT = {
    "delimiter": ",",
    "quoteChar": '"',
    "doubleQuote": True,
    "skipInitialSpace": False,
    "lineTerminator": "\r\n",
}

_EMPTY_ONLY = frozenset([""])
_DATETIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[+-][0-9]{2}:[0-9]{2}|Z)?"
_CANONICAL_DATETIME = re.compile(_DATETIME, re.ASCII)
#: A column of such times joined with newlines.
_CANONICAL_DATETIMES = re.compile(f"(?:{_DATETIME}\n)*{_DATETIME}", re.ASCII)


class Problem(NamedTuple):
    """One error, with frictionless' names: ``type`` is e.g. ``constraint-error``."""

    row_number: int | None
    field_name: str | None
    type: str
    note: str = ""
    cell: str = ""


Notes = list[tuple[str, str]]
Reader = Callable[[Any], tuple[Any, Notes | None]]


@dataclass
class Report:
    """What a validation found; ``problems`` stops at ``limit_errors`` like frictionless."""

    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    partial: bool = False

    @property
    def valid(self) -> bool:
        return not self.problems

    def flatten(self) -> list[list[Any]]:
        """``[row_number, field_name, type]`` per problem, as frictionless' flatten gives."""
        return [[p.row_number, p.field_name, p.type] for p in self.problems]


class TableChecker:
    """A Table Schema compiled into per-field readers; check a header, then rows."""

    def __init__(self, schema: dict[str, Any]):
        self.fields: list[dict[str, Any]] = list(schema["fields"])
        self.names = [spec["name"] for spec in self.fields]
        missing = schema.get("missingValues", [""])
        self._missing = missing
        self._readers = [_compile(spec, missing) for spec in self.fields]
        self._unique = {
            index: {}
            for index, spec in enumerate(self.fields)
            if spec.get("constraints", {}).get("unique")
        }
        self._tests = [
            (index, test)
            for index, (spec, reader) in enumerate(zip(self.fields, self._readers, strict=True))
            if (test := _cell_test(spec, missing, reader)) is not None
        ]
        self._column_tests = [
            (index, test, _column_test(self.fields[index], missing)) for index, test in self._tests
        ]
        self._blank = frozenset(missing)

    def passes(self, cells: Sequence[str]) -> bool:
        """True only if ``check_row`` would find no problem in this row of strings."""
        if self._unique or len(cells) != len(self._readers):
            return False
        blank = self._blank
        if blank == _EMPTY_ONLY:
            if not any(cells):
                return False
        elif all(cell in blank for cell in cells):
            return False
        for index, test in self._tests:
            if not test(cells[index]):
                return False
        return True

    def suspects(self, rows: Sequence[Sequence[str]]) -> set[int]:
        """The positions in *rows* of those ``passes`` does not pass: the same answers, found
        a column at a time (a set's superset test for an enum, the longest cell for a
        maxLength…), so a batch of good rows costs a few C calls a column, not a Python
        call a cell. A column that fails its test as a whole is then tested cell by cell."""
        width = len(self._readers)
        if self._unique or any(len(cells) != width for cells in rows):
            return {i for i, cells in enumerate(rows) if not self.passes(cells)}
        if not rows:
            return set()
        found: set[int] = set()
        blank = self._blank
        if blank == _EMPTY_ONLY:
            if not all(map(any, rows)):
                found.update(i for i, cells in enumerate(rows) if not any(cells))
        else:
            found.update(i for i, cells in enumerate(rows) if all(c in blank for c in cells))
        columns = list(zip(*rows, strict=True))
        for index, test, column_test in self._column_tests:
            column = columns[index]
            if column_test(column) if column_test is not None else all(map(test, column)):
                continue
            found.update(i for i, cell in enumerate(column) if not test(cell))
        return found

    def check_header(self, labels: Sequence[str]) -> list[Problem]:
        """Label errors of a header row, by position (frictionless' default matching)."""
        problems = [
            Problem(None, "", "extra-label", "", label) for label in labels[len(self.names) :]
        ]
        problems += [Problem(None, name, "missing-label") for name in self.names[len(labels) :]]
        for number, (name, label) in enumerate(zip(self.names, labels, strict=False), start=1):
            if not label:
                problems.append(Problem(None, name, "blank-label"))
                continue
            earlier = [
                str(i) for i, seen in enumerate(labels[: number - 1], start=1) if seen == label
            ]
            if earlier:
                note = f'at position "{", ".join(earlier)}"'
                problems.append(Problem(None, name, "duplicate-label", note, label))
            elif label != name:
                problems.append(Problem(None, name, "incorrect-label", "", label))
        return problems

    def _expecting(self, labels: Sequence[str]) -> TableChecker:
        """The fields rows are read with after *labels*: frictionless pairs by position,
        drops fields beyond the labels and reads extra labels as ``any`` fields."""
        if len(labels) == len(self.fields):
            return self
        extra = [{"name": label, "type": "any"} for label in labels[len(self.fields) :]]
        return TableChecker(
            {"fields": self.fields[: len(labels)] + extra, "missingValues": self._missing}
        )

    def check_row(self, row_number: int, cells: Sequence[Any]) -> list[Problem]:
        """The errors of one data row (``row_number`` counts the header as row 1)."""
        problems: list[Problem] = []
        blanks = 0
        values: list[Any] = []
        count = len(cells)
        for index, reader in enumerate(self._readers):
            cell = cells[index] if index < count else None
            value, notes = reader(cell)
            values.append(value)
            if notes is None:
                if value is None:
                    blanks += 1
                continue
            if value is None and notes[0][0] != "type-error":
                blanks += 1
            name = self.names[index]
            text = "" if cell is None else str(cell)
            for kind, note in notes:
                problems.append(Problem(row_number, name, kind, note, text))
        if count > len(self._readers):
            problems += [
                Problem(row_number, "", "extra-cell", "", str(cell))
                for cell in cells[len(self._readers) :]
            ]
        elif count < len(self._readers):
            problems += [Problem(row_number, name, "missing-cell") for name in self.names[count:]]
        if blanks == len(self._readers):
            problems = [Problem(row_number, None, "blank-row")]
        for index, seen in self._unique.items():
            value = values[index]
            if value is None:
                continue
            earlier = seen.get(value)
            seen[value] = row_number
            if earlier:
                problems.append(
                    Problem(
                        row_number,
                        self.names[index],
                        "unique-error",
                        f"the same as in the row at position {earlier}",
                        str(cells[index]),
                    )
                )
        return problems

    def check_rows(
        self,
        rows: Iterable[Sequence[Any]],
        header: Sequence[str] | None = None,
        limit_errors: int = DEFAULT_LIMIT_ERRORS,
    ) -> Report:
        """Check *header* (if given) and *rows*, numbered from 2, as frictionless would."""
        report = Report()
        checker = self
        if header is not None:
            report.problems += self.check_header(header)
            checker = self._expecting(header)
        for row_number, cells in enumerate(rows, start=2):
            report.rows += 1
            report.problems += checker.check_row(row_number, cells)
            if limit_errors and len(report.problems) >= limit_errors:
                del report.problems[limit_errors:]
                report.partial = True
                break
        return report


def read_csv(stream: IO[str]) -> Iterator[list[str]]:
    """Rows of a CSV text stream (opened with ``newline=""``) in the export's dialect."""
    return csv.reader(
        stream, delimiter=",", quotechar='"', doublequote=True, skipinitialspace=False
    )


def validate_csv(
    path: str,
    schema: dict[str, Any],
    encoding: str = "utf-8-sig",
    limit_errors: int = DEFAULT_LIMIT_ERRORS,
) -> Report:
    """Validate a CSV file with a header row against *schema*."""
    checker = TableChecker(schema)
    with open(path, encoding=encoding, newline="") as stream:
        rows = read_csv(stream)
        header = next(rows, [])
        return checker.check_rows(rows, header, limit_errors)


def _compile(spec: dict[str, Any], missing_values: Sequence[str]) -> Reader:
    """One field's reader: cell → (value, notes); notes name the failing checks in order."""
    kind = spec.get("type", "string")
    if kind not in SUPPORTED_CONSTRAINTS:
        raise ValueError(f"field {spec['name']!r}: type {kind!r} is not supported by fastcheck")
    constraints = spec.get("constraints", {})
    unknown = sorted(set(constraints) - set(SUPPORTED_CONSTRAINTS[kind]) - {"unique"})
    if unknown:
        # frictionless refuses these too (a field-error), or checks ranges we do not need
        raise ValueError(f"field {spec['name']!r}: constraints {unknown} not supported on {kind}")
    parse = _parser(spec)
    checks = _checks(kind, constraints, parse)
    missing = frozenset(missing_values)
    type_note = [("type-error", f'type is "{kind}/{spec.get("format", "default")}"')]

    if kind == "string" and spec.get("format", "default") == "default" and not checks:
        # The common case, kept to one test per cell.
        def plain(cell: Any) -> tuple[Any, Notes | None]:
            if cell is None or str(cell) in missing:
                return None, None
            return (cell, None) if isinstance(cell, str) else (None, type_note)

        return plain

    def reader(cell: Any) -> tuple[Any, Notes | None]:
        if cell is None or str(cell) in missing:
            value = None
        else:
            value = parse(cell)
            if value is None:
                return None, type_note
        if not checks:
            return value, None
        notes = [(kind_, note) for kind_, note, check in checks if not check(value)]
        return value, notes or None

    return reader


def _terms(
    spec: dict[str, Any], missing_values: Sequence[str]
) -> tuple[str, str, dict[str, Any], frozenset[str], bool]:
    """A field's type, format, constraints other than ``required``, missing values and
    whether it is required: what the fast tests are chosen by."""
    constraints = {
        name: value
        for name, value in spec.get("constraints", {}).items()
        if name != "required" or value
    }
    required = bool(constraints.pop("required", False))
    fmt = spec.get("format", "default")
    return spec.get("type", "string"), fmt, constraints, frozenset(missing_values), required


def _cell_test(
    spec: dict[str, Any], missing_values: Sequence[str], reader: Reader
) -> Callable[[str], bool] | None:
    """cell → whether its reader would find nothing; None when every string passes."""
    kind, fmt, constraints, missing, required = _terms(spec, missing_values)
    if kind in ("string", "any") and fmt == "default" and not constraints:
        if not required:
            return None
        return lambda cell: cell not in missing

    def exact(cell: str) -> bool:
        return reader(cell)[1] is None

    if (
        kind == "string"
        and fmt == "default"
        and set(constraints) <= {"enum", "minLength", "maxLength"}
    ):
        allowed = frozenset(item for item in constraints.get("enum", ()) if isinstance(item, str))
        low = constraints.get("minLength", 0)
        high = constraints.get("maxLength", float("inf"))
        if "enum" in constraints:
            if missing & allowed:
                return exact

            def enum(cell: str) -> bool:
                if cell in missing:
                    return not required
                return cell in allowed and low <= len(cell) <= high

            return enum

        def length(cell: str) -> bool:
            if cell in missing:
                return not required
            return low <= len(cell) <= high

        return length
    if kind == "integer" and not constraints:

        def integer(cell: str) -> bool:
            if cell in missing:
                return not required
            # The digits the export writes; anything else is read as frictionless reads it.
            return (cell.isascii() and cell.isdigit()) or exact(cell)

        return integer
    if kind == "datetime" and not constraints:

        def timestamp(cell: str) -> bool:
            if cell in missing:
                return not required
            # What the export writes, which fromisoformat reads as isoparse would.
            if _CANONICAL_DATETIME.fullmatch(cell):
                try:
                    datetime.datetime.fromisoformat(cell)
                except ValueError:
                    return False
                return True
            return exact(cell)

        return timestamp
    if kind == "list" and not constraints:
        # Every item of a string cell is a string: a list without constraints always parses.
        return (lambda cell: cell not in missing) if required else None
    return exact


def _column_test(
    spec: dict[str, Any], missing_values: Sequence[str]
) -> Callable[[Sequence[str]], bool] | None:
    """column → whether ``_cell_test`` passes every cell of it, in a few C calls; None
    where only the cell test itself answers (the caller maps it over the column)."""
    kind, fmt, constraints, missing, required = _terms(spec, missing_values)
    if kind in ("string", "any", "list") and fmt == "default" and not constraints:
        return missing.isdisjoint if required else None
    if missing != _EMPTY_ONLY:
        return None
    if kind == "string" and fmt == "default" and set(constraints) == {"enum"}:
        allowed = frozenset(item for item in constraints["enum"] if isinstance(item, str))
        if "" in allowed:
            return None
        return allowed.issuperset if required else (allowed | _EMPTY_ONLY).issuperset
    if kind == "string" and fmt == "default" and set(constraints) <= {"minLength", "maxLength"}:
        low = constraints.get("minLength", 0)
        high = constraints.get("maxLength", float("inf"))
        if not required and low > 1:
            return None  # an empty cell passes, shorter ones do not: cell by cell

        def lengths(column: Sequence[str]) -> bool:
            sizes = list(map(len, column))
            return (not required or min(sizes) >= max(low, 1)) and max(sizes) <= high

        return lengths
    if kind == "integer" and not constraints:

        def digits(column: Sequence[str]) -> bool:
            joined = "".join(column)
            return joined.isascii() and joined.isdigit() and (not required or "" not in column)

        return digits
    if kind == "datetime" and not constraints:

        def timestamps(column: Sequence[str]) -> bool:
            if not _CANONICAL_DATETIMES.fullmatch("\n".join(column)):
                return False
            try:
                list(map(datetime.datetime.fromisoformat, column))
            except ValueError:
                return False
            return True

        return timestamps
    return None


def _checks(kind: str, constraints: dict[str, Any], parse: Callable[[Any], Any]):
    """(error type, note, predicate) for each supported constraint, in frictionless' order."""
    checks = []
    for name in SUPPORTED_CONSTRAINTS[kind]:
        if name not in constraints:
            continue
        constraint = constraints[name]
        note = f'constraint "{name}" is "{constraint}"'
        if name == "required":
            if not constraint:
                continue
            check = _is_present
        elif name == "minLength":
            check = _bound(lambda value, limit=constraint: len(value) >= limit)
        elif name == "maxLength":
            check = _bound(lambda value, limit=constraint: len(value) <= limit)
        elif name == "pattern":
            check = _bound(re.compile(f"^{constraint}$").match)
        else:  # enum
            allowed = [parse(item) for item in constraint]
            try:
                allowed_set: Any = frozenset(allowed)
            except TypeError:
                allowed_set = allowed
            check = _bound(allowed_set.__contains__)
        checks.append(("constraint-error", note, check))
    return checks


def _is_present(value: Any) -> bool:
    return value is not None


def _bound(test: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """A constraint check that lets a missing value pass, as every frictionless check does."""
    return lambda value: value is None or bool(test(value))


def _parser(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """cell → typed value, or None when the cell does not parse (frictionless' readers)."""
    kind = spec.get("type", "string")
    fmt = spec.get("format", "default")
    if kind == "any":
        return lambda cell: cell
    if kind == "string":
        if fmt == "default":
            return lambda cell: cell if isinstance(cell, str) else None
        if fmt == "email":
            from validators import email  # frictionless' own e-mail check

            return lambda cell: cell if isinstance(cell, str) and email(cell) else None
        raise ValueError(f"field {spec['name']!r}: string format {fmt!r} is not supported")
    if fmt != "default":
        raise ValueError(f"field {spec['name']!r}: format {fmt!r} is not supported")
    if kind == "integer":
        if spec.get("bareNumber", True) is not True:
            raise ValueError(f"field {spec['name']!r}: bareNumber false is not supported")

        def integer(cell: Any) -> int | None:
            if isinstance(cell, str):
                try:
                    return int(cell.strip())
                except ValueError:
                    return None
            if isinstance(cell, int) and not isinstance(cell, bool):
                return cell
            return None

        return integer
    if kind == "boolean":
        mapping = {value: True for value in spec.get("trueValues", DEFAULT_TRUE_VALUES)}
        mapping.update({value: False for value in spec.get("falseValues", DEFAULT_FALSE_VALUES)})
        return lambda cell: cell if isinstance(cell, bool) else mapping.get(cell)
    if kind == "date":

        def date(cell: Any) -> datetime.date | None:
            if not isinstance(cell, str):
                return None
            try:
                return datetime.datetime.strptime(cell, "%Y-%m-%d").date()
            except ValueError:
                return None

        return date
    if kind == "datetime":

        def timestamp(cell: Any) -> datetime.datetime | None:
            if not isinstance(cell, str) or len(cell) < 19 or cell[16] != ":":
                return None
            if _CANONICAL_DATETIME.fullmatch(cell):
                # What the export writes; fromisoformat takes it 10 times faster and
                # accepts nothing here that isoparse refuses.
                try:
                    return datetime.datetime.fromisoformat(cell)
                except ValueError:
                    pass
            try:
                return dateutil_parser.isoparse(cell)
            except Exception:  # frictionless treats any failure as a type error
                return None

        return timestamp
    # list of strings: every item of a string cell is a string, so it always parses
    delimiter = spec.get("delimiter", ",")
    if spec.get("itemType", "string") != "string":
        raise ValueError(f"field {spec['name']!r}: list items other than strings not supported")
    return lambda cell: cell.split(delimiter) if isinstance(cell, str) else None
