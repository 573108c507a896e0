"""grid_workers.yaml: the county alliance's grid workers, checked, and their QR cards."""

from __future__ import annotations

import io
from pathlib import Path

import cairosvg
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image

from pingan.deployment import check_deployment, load_deployment
from pingan.printing import grid_cards_html

ROOT = Path(__file__).resolve().parents[2]
WORKERS = """\
grid_workers:
  - {code: DC-01, name: 周网格, unit: dong-cun}
  - {code: dc-01, name: 吴网格, unit: dong-cun}
  - {code: XC-01, name: 郑网格, unit: nowhere}
"""


def test_codes_are_unique_whatever_the_case_and_units_exist(data_dir):
    report = check_deployment(data_dir(grid_workers=WORKERS)).report()
    assert (
        "data/grid_workers.yaml:3: grid_workers[1].code: 网格员编号“dc-01”与第 1 位网格员重复"
        in report
    )
    assert "data/grid_workers.yaml:4: grid_workers[2].unit: 单位“nowhere”不存在" in report


def test_a_code_the_form_would_refuse_is_a_data_error(data_dir):
    workers = "grid_workers:\n  - {code: 'x', name: 周网格, unit: dong-cun}\n"
    assert "code" in check_deployment(data_dir(grid_workers=workers)).report()


def test_the_county_alliance_lists_its_invented_grid_workers():
    county = load_deployment(ROOT / "examples" / "county-alliance")
    assert county.grid_workers
    assert all(worker["example"] for worker in county.grid_workers)
    assert all(worker["unit"] in county.tree for worker in county.grid_workers)


def test_each_card_opens_the_form_with_the_code_and_the_stations_town():
    county = load_deployment(ROOT / "examples" / "county-alliance")
    campaign = county.campaigns["county-2026"]
    page = BeautifulSoup(
        grid_cards_html(county, campaign, "https://apply.example.org", county.grid_workers),
        "html.parser",
    )
    cards = page.select(".card")
    assert len(cards) == len(county.grid_workers)
    first = county.grid_workers[0]
    town = county.tree[first["unit"]].parent
    png = cairosvg.svg2png(bytestring=str(cards[0].svg).encode(), scale=4, background_color="white")
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert code.text == (
        f"https://apply.example.org/apply/county-2026?unit={town}&via={first['code']}"
    )
    assert "示例" in cards[0].get_text()
