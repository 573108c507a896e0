"""Printed matter: posters and paper forms from the deployment's data, as HTML and PDF."""

from __future__ import annotations

import io
from pathlib import Path

import cairosvg
import pypdf
import pytest
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image

from pingan.campaigns import campaign_fields
from pingan.cli import main as pingan
from pingan.deployment import load_deployment
from pingan.fields import kind_of
from pingan.printing import html_to_pdf, paper_form_html, poster_html, poster_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = [ROOT / "data"] + sorted(p.parent for p in ROOT.glob("examples/*/deployment.yaml"))
FORM = "https://apply.example.org"


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def _decoded(svg: str) -> str:
    png = cairosvg.svg2png(bytestring=svg.encode(), scale=4, background_color="white")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


@pytest.fixture(scope="module")
def wujin():
    deployment = load_deployment(ROOT / "data")
    return deployment, deployment.campaigns["wujin-2026"]


def test_a_units_poster_prints_on_one_page_in_chinese_with_a_working_qr_code(wujin):
    deployment, campaign = wujin
    html = poster_html(deployment, campaign, FORM, unit="hutang")
    pdf = html_to_pdf(html)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    for words in ("武进区平安志愿者招募公告", "谁可以报名", "18 周岁以上", "怎样报名", "湖塘"):
        assert words in text
    svg = BeautifulSoup(html, "html.parser").select_one(".qr svg")
    assert _decoded(str(svg)) == f"{FORM}/apply/wujin-2026?unit=hutang"


def test_a_grid_workers_poster_carries_the_code(wujin):
    _, campaign = wujin
    assert poster_url(FORM, campaign, via="GW-01") == f"{FORM}/apply/wujin-2026?via=GW-01"


def test_the_paper_form_asks_for_every_field_of_the_online_form_by_its_kind(wujin):
    deployment, campaign = wujin
    page = BeautifulSoup(paper_form_html(deployment, campaign), "html.parser")
    rows = {row.th.get_text(" ", strip=True): row.td for row in page.select("table tr")}
    for field in campaign_fields(campaign, deployment):
        [title] = [title for title in rows if title.startswith(field["title"])]
        cell = rows[title]
        kind = kind_of(field)
        if kind.paper == "cells":
            assert len(cell.select(".cells span")) == kind.paper_cells
        if kind.paper in ("choice", "choices") and 0 < len(field["choices"]) <= 16:
            assert [box.get_text() for box in cell.select(".choice")] == [
                label for _, label in field["choices"]
            ]
        assert ("*" in title) == bool(field["constraints"].get("required"))
    declarations = [li.get_text() for li in page.select(".declarations li")]
    assert declarations == [d["text"] for d in campaign.data["eligibility"]["declarations"]]
    assert "身份证号码" in _text(html_to_pdf(str(page)))


@pytest.mark.parametrize("data_dir", DEPLOYMENTS, ids=lambda path: path.name)
def test_every_campaign_of_every_deployment_has_a_poster_and_a_paper_form(data_dir):
    deployment = load_deployment(data_dir)
    for campaign in deployment.campaigns.values():
        poster = BeautifulSoup(poster_html(deployment, campaign, FORM), "html.parser")
        assert poster.h1.get_text() == campaign.title
        paper = BeautifulSoup(paper_form_html(deployment, campaign), "html.parser")
        assert len(paper.select("table tr")) == len(campaign.data["form"]["fields"])


def test_the_commands_write_pdf_and_html(tmp_path, capsys):
    out = tmp_path / "poster.pdf"
    assert (
        pingan(["poster", "data", "--campaign", "wujin-2026", "--unit", "hutang", "-o", str(out)])
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")
    paper = tmp_path / "form.html"
    assert pingan(["paper-form", "data", "--campaign", "wujin-2026", "-o", str(paper)]) == 0
    assert "纸质登记表" in paper.read_text(encoding="utf-8")
    assert pingan(["poster", "data", "--campaign", "nope", "-o", str(out)]) == 2
    assert "没有招募“nope”" in capsys.readouterr().err
    assert pingan(["paper-form", "data", "--campaign", "wujin-2026", "-o", "x.doc"]) == 2


def test_printed_matter_loads_nothing_from_outside():
    with pytest.raises(ValueError, match="loads nothing from outside"):
        html_to_pdf('<img src="https://example.org/tracker.png">')
