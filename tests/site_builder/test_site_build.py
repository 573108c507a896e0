"""The build as a whole: reproducible, small nav, search, apply links, and data errors."""

from __future__ import annotations

import filecmp
import io
import json
from pathlib import Path

import cairosvg
import pytest
import zxingcpp
from bs4 import BeautifulSoup
from PIL import Image
from site_helpers import FORM_URL, ROOT, example_site

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


def decode_qr(svg: Path) -> list[str]:
    """The texts of the QR codes in a built SVG file, read from a rasterised image of it."""
    png = cairosvg.svg2png(url=str(svg), scale=4, background_color="white")
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_open_notice_has_apply_link_and_qr_code(wujin):
    page = wujin.page("notices/wujin-2026/")
    apply_url = f"{FORM_URL}/apply/wujin-2026"

    assert {a["href"] for a in page.select("a.pingan-apply-link")} == {apply_url}
    assert page.select_one(".pingan-qr img")["src"] == "apply-qr.svg"
    assert decode_qr(wujin.path("notices/wujin-2026/apply-qr.svg")) == [apply_url]


def test_every_qr_code_decodes_to_its_notices_apply_link(any_site):
    """Each built QR code, rasterised and decoded, is the apply link printed beside it."""
    notices = sorted(any_site.root.glob("notices/*/index.html"))
    decoded = {}
    for path in notices:
        page = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        image = page.select_one(".pingan-qr img")
        if image is None:
            continue
        printed = page.select_one(".pingan-apply code").get_text()
        assert printed == f"{FORM_URL}/apply/{path.parent.name}"
        decoded[path.parent.name] = (decode_qr(path.parent / image["src"]), printed)
    assert decoded, "no notice of this deployment has a QR code"
    assert all(codes == [printed] for codes, printed in decoded.values()), decoded


def test_home_lists_open_campaigns_with_apply_buttons(wujin):
    card = wujin.page("").select_one('article.pingan-campaign[data-campaign="wujin-2026"]')

    assert card.select_one(".pingan-badge--open").get_text() == "正在招募"
    assert card.select_one("a.pingan-apply-link")["href"] == f"{FORM_URL}/apply/wujin-2026"


def test_closed_campaign_shows_closed_without_apply_button(built_sites):
    site = example_site(built_sites, "shanxi-youth")
    notice = site.page("notices/shanxi-2014/")
    history = site.page("").select(".pingan-timeline li")

    assert notice.select_one(".pingan-badge--closed").get_text() == "已结束"
    assert "已于 2014 年 12 月 31 日结束" in notice.select_one(".pingan-closed").get_text()
    assert (
        "2014 年 10 月 1 日至 2014 年 12 月 31 日" in notice.select_one(".pingan-meta").get_text()
    )
    assert notice.select("a.pingan-apply-link") == []
    assert not site.path("notices/shanxi-2014/apply-qr.svg").exists()
    closed = [li for li in history if li.select_one('a[href="notices/shanxi-2014/"]')]
    assert [li.get_text(" ", strip=True) for li in closed] == [
        "2014 年 10 月 1 日 全省青年平安志愿者招募（2014 年） （已结束）"
    ]


def test_home_without_an_open_round_says_so(copy_of_wujin, build_site):
    notice = copy_of_wujin / "campaigns" / "wujin-2026.yaml"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(
        text.replace("\nwindow: long_term\n", "\ncloses: 2027-06-30\n"), encoding="utf-8"
    )
    site = build_site(copy_of_wujin, build_date="2027-07-01")
    home = BeautifulSoup((site / "index.html").read_text(), "lxml")

    assert home.select("a.pingan-apply-link") == []
    assert "目前没有正在进行的招募" in home.select_one(".pingan-empty").get_text()
    assert not (site / "notices/wujin-2026/apply-qr.svg").exists()


def test_the_demo_round_is_still_open_in_2040(build_site):
    site = build_site(ROOT / "data", build_date="2040-01-01")
    home = BeautifulSoup((site / "index.html").read_text(), "lxml")
    notice = BeautifulSoup((site / "notices/wujin-2026/index.html").read_text(), "lxml")

    apply_url = f"{FORM_URL}/apply/wujin-2026"
    assert [a["href"] for a in home.select("a.pingan-apply-link")] == [apply_url]
    assert notice.select_one(".pingan-badge--open").get_text() == "正在招募"
    assert decode_qr(site / "notices/wujin-2026/apply-qr.svg") == [apply_url]


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
