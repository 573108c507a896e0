"""What the generated pages show: notices, the unit directory, the honour roll."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from site_helpers import ROOT

from pingan.campaigns import Campaign, campaign_fields
from pingan.deployment import load_deployment
from pingan.zhtext import zh_date


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
    data = load_deployment(ROOT / "data").campaigns["wujin-2026"].data
    page = wujin.page("notices/wujin-2026/")

    def texts(selector: str) -> list[str]:
        return [item.get_text(" ", strip=True) for item in page.select(selector)]

    assert page.select_one(".pingan-age").get_text() == "18 周岁以上"
    assert texts(".pingan-conditions li") == data["eligibility"]["conditions"]
    assert texts(".pingan-declarations li") == [
        item["text"] for item in data["eligibility"]["declarations"]
    ]
    assert [li.strong.get_text() for li in page.select(".pingan-duties > li")] == [
        duty["title"] for duty in data["duties"]
    ]
    assert texts(".pingan-tags li") == [item["name"] for item in data["service_types"]]
    assert [t["datetime"] for t in page.select(".pingan-timeline time")] == [
        phase["start"] for phase in data["phases"]
    ]
    assert texts(".pingan-timeline time")[0] == "2026 年 9 月 1 日起"  # applications: no end
    minimums = [td.get_text() for td in page.select(".pingan-minimums td:nth-of-type(1)")]
    assert minimums == ["每月不少于 2 次", "每月不少于 1 次", "每季度不少于 1 次"]


DAY = re.compile(r"\d{4} 年 \d{1,2} 月 \d{1,2} 日")


def example_round(site) -> Campaign:
    """The deployment's invented round, the one the demo applies to."""
    campaigns = load_deployment(site.data_dir).campaigns.values()
    return next(campaign for campaign in campaigns if campaign.data.get("example"))


def test_a_long_term_notice_says_so_and_prints_no_closing_date(any_site):
    campaign = example_round(any_site)
    page = any_site.page(f"notices/{campaign.id}/")
    head = page.select_one(".pingan-notice-head")
    opens = zh_date(campaign.data["opens"])

    assert campaign.window == "long_term"
    assert head.select_one('.pingan-badge[data-window="long_term"]').get_text() == "长期招募"
    assert head.select_one(".pingan-badge--open").get_text() == "正在招募"
    meta = head.select_one(".pingan-meta").get_text()
    assert meta.startswith(f"报名时间：{opens}起，常年招募，长期有效")
    assert (
        page.select_one(".pingan-window").get_text()
        == "长期招募：常年招募，长期有效，随时可以报名。"
    )
    assert page.select_one(".pingan-deadline").get_text() == "常年招募，长期有效。"
    # No closing date anywhere: every full date printed is the opening day or a phase's start.
    starts = {zh_date(phase["start"]) for phase in campaign.data.get("phases", [])}
    assert set(DAY.findall(page.select_one("article").get_text())) <= {opens} | starts
    assert "截止" not in page.select_one("article").get_text()


def test_campaign_cards_give_the_long_term_period(any_site):
    campaign = example_round(any_site)
    for url in ("", "notices/"):
        card = any_site.page(url).select_one(f'article[data-campaign="{campaign.id}"]')
        assert card.select_one(".pingan-meta").get_text() == (
            f"报名时间：{zh_date(campaign.data['opens'])}起，常年招募，长期有效"
        )
        assert card.select_one('[data-window="long_term"]').get_text() == "长期招募"


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


def test_honour_roll_cards_show_avatar_and_example_badge(wujin):
    cards = wujin.page("honours/").select("article.pingan-person")
    first = cards[1]

    # Within a year by recorded stars (none here), then by id.
    assert [card["data-person"] for card in cards] == ["li-demo", "zhang-demo", "wang-demo"]
    assert first.select_one(".pingan-avatar--initial").get_text() == "张"
    # Wujin keeps records: figures come from a nomination's record (test_site_recorded_figures).
    assert first.select_one(".pingan-person__score") is None
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


def test_an_emergency_round_names_its_window_and_closing_day(copy_of_wujin, build_site):
    notice = copy_of_wujin / "campaigns" / "wujin-2026.yaml"
    text = notice.read_text(encoding="utf-8")
    notice.write_text(
        text.replace("\nwindow: long_term\n", "\nwindow: emergency\ncloses: 2026-12-15\n"),
        encoding="utf-8",
    )
    page = BeautifulSoup(
        (build_site(copy_of_wujin) / "notices/wujin-2026/index.html").read_text(), "lxml"
    )

    assert page.select_one('[data-window="emergency"]').get_text() == "短期应急招募"
    meta = page.select_one(".pingan-notice-head .pingan-meta").get_text()
    assert meta.startswith("报名时间：2026 年 9 月 1 日至 2026 年 12 月 15 日 · ")
    assert page.select_one(".pingan-deadline").get_text() == "报名截止：2026 年 12 月 15 日。"
    assert page.select_one(".pingan-window").get_text() == (
        "短期应急招募：为应急任务短期招募，截止后不再接受报名。"
    )
