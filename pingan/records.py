"""A stored application read back into its values, and a value as a person reads it.

One reading for every place that shows stored applications: the office's application
page and the exports (CSV, roster workbook) call ``application_record`` on a stored row
and ``field_value`` for each field, and write each value through its field's kind. The
row is anything with the storage's attributes (an ORM object or a selected row), so the
domain needs no database; *decrypt* turns the encrypted columns back into text.
"""

from __future__ import annotations

import datetime
import json
import json.scanner
from collections.abc import Callable, Mapping, Sequence
from typing import Any

#: Fields stored in columns of their own; every other answer is in ``answers`` (or, when
#: sensitive, encrypted together in ``sensitive_encrypted``).
COLUMNS = (
    "reference",
    "campaign",
    "unit",
    "stage",
    "submitted_at",
    "volunteer_number",
    "name",
    "category",
    "service_type",
    "id_type",
    "sex",
    "via",
)


def application_record(row: Any, decrypt: Callable[[str], str]) -> dict[str, Any]:
    """The stored application *row* as values: columns, decrypted ID and mobile, answers.

    Raises whatever *decrypt* or the JSON reader raises for a damaged row: callers decide
    whether that leaves one record out (an export) or is an error page.
    """
    answers = dict(row.answers or {})
    if row.sensitive_encrypted:
        answers.update(json.loads(decrypt(row.sensitive_encrypted)))
    record = {name: getattr(row, name) for name in COLUMNS}
    record["id_number"] = decrypt(row.id_encrypted)
    record["mobile"] = decrypt(row.mobile_encrypted) if row.mobile_encrypted else None
    record["answers"] = answers
    return record


#: What an export reads of a stored application, in this order (``stored_records``).
STORED_COLUMNS = (*COLUMNS, "id_encrypted", "mobile_encrypted", "sensitive_encrypted", "answers")
#: Why a stored application is left out of an export: its encrypted data does not read.
UNREADABLE = "存储的数据无法读取（无法解密或已损坏）"


def stored_records(
    rows: Sequence[Sequence[Any]],
    decrypt_many: Callable[[list[Any]], list[Any]],
    *,
    id_number: bool = True,
    mobile: bool = True,
) -> list[dict[str, Any]]:
    """``application_record`` for a batch of rows of ``STORED_COLUMNS`` read by a bare
    database driver: answers may be JSON text and times ISO text (SQLite), and the
    encrypted columns of the whole batch are decrypted in one call (``decrypt_many`` gives
    each token's text or the exception it raised). A number the export does not show is
    not decrypted (*id_number*, *mobile* False). A row that does not read is a record with
    ``unreadable`` set, which the export leaves out and lists.
    """
    width = len(COLUMNS)
    nothing = [None] * len(rows)
    ids = decrypt_many([row[width] for row in rows]) if id_number else nothing
    mobiles = decrypt_many([row[width + 1] for row in rows]) if mobile else nothing
    secrets = [row[width + 2] for row in rows]
    sensitive = decrypt_many(secrets) if any(secrets) else nothing
    submitted = COLUMNS.index("submitted_at")
    records = []
    for row, number, phone, secret in zip(rows, ids, mobiles, sensitive, strict=True):
        try:
            if isinstance(number, Exception) or isinstance(phone, Exception):
                raise ValueError("personal data cannot be decrypted")
            if isinstance(secret, Exception):
                raise ValueError("personal data cannot be decrypted")
            answers = row[width + 3]
            answers = _json_object(answers) if isinstance(answers, str) else dict(answers or {})
            if secret:
                answers.update(json.loads(secret))
            record = dict(zip(COLUMNS, row[:width], strict=True))
            if isinstance(row[submitted], str):
                record["submitted_at"] = datetime.datetime.fromisoformat(row[submitted])
        except Exception:  # one unreadable row must not stop the export
            record = {"reference": row[0], "campaign": row[1], "unreadable": UNREADABLE}
        else:
            record["id_number"] = number
            record["mobile"] = phone
            record["answers"] = answers
        records.append(record)
    return records


_scan_json = json.scanner.make_scanner(json.JSONDecoder())


def _json_object(text: str) -> Any:
    """``json.loads`` of stored JSON without its Python-level wrapper (a sixth of reading
    a row): the C scanner reads the value; anything else (spaces around it) the full way."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def field_value(record: Mapping[str, Any], name: str) -> Any:
    """A field's stored value: a column of its own first, else the answers."""
    if name in record:
        return record[name]
    return (record.get("answers") or {}).get(name)


def format_reference(reference: Any) -> str:
    """A reference as people read it, on every page, export and message: ``ABCDE-23456``.

    The stored form is ``ABCDE23456`` (what people type is read with or without the
    hyphen); anything that is not a stored reference is returned unchanged.
    """
    text = "" if reference is None else str(reference)
    if len(text) == 10 and text.isascii() and text.isalnum():
        return f"{text[:5]}-{text[5:]}"
    return text
