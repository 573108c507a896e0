"""The offices' published activities on the site (``pingan build --activities
activities.json``): a page per activity, a list per unit and an overall list, upcoming
first and ended ones marked; sign-up links to the form service; a broken file stops the
build with a Chinese message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import FORM_URL

from site_builder.commands import BuildFailed


def activity(number: int, **changes) -> dict:
    entry = {
        "id": number,
        "unit": "hutang",
        "title": f"夜间巡逻 {number}",
        "content": "在湖塘镇主要街道巡逻。\n发现可疑情况及时报告。",
        "training": False,
        "service_type": "社会治安巡逻",
        "place": "湖塘镇政府门前",
        "starts": "2026-11-30T19:00:00+08:00",
        "ends": "2026-11-30T21:30:00+08:00",
        "places": 20,
        "signed_up": 8,
        "requirements": "身体健康，能步行两小时。",
        "open_to": "public",
        "published": "2026-11-20",
    }
    entry.update(changes)
    return entry


def write(path: Path, activities: list[dict], deployment: str = "wujin") -> Path:
    document = {"format": "pingan-activities/1", "deployment": deployment, "activities": activities}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def activities(tmp_path: Path) -> Path:
    """Two ahead of the build day (2026-11-23, one a training of a village squad, one an
    example), one ended; more than a list page holds with page_size 2."""
    return write(
        tmp_path / "activities.json",
        [
            activity(1),
            activity(
                2,
                unit="hutang-village-a",
                title="消防安全培训",
                training=True,
                open_to="unit",
                starts="2026-11-25T09:00:00+08:00",
                ends="2026-11-26T11:00:00+08:00",
                places=30,
                signed_up=30,
            ),
            activity(
                3,
                title="往期巡逻",
                starts="2026-10-01T19:00:00+08:00",
                ends="2026-10-01T21:00:00+08:00",
            ),
            activity(
                4, unit="niutang", title="示例宣传", example=True, service_type="安全防范宣传"
            ),
        ],
    )


def read(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def test_an_activity_page_says_what_when_where_and_links_sign_up(
    copy_of_wujin, activities, build_site
):
    site = build_site(copy_of_wujin, activities=activities)

    page = read(site, "activity/1/index.html")
    assert page.select_one("h1").get_text(strip=True) == "夜间巡逻 1"
    terms = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select(".pingan-activity-head dt")
    }
    assert terms["组织单位"] == "湖塘平安志愿者工作站"
    assert terms["服务类型"] == "社会治安巡逻"
    assert terms["时间"] == "2026 年 11 月 30 日 19:00–21:30"
    assert terms["地点"] == "湖塘镇政府门前"
    assert terms["名额"].startswith("余 12 个名额（共 20 个，2026 年 11 月 23 日生成网页时）")
    assert terms["报名范围"] == "本方案所有注册志愿者"
    assert terms["报名截止"] == "活动开始时（2026 年 11 月 30 日 19:00）"
    assert page.select_one(".pingan-activity-head dd a")["href"] == "../../unit/hutang/"
    button = page.select_one("a.pingan-signup-link")
    assert button["href"] == f"{FORM_URL}/volunteer/activities/1"
    assert page.select_one(".pingan-badge--open").get_text() == "报名中"
    paragraphs = [p.get_text() for p in page.select(".pingan-prose p")]
    assert paragraphs == [
        "在湖塘镇主要街道巡逻。",
        "发现可疑情况及时报告。",
        "身体健康，能步行两小时。",
    ]
    url = page.select_one("#places-status")["data-places-url"]
    assert url == f"{FORM_URL}/api/v1/units/hutang/activities/places"


def test_dates_decide_open_underway_and_ended(copy_of_wujin, activities, build_site):
    site = build_site(copy_of_wujin, activities=activities, build_date="2026-11-25")

    full = read(
        build_site(copy_of_wujin, activities=activities, build_date="2026-11-24"),
        "activity/2/index.html",
    )
    assert full.select_one("[data-places-for]").get_text().startswith("名额已满（共 30 个")
    training = read(site, "activity/2/index.html")
    assert training.select_one(".pingan-badge--upcoming").get_text() == "进行中"
    assert training.select_one("a.pingan-signup-link") is None
    assert "报名已截止" in training.get_text()
    when = training.select_one("time").get_text()
    assert when == "2026 年 11 月 25 日 9:00至 2026 年 11 月 26 日 11:00"
    assert "湖塘示例社区平安志愿者服务分队及下级单位的注册志愿者" in training.get_text()
    ended = read(site, "activity/3/index.html")
    assert ended.select_one(".pingan-badge--closed").get_text() == "已结束"
    assert ended.select_one("a.pingan-signup-link") is None
    assert ended.select_one("[data-places-for]") is None
    assert "共 20 个名额，8 人报名" in ended.get_text()


def test_the_list_puts_what_is_coming_first_and_marks_the_ended(
    copy_of_wujin, activities, build_site
):
    site = build_site(copy_of_wujin, activities=activities, plugin_options={"page_size": 2})

    first, second = read(site, "activities/index.html"), read(site, "activities/page/2/index.html")
    ids = [card["data-activity"] for card in first.select("article.pingan-activity")]
    ids += [card["data-activity"] for card in second.select("article.pingan-activity")]
    assert ids == ["2", "1", "4", "3"]
    assert second.select_one('[data-activity="3"] .pingan-badge--closed').get_text() == "已结束"
    assert first.select_one(".pingan-pager a[rel=next]")["href"] == "page/2/"
    example = second.select_one('[data-activity="4"]')
    assert example.select_one(".pingan-badge--example").get_text() == "示例活动"
    card = first.select_one('[data-activity="1"]')
    assert card.select_one(".pingan-card__title a")["href"] == "../activity/1/"
    assert card.select_one(".pingan-meta a")["href"] == "../unit/hutang/"
    url = first.select_one("#places-status")["data-places-url"]
    assert url == f"{FORM_URL}/api/v1/activities/places"
    nav = [a.get_text(strip=True) for a in first.select(".md-tabs__link, .md-nav__link")]
    assert "志愿服务活动" in nav


def test_a_unit_page_shows_its_activities_and_links_its_list(copy_of_wujin, activities, build_site):
    site = build_site(copy_of_wujin, activities=activities)

    unit = read(site, "unit/hutang/index.html")
    cards = unit.select("article.pingan-activity")
    assert [card["data-activity"] for card in cards] == ["1", "3"]
    link = unit.find("a", string="本单位的全部活动（2 项）")
    assert link["href"] == "../../activities/unit/hutang/"
    listing = read(site, "activities/unit/hutang/index.html")
    assert listing.select_one("h1").get_text() == "湖塘平安志愿者工作站的志愿服务活动"
    assert [c["data-activity"] for c in listing.select("article.pingan-activity")] == ["1", "3"]
    url = listing.select_one("#places-status")["data-places-url"]
    assert url.endswith("/api/v1/units/hutang/activities/places")
    assert read(site, "unit/luoyang/index.html").select_one("article.pingan-activity") is None


def test_no_activities_no_nav_entry_nor_pages(copy_of_wujin, tmp_path, build_site):
    site = build_site(copy_of_wujin, activities=write(tmp_path / "none.json", []))

    assert not (site / "activities").exists()
    home = read(site, "index.html")
    assert "志愿服务活动" not in [a.get_text(strip=True) for a in home.select(".md-tabs__link")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deployment": "tongzhou"}, "这是部署“tongzhou”的活动，不是“wujin”的"),
        ({"activities": [activity(1, unit="nowhere")]}, "activities[0].unit: 单位“nowhere”不存在"),
        (
            {"activities": [activity(1, starts="2026-11-30 19:00")]},
            "activities[0].starts: 开始时间“2026-11-30 19:00”格式不对：应为带时区的时间",
        ),
        (
            {"activities": [activity(1, ends="2026-11-30T18:00:00+08:00")]},
            "activities[0].ends: 结束时间须晚于开始时间",
        ),
        ({"activities": [activity(1, places="20")]}, "activities[0].places: 应为整数"),
        ({"format": "pingan-activities/0"}, "format:"),
    ],
)
def test_a_broken_file_stops_the_build_in_chinese(
    copy_of_wujin, activities, build_site, change, message
):
    document = json.loads(activities.read_text(encoding="utf-8"))
    activities.write_text(json.dumps({**document, **change}, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(BuildFailed) as failed:
        build_site(copy_of_wujin, activities=activities)

    assert message in str(failed.value)
    assert "活动文件有 1 个问题，未生成网站。" in str(failed.value)


def test_pingan_build_takes_the_activities_file(copy_of_wujin, activities, tmp_path, capsys):
    from pingan.cli import main

    site = tmp_path / "site"
    arguments = ["build", str(copy_of_wujin), "--site-dir", str(site), "--build-date", "2026-11-23"]

    assert main([*arguments, "--activities", str(activities), "--strict"]) == 0
    assert (site / "activity" / "1" / "index.html").is_file()

    activities.write_text("{", encoding="utf-8")
    assert main([*arguments, "--activities", str(activities)]) == 1
    assert "不是有效的 JSON 文件" in capsys.readouterr().err


def test_the_feeds_carry_the_activities(copy_of_wujin, activities, build_site):
    site = build_site(copy_of_wujin, activities=activities)

    rss = BeautifulSoup((site / "feeds" / "rss.xml").read_text(encoding="utf-8"), "xml")
    items = {item.title.get_text(): item for item in rss.find_all("item")}
    item = items["夜间巡逻 1"]
    assert item.link.get_text().endswith("/activity/1/")
    assert item.category.get_text() == "志愿服务活动"
    assert "2026 年 11 月 30 日 19:00–21:30，湖塘镇政府门前" in item.description.get_text()
    assert "20 Nov 2026" in item.pubDate.get_text()
    atom = (site / "feeds" / "atom.xml").read_text(encoding="utf-8")
    assert "消防安全培训" in atom


def test_the_preview_builds_with_the_activities_and_watches_the_file(
    copy_of_wujin, activities, tmp_path
):
    from site_builder.preview import Preview

    preview = Preview(
        copy_of_wujin,
        tmp_path / "preview" / "site",
        form_url=FORM_URL,
        site_url="http://127.0.0.1:8001/",
        activities=activities,
    )
    (tmp_path / "preview").mkdir()
    try:
        preview.build()
        assert preview.problems is None
        assert (preview.site_dir / "activity" / "1" / "index.html").is_file()
        assert activities in preview.watched()
    finally:
        preview.remove()
