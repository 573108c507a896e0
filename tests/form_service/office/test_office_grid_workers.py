"""The county alliance's offices see what each grid worker of their scope recruited."""

from __future__ import annotations

import pytest
from applicants import ROOT
from offices import OfficeApplicant, page
from sqlalchemy import update

from form_service.db import get_db
from form_service.models import Application

COUNTY = str(ROOT / "examples" / "county-alliance")


@pytest.fixture
def county(office_app):
    return office_app("wujin", DATA_DIR=COUNTY)


def _counts(listing) -> dict[str, tuple[str, str]]:
    rows = {}
    for row in listing.select("tr.grid-worker"):
        cells = [cell.get_text(strip=True) for cell in row.select("td")]
        rows[cells[1]] = (cells[3], cells[4])
    return rows


def test_applications_and_registrations_are_counted_per_grid_worker(county, office):
    applicant = OfficeApplicant(county, "county-2026")
    applicant.stored(unit="kaifaqu", via="KFQ-0101")
    applicant.stored(unit="kaifaqu", via="kfq-0101")  # as a person may type it
    registered = applicant.stored(unit="kaifaqu", via="KFQ-0102")
    applicant.stored(unit="qutang", via="QT-0101")
    with county.app_context():
        with get_db().write() as session:
            session.execute(
                update(Application)
                .where(Application.id == registered.id)
                .values(volunteer_number="XJ2026000001")
            )
    kaifaqu = office(county, "kaifaqu")
    listing = page(kaifaqu.get("/office/units/kaifaqu/grid-workers"))
    assert _counts(listing) == {
        "KFQ-0101": ("2", "0"),
        "KFQ-0102": ("1", "1"),
        "KFQ-0201": ("0", "0"),
    }  # 曲塘's grid worker is not in 开发区's scope
    assert "QT-0101" not in listing.get_text()
    cards = kaifaqu.get(listing.select_one("a.button")["href"])
    assert cards.status_code == 200 and cards.mimetype == "application/pdf"


def test_another_towns_grid_workers_are_out_of_scope(county, office):
    kaifaqu = office(county, "kaifaqu")
    assert kaifaqu.get("/office/units/qutang/grid-workers").status_code == 404
    assert kaifaqu.get("/office/units/qutang/grid-workers/county-2026.pdf").status_code == 404
