"""The build as a whole: reproducible, small nav, search, apply links, and data errors."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import FORM_URL, ROOT

from pingan.cli import build_parser


def tree_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_building_twice_gives_byte_identical_sites(build_site):
    first = build_site(ROOT / "data")
    second = build_site(ROOT / "data")

    files = tree_files(first)
    assert files == tree_files(second)
    match, mismatch, errors = filecmp.cmpfiles(first, second, files, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_nav_lists_sections_not_units_or_people(any_site):
    nav = any_site.page("").select_one("nav.md-nav--primary")
    links = [a["href"] for a in nav.select("a[href]")]

    assert len(links) < 40
    assert not [href for href in links if href.startswith(("unit/", "people/", "story/"))]
    assert "units/" in links


def search_index(site) -> dict:
    return json.loads((site.root / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_unit_pages_stay_out_of_the_search_index(any_site):
    locations = [doc["location"] for doc in search_index(any_site)["docs"]]

    assert any_site.path("units/list/1/").is_file()
    assert not [loc for loc in locations if loc.startswith(("unit/", "units/list/"))]
    assert any(loc.startswith("notices/") for loc in locations)


def test_search_segments_chinese_words_with_jieba(wujin):
    index = search_index(wujin)
    texts = [doc["text"] for doc in index["docs"] if doc["location"].startswith("notices/")]

    assert index["config"]["lang"] == ["zh"]
    assert any("\u200b志愿者\u200b" in text for text in texts)


def test_open_notice_has_apply_link_and_qr_code(wujin):
    page = wujin.page("notices/wujin-2026/")
    apply_url = f"{FORM_URL}/apply/wujin-2026"

    assert {a["href"] for a in page.select("a.pingan-apply-link")} == {apply_url}
    qr = page.select_one(".pingan-qr img")
    assert qr["src"] == "apply-qr.svg"
    svg = BeautifulSoup(wujin.path("notices/wujin-2026/apply-qr.svg").read_text(), "xml")
    assert svg.find("svg") is not None and svg.find("path") is not None


def test_qr_code_encodes_the_apply_link():
    segno = pytest.importorskip("segno")
    from site_builder.qrcode import qr_svg

    url = f"{FORM_URL}/apply/wujin-2026"
    expected = segno.make(url, error="m", micro=False)
    assert expected.designator and qr_svg(url, "t").count("<path") == 1


def test_home_lists_open_campaigns_with_apply_buttons(wujin):
    card = wujin.page("").select_one('article.pingan-campaign[data-campaign="wujin-2026"]')

    assert card.select_one(".pingan-badge--open").get_text() == "正在招募"
    assert card.select_one("a.pingan-apply-link")["href"] == f"{FORM_URL}/apply/wujin-2026"


def test_closed_campaign_shows_closed_without_apply_button(build_site):
    site = build_site(ROOT / "data", build_date="2027-07-01")
    notice = BeautifulSoup((site / "notices/wujin-2026/index.html").read_text(), "lxml")
    home = BeautifulSoup((site / "index.html").read_text(), "lxml")

    assert notice.select_one(".pingan-badge--closed").get_text() == "已结束"
    assert "已于 2027 年 6 月 30 日结束" in notice.select_one(".pingan-closed").get_text()
    assert notice.select("a.pingan-apply-link") == []
    assert not (site / "notices/wujin-2026/apply-qr.svg").exists()
    assert home.select("a.pingan-apply-link") == []
    assert "目前没有正在进行的招募" in home.select_one(".pingan-empty").get_text()


def test_data_error_stops_the_build_before_anything_is_written(copy_of_wujin, tmp_path, capsys):
    units = copy_of_wujin / "units.yaml"
    text = units.read_text(encoding="utf-8").replace(
        "level: town, kind: territorial, parent: wujin, registered_population: 42269",
        "level: town, kind: territorial, parent: nowhere, registered_population: 42269",
    )
    units.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "parent: nowhere" in row)
    out = tmp_path / "out"

    args = build_parser().parse_args(["build", str(copy_of_wujin), "--site-dir", str(out)])
    status = args.func(args)

    err = capsys.readouterr().err
    assert status == 1
    assert f"{units}:{line}: units[2].parent: 上级单位“nowhere”不存在" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_content_page_that_would_overwrite_a_generated_page_is_refused(copy_of_wujin, tmp_path):
    from site_builder.commands import BuildFailed, build_site

    (copy_of_wujin.parent / "content" / "index.md").write_text("# 首页\n", encoding="utf-8")

    with pytest.raises(BuildFailed, match="内容目录中不能有同名文件：index.md"):
        build_site(copy_of_wujin, tmp_path / "out")
    assert not (tmp_path / "out").exists()
