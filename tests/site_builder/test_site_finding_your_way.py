"""Finding your way (issue 10): the status look-up from every page, the unit directory's
filter, history in date order, the site's own URL, the scheme's target, marks and
recognition, the documents' wording, one way of writing numbers, stories as cards."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from site_helpers import DEPLOYMENT_DIRS, FORM_URL, ROOT, deployment_id, example_site

from pingan.deployment import load_deployment
from pingan.markup import join_cjk_lines
from site_builder.formatting import excerpt, number, until_text

STATUS_URL = f"{FORM_URL}/status"
#: A count as the site writes it: 37,596, 1,000, 889; optionally after 约 or 不少于.
WRITTEN_COUNT = re.compile(r"(约 )?(不少于 )?\d{1,3}(,\d{3})*")


def _soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


# The status look-up (查询进度)


def test_every_page_links_to_the_status_lookup(any_site):
    for path in any_site.html_files():
        links = _soup(path).select("footer.md-footer a.pingan-status-link")
        assert [link["href"] for link in links] == [STATUS_URL], path
        assert links[0].get_text() == "查询进度"


def test_each_notice_says_where_to_look_up_the_result(any_site):
    notices = sorted(any_site.root.glob("notices/*/index.html"))
    assert notices
    for path in notices:
        help_text = _soup(path).select_one("article .pingan-status-help")
        assert help_text is not None, path
        assert help_text.select_one("a")["href"] == STATUS_URL
        assert "报名编号" in help_text.get_text()


def test_the_faq_links_the_status_lookup(wujin):
    article = wujin.page("faq/").select_one("article")

    assert STATUS_URL in [link["href"] for link in article.select("a")]
    assert "pingan:status" not in str(article)


# The unit directory's filter


def test_unit_directory_has_a_labelled_filter_and_its_script(any_site):
    page = any_site.page("units/")
    box = page.select_one('.pingan-filter[data-filter-for="unit-tree"]')

    assert box is not None and box.has_attr("hidden")  # shown by the script
    field = box.select_one("input")
    assert field["type"] == "search"
    assert box.select_one(f'label[for="{field["id"]}"]').get_text() == "按名称查找单位"
    assert page.select_one("#unit-tree") is not None
    scripts = [script["src"] for script in page.select("script[src]")]
    assert "../assets/javascripts/unit-filter.js" in scripts
    assert (any_site.root / "assets/javascripts/unit-filter.js").is_file()


def test_unit_directory_lists_every_unit_without_javascript(any_site):
    tree = load_deployment(any_site.data_dir).tree
    links = any_site.page("units/").select("#unit-tree li > a")

    assert sorted(link.get_text() for link in links) == sorted(unit.name for unit, _ in tree.walk())


def test_unit_list_pages_have_the_filter_too(wujin):
    page = wujin.page("units/list/1/")

    assert page.select_one('.pingan-filter[data-filter-for="unit-list"] input') is not None
    assert page.select_one("table#unit-list") is not None


# 工作历程 in date order


def test_history_is_in_date_order(any_site):
    dates = [time["datetime"] for time in any_site.page("").select(".pingan-timeline time")]

    assert dates and dates == sorted(dates)


@pytest.mark.parametrize(
    ("name", "later_year"),
    [("shanxi-youth", "2016"), ("expo-town", "2010")],  # the documents' later stages
)
def test_closed_rounds_come_before_later_events(built_sites, name, later_year):
    site = example_site(built_sites, name)
    items = site.page("").select(".pingan-timeline li")
    closed = [i for i, item in enumerate(items) if item.select_one("a")]
    later = [i for i, item in enumerate(items) if item.time["datetime"] >= later_year]

    assert closed and later
    assert max(closed) < min(later)


# The site's own address


def test_site_url_option_sets_canonical_og_url_and_sitemap(build_site):
    site = build_site(ROOT / "data", site_url="https://pingan.wujin.example.org/site")
    page = _soup(site / "notices/wujin-2026/index.html")
    locs = [
        loc.text
        for loc in ET.parse(site / "sitemap.xml")
        .getroot()
        .iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]

    expected = "https://pingan.wujin.example.org/site/notices/wujin-2026/"
    assert page.select_one('link[rel="canonical"]')["href"] == expected
    assert page.select_one('meta[property="og:url"]')["content"] == expected
    assert locs and all(loc.startswith("https://pingan.wujin.example.org/site/") for loc in locs)


@pytest.mark.parametrize("data_dir", DEPLOYMENT_DIRS, ids=deployment_id)
def test_each_deployment_sets_an_example_site_url(data_dir):
    text = (data_dir / "deployment.yaml").read_text(encoding="utf-8")
    site_url = yaml.safe_load(text)["site_url"]
    line = next(line for line in text.splitlines() if line.startswith("site_url:"))

    assert urlsplit(site_url).hostname.endswith(".example")  # RFC 2606: for examples only
    assert "example" in line.partition("#")[2]


def test_pages_use_the_deployments_site_url(any_site):
    site_url = load_deployment(any_site.data_dir).settings["site_url"]
    page = any_site.page("notices/")

    assert page.select_one('link[rel="canonical"]')["href"] == f"{site_url}notices/"
    assert "127.0.0.1" not in (any_site.root / "sitemap.xml").read_text(encoding="utf-8")


def test_home_page_title_is_the_site_name_once(any_site):
    name = load_deployment(any_site.data_dir).name

    assert any_site.page("").title.get_text() == name
    assert any_site.page("notices/").title.get_text() == f"招募公告 - {name}"


# What the documents say


def test_scheme_target_marks_and_recognition_on_the_home_page(any_site):
    settings = load_deployment(any_site.data_dir).settings
    scheme = {
        dd["data-scheme"]: dd.get_text() for dd in any_site.page("").select(".pingan-scheme dd")
    }
    target = settings["scheme"].get("target")
    marks = (settings.get("identity") or {}).get("marks")
    recognition = settings.get("recognition") or {}

    assert bool(target) == ("target" in scheme)
    if target:
        assert target["text"] in scheme["target"]
    assert bool(marks) == ("identity" in scheme)
    if marks:
        assert join_cjk_lines(marks)[:20] in scheme["identity"]
    if recognition.get("points"):
        assert join_cjk_lines(recognition["points"])[:20] in scheme["recognition"]
    for honour in recognition.get("honours", []):
        assert honour in scheme["recognition"]


def test_chongqing_notice_quotes_the_city_target_not_a_round_figure(built_sites):
    page = example_site(built_sites, "chongqing").page("notices/chongqing-2026/")
    text = page.select_one("article").get_text()

    assert page.select_one(".pingan-total") is None
    assert "本次计划招募" not in text
    target = page.select_one(".pingan-target").get_text()
    assert "本次招募不另定名额" in target
    assert "全市平安志愿者到 2010 年力争达到 100 万名" in target


def test_expo_town_minimum_until_april_reads_as_the_document(built_sites):
    page = example_site(built_sites, "expo-town").page("notices/expo-2009/")
    rows = [
        [td.get_text() for td in row.select("td")]
        for row in page.select(".pingan-minimums tbody tr")
    ]

    assert rows == [
        ["每月不少于 1 次", "2010 年 4 月底前"],
        ["每月不少于 2 次", "2010 年 5 月至 2010 年 10 月"],
    ]


# One way of writing numbers


def test_quota_tables_write_counts_with_thousands_separators(any_site):
    pages = [any_site.root / "quotas/index.html", *any_site.root.glob("quotas/*/index.html")]
    cells = [
        cell
        for path in pages
        if path.is_file()
        for cell in _soup(path).select("td[data-value]")
        if cell["data-value"]
    ]
    for cell in cells:
        text = cell.get_text(strip=True)
        assert WRITTEN_COUNT.fullmatch(text), text
        assert text.endswith(f"{int(cell['data-value']):,}")


def test_wujin_quota_table_separates_thousands(wujin):
    page = wujin.page("quotas/wujin-2026/")

    assert page.select_one("tr.pingan-quota__grand .pingan-base").get_text() == "939,870"
    assert page.select_one("tr.pingan-quota__grand .pingan-count").get_text() == "37,596"


# Stories as cards


def test_stories_page_shows_cards_with_face_unit_and_first_lines(any_site):
    deployment = load_deployment(any_site.data_dir)
    if not deployment.stories:
        pytest.skip("no stories in this deployment")
    page = any_site.page("stories/")
    for story in deployment.stories:
        card = page.select_one(f'article.pingan-story[data-story="{story["id"]}"]')
        assert card is not None
        assert card.select_one("h2 a").get_text() == story["title"]
        if story.get("volunteers"):
            assert card.select_one(".pingan-avatar") is not None
        units = [deployment.tree[unit].label for unit in story.get("units", [])]
        assert [span.get_text() for span in card.select(".pingan-story__unit")] == units
        assert card.select_one(".pingan-story__text").get_text() == excerpt(story["body"])


# The wording helpers


def test_number_separates_thousands_and_leaves_words_alone():
    assert number(37596) == "37,596"
    assert number(939870) == "939,870"
    assert number(889) == "889"
    assert number("不低于 1%") == "不低于 1%"
    assert number(True) is True


@pytest.mark.parametrize(
    ("item", "text"),
    [
        ({"until": "2010-04"}, "2010 年 4 月底前"),
        ({"until": "2010"}, "2010 年底前"),
        ({"until": "2010-04-15"}, "截至 2010 年 4 月 15 日"),
        ({"from": "2010-05", "until": "2010-10"}, "2010 年 5 月至 2010 年 10 月"),
        ({"from": "2010-05"}, "2010 年 5 月起"),
        ({}, "全年"),
    ],
)
def test_until_text(item, text):
    assert until_text(item) == text


def test_excerpt_is_the_first_paragraph_as_plain_text():
    body = "**第一段**的[链接](https://example.org)\n接着写。\n\n第二段。"

    assert excerpt(body) == "第一段的链接接着写。"
    assert excerpt("长" * 100) == "长" * 80 + "……"
    assert excerpt(None) == ""
