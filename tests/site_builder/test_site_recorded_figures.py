"""The honour roll's stars, points and hours (issue 11): recorded figures for a
nomination linked to a volunteer record, from the decisions file; hand-typed figures in
honours.yaml only where the deployment keeps no records."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

RECORDED = {"stars": 3, "star_source": "hours", "points": 1420, "minutes": 20130}


def read(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def write_decisions(path: Path) -> Path:
    """张示例's 2025 honour nominated from a record; 陈示例 from a record, no YAML entry."""

    def nominated(number: int, name: str, year: int) -> dict:
        return {
            "nomination": number,
            "name": name,
            "unit": "hutang",
            "honour": "平安志愿者先进个人",
            "year": year,
            "withdrawn": False,
            "deeds": "组织楼道巡逻队。",
            "consent": {"date": "2025-11-10", "method": "书面"},
            "notice": {"starts": "2025-11-11", "ends": "2025-11-17", "objections": "致电综治办"},
            "record": RECORDED,
        }

    honours = [nominated(1, "张示例", 2025), nominated(2, "陈示例", 2026)]
    document = {"format": "pingan-honour-decisions/2", "deployment": "wujin", "honours": honours}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def card(page: BeautifulSoup, selector: str):
    (found,) = page.select(selector)
    return found


def test_the_roll_shows_recorded_figures_and_no_typed_ones(copy_of_wujin, build_site, tmp_path):
    decisions = write_decisions(tmp_path / "honours.json")
    site = build_site(copy_of_wujin, build_date="2026-11-23", honours=decisions)
    roll = read(site, "honours/index.html")
    zhang = card(roll, "[data-person=zhang-demo]")
    assert zhang.select_one(".pingan-stars")["aria-label"] == "三星"
    assert zhang.select_one(".pingan-points strong").get_text() == "1,420"
    assert zhang.select_one(".pingan-hours strong").get_text() == "335.5"
    assert zhang.select_one("[data-recorded]") is not None
    chen = card(roll, "[data-nomination='2']")  # nominated only: no person page
    assert chen.select_one(".pingan-points strong").get_text() == "1,420"
    # 李示例 has no record linked: Wujin keeps records, so no figures at all.
    li = card(roll, "[data-person=li-demo]")
    assert li.select_one(".pingan-person__score") is None
    person = read(site, "people/zhang-demo/index.html")
    terms = {
        dt.get_text(): dd for dt, dd in zip(person.select("dt"), person.select("dd"), strict=True)
    }
    assert terms["星级"].select_one(".pingan-stars").get_text() == "★★★☆☆"
    assert terms["积分"].get_text() == "1,420"
    assert terms["服务时长"].get_text() == "335.5 小时"
    unit = read(site, "unit/hutang/index.html")
    assert card(unit, "[data-person=zhang-demo]").select_one(".pingan-hours") is not None


def test_without_records_the_typed_figures_show(copy_of_wujin, build_site):
    (copy_of_wujin / "records.yaml").unlink()
    honours = yaml.safe_load((copy_of_wujin / "honours.yaml").read_text(encoding="utf-8"))
    honours["volunteers"][1] |= {"stars": 4, "points": 860}
    (copy_of_wujin / "honours.yaml").write_text(
        yaml.safe_dump(honours, allow_unicode=True), encoding="utf-8"
    )
    roll = read(build_site(copy_of_wujin, build_date="2026-11-23"), "honours/index.html")
    li = card(roll, "[data-person=li-demo]")
    assert li.select_one(".pingan-stars")["aria-label"] == "四星"
    assert li.select_one(".pingan-points strong").get_text() == "860"
    assert li.select_one(".pingan-hours") is None
    assert card(roll, "[data-person=zhang-demo]").select_one(".pingan-person__score") is None
