"""Whatever anyone types, nobody else's page or export breaks.

Hypothesis fills every field of an otherwise valid application with arbitrary
Unicode (surrogates, NUL, bidi controls, combining marks, full-width forms, emoji…),
through the JSON API and the HTML form. Each answer is stored or refused with 4xx, never
a 5xx; then the office opens every stored application and exports the unit's package,
which always completes and validates. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from frictionless import Package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from offices import Office, OfficeApplicant, get_db_of
from sqlalchemy import select

from form_service.models import Application

pytestmark = pytest.mark.slow

#: Characters people paste by accident and attackers on purpose, mixed with ordinary ones.
HOSTILE = st.sampled_from(
    [
        "\ud800",  # lone surrogates
        "\udfff",
        "\x00",
        "\x07",
        "\n",
        "\r",
        "\t",
        "\u202e",  # right-to-left override
        "\u2066",
        "\u200b",
        "\ufeff",
        "\ufffe",
        "e\u0301",  # a combining accent
        "\u0301",  # a combining mark on its own
        "ＡＢＣ１２３",  # full-width forms
        "𠮷",  # an astral Han character
        "👩\u200d🚒",
        "\ue000",  # private use
        "=",
        "+",
        "-",
        "@",
        "湖塘镇",
        " ",
        "\u3000",
    ]
)
TEXT = st.one_of(
    st.text(max_size=30),
    st.lists(HOSTILE | st.text(max_size=3), max_size=8).map("".join),
)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _fields(applicant: OfficeApplicant) -> list[str]:
    """Every field the form asks, and the grid-worker code the link may carry."""
    return [f.name for f in applicant.form.fields] + ["via"]


def _typed(applicant: OfficeApplicant, field: str, value: str):
    """*value* in the shape the field takes: a list item for a multiple choice."""
    kind = applicant.form[field].kind if field in applicant.form else None
    return [value] if kind is not None and kind.type == "list" else value


@pytest.fixture
def fuzz_app(office_app):
    return office_app("shanxi-youth")


def _check_offices_still_work(app, office: Office) -> None:
    with get_db_of(app).sessions() as session:
        ids = list(session.scalars(select(Application.id)))
    for application_id in ids:
        response = office.get(f"/office/applications/{application_id}")
        assert response.status_code == 200, application_id
    assert office.get("/office/applications").status_code == 200
    response = office.get(f"/office/units/{office.unit}/export.zip")
    assert response.status_code == 200, response.data[:500]
    names = set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert {"datapackage.json", "roster.xlsx", "shanxi-2026.csv"} <= names


def test_fuzzed_answers_never_break_a_page_or_an_export(fuzz_app, tmp_path):
    applicant = OfficeApplicant(fuzz_app, "shanxi-2026")
    office = Office(fuzz_app, "shanxi", "administrator")
    office.login()
    fields = _fields(applicant)
    statuses: list[int] = []

    @given(field=st.sampled_from(fields), value=TEXT, via_form=st.booleans())
    @SETTINGS
    def submit(field, value, via_form):
        if via_form:
            # A browser sends UTF-8: a lone surrogate cannot travel in a form body.
            value = value.encode("utf-8", "replace").decode("utf-8")
            response = applicant.submit(**{field: _typed(applicant, field, value)})
        else:
            response = applicant.submit_json(**{field: _typed(applicant, field, value)})
        assert response.status_code < 500, (field, value, response.data[:300])
        statuses.append(response.status_code)

    submit()
    assert any(code in (201, 303) for code in statuses)
    assert any(400 <= code < 500 for code in statuses)
    _check_offices_still_work(fuzz_app, office)
    response = office.get("/office/units/shanxi/export.zip")
    path = tmp_path / "package.zip"
    path.write_bytes(response.data)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "package")
    report = Package(str(tmp_path / "package" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
