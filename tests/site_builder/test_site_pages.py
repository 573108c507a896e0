"""What the generated pages show: notices, the unit directory, the honour roll."""

from __future__ import annotations

from bs4 import BeautifulSoup
from site_helpers import ROOT

from pingan.campaigns import campaign_fields
from pingan.deployment import load_deployment


def test_notice_lists_the_form_fields_from_the_campaign_fields(wujin):
    deployment = load_deployment(ROOT / "data")
    fields = campaign_fields(deployment.campaigns["wujin-2026"], deployment)
    rows = wujin.page("notices/wujin-2026/").select("table.pingan-fields tbody tr")

    assert [row["data-field"] for row in rows] == [field["name"] for field in fields]
    by_name = {row["data-field"]: row for row in rows}
    assert by_name["id_number"].th.get_text() == "身份证号码"
    assert by_name["id_number"].select_one(".pingan-badge--sensitive") is not None
    assert by_name["email"].select("td")[0].get_text() == "选填"
    assert "湖塘" in by_name["unit"].select("td")[1].get_text()
    assert "调处化解矛盾" in by_name["service_type"].select("td")[1].get_text()


def test_notice_shows_eligibility_duties_and_timeline(wujin):
    page = wujin.page("notices/wujin-2026/")

    assert page.select_one(".pingan-age").get_text() == "18 周岁以上"
    assert len(page.select(".pingan-conditions li")) == 6
    assert len(page.select(".pingan-declarations li")) == 3
    assert len(page.select(".pingan-duties > li")) == 7
    assert len(page.select(".pingan-tags li")) == 7
    assert [t["datetime"] for t in page.select(".pingan-timeline time")][:2] == [
        "2026-09-01",
        "2026-09-01",
    ]
    assert "2026 年 9 月 1 日至 2027 年 6 月 30 日" in page.select_one(".pingan-meta").get_text()
    minimums = [td.get_text() for td in page.select(".pingan-minimums td:nth-of-type(1)")]
    assert minimums == ["每月不少于 2 次", "每月不少于 1 次", "每季度不少于 1 次"]


def test_yaml_line_folding_leaves_no_spaces_inside_chinese_text(wujin):
    lead = wujin.page("notices/wujin-2026/").select_one(".pingan-lead").get_text()

    assert "可报名，审核通过后" in lead


def test_unit_directory_draws_the_tree_and_paginates_the_list(wujin):
    index = wujin.page("units/")
    listing = wujin.page("units/list/1/")

    top = index.select(".pingan-tree > ul > li")
    assert [li.a.get_text() for li in top] == ["武进区平安志愿者分会"]
    assert len(index.select(".pingan-tree li")) == 25
    assert len(listing.select("table.pingan-unit-list tbody tr")) == 25
    village = wujin.page("unit/hutang-village-a/")
    crumbs = [a.get_text() for a in village.select(".pingan-breadcrumbs a")]
    assert crumbs == ["组织网络", "武进区", "湖塘"]
    assert village.select_one(".pingan-badge--example") is not None


def test_unit_page_is_reachable_but_not_in_the_nav(wujin):
    page = wujin.page("unit/hutang/")

    assert page.select_one("nav.md-nav--primary a[href$='unit/hutang/']") is None


def test_honour_roll_cards_show_avatar_stars_points_and_example_badge(wujin):
    cards = wujin.page("honours/").select("article.pingan-person")
    first = cards[0]

    assert [card["data-person"] for card in cards] == ["zhang-demo", "li-demo", "wang-demo"]
    assert first.select_one(".pingan-avatar--initial").get_text() == "张"
    assert first.select_one(".pingan-stars")["aria-label"] == "五星"
    assert first.select_one(".pingan-stars").get_text() == "★★★★★"
    assert first.select_one(".pingan-points strong").get_text() == "1280"
    assert first.select_one(".pingan-badge--example").get_text() == "示例"
    assert "2025 年平安志愿者先进个人" in first.select_one(".pingan-meta").get_text()
    assert first.select_one(".pingan-card__title a")["href"] == "../people/zhang-demo/"


def test_person_page_tells_the_story_and_links_related_stories(wujin):
    page = wujin.page("people/zhang-demo/")

    assert "夜间巡逻" in page.select_one(".pingan-prose").get_text()
    assert page.select_one('a[href="../../story/patrol-six-years/"]') is not None


def test_projects_highlight_brand_projects_first(wujin):
    projects = wujin.page("projects/").select("article.pingan-project")

    assert projects[0]["id"] == "night-patrol"
    assert "pingan-project--brand" in projects[0]["class"]
    assert projects[0].select_one(".pingan-badge--brand").get_text() == "品牌项目"
    assert "pingan-project--brand" not in projects[1]["class"]


def test_content_pages_are_in_the_nav_in_their_order(wujin):
    nav = wujin.page("").select("nav.md-nav--primary > ul > li > a")
    titles = [a.get_text(strip=True) for a in nav]

    assert titles[-4:] == ["关于我们", "报名须知", "个人信息保护说明", "常见问题"]
    assert titles[0] == "首页"


def test_pages_are_chinese_and_use_the_deployment_colours(wujin):
    page = wujin.page("")
    css = (wujin.root / "assets/stylesheets/pingan-identity.css").read_text()

    assert page.html["lang"] == "zh-CN"
    assert page.select_one('link[href="assets/stylesheets/pingan-identity.css"]') is not None
    assert "--md-primary-fg-color: #1565c0;" in css


def test_photo_replaces_the_initial_avatar_and_is_copied(copy_of_wujin, build_site):
    import segno

    (copy_of_wujin / "photos").mkdir()
    segno.make("photo").save(copy_of_wujin / "photos" / "zhang.png", kind="png", scale=4)
    honours = copy_of_wujin / "honours.yaml"
    text = honours.read_text(encoding="utf-8")
    honours.write_text(
        text.replace("    unit: hutang\n", "    unit: hutang\n    photo: zhang.png\n", 1)
    )

    site = build_site(copy_of_wujin)

    card = BeautifulSoup((site / "honours/index.html").read_text(), "lxml").select_one(
        'article[data-person="zhang-demo"]'
    )
    assert card.select_one(".pingan-avatar--initial") is None
    assert card.select_one("img.pingan-avatar")["src"] == "../people/photos/zhang.png"
    assert (site / "people/photos/zhang.png").read_bytes() == (
        copy_of_wujin / "photos" / "zhang.png"
    ).read_bytes()
