"""A stored application read back into its values, and a value as a person reads it.

One reading for every place that shows stored applications: the office's application
page and the exports (CSV, roster workbook) call ``application_record`` on a stored row
and ``field_value`` for each field, and write each value through its field's kind. The
row is anything with the storage's attributes (an ORM object or a selected row), so the
domain needs no database; *decrypt* turns the encrypted columns back into text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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
