"""Posters and paper forms made on demand from the office pages, inside the user's scope."""

from __future__ import annotations

import io

import pypdf
from offices import page


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def test_a_village_squad_prints_a_poster_that_pre_fills_its_town(app, office):
    squad = office(app, "hutang-village-a")
    listing = page(squad.get("/office/units/hutang-village-a/posters"))
    assert "湖塘平安志愿者工作站" in listing.select_one("#posters").get_text()
    link = listing.select_one("#posters a.button")["href"]
    response = squad.get(link)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    assert "武进区平安志愿者招募公告" in text
    assert "/apply/wujin-2026?unit=hutang" in text


def test_the_district_reaches_every_units_posters_and_the_paper_form(app, office):
    district = office(app, "wujin")
    listing = page(district.get("/office/units/wujin/posters"))
    children = [a["href"] for a in listing.select(".unit-children a")]
    assert "/office/units/hutang/posters" in children
    paper = district.get("/office/paper-forms/wujin-2026.pdf")
    assert paper.status_code == 200
    assert "纸质登记表" in _text(paper.data)


def test_another_towns_posters_are_out_of_scope(app, office):
    town = office(app, "hutang")
    assert town.get("/office/units/niutang/posters").status_code == 404
    assert town.get("/office/units/niutang/posters/wujin-2026.pdf").status_code == 404
    assert town.get("/office/units/hutang/posters/no-such-round.pdf").status_code == 404
