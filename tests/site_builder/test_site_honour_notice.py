"""The honour roll with the offices' decisions (``pingan build --honours honours.json``):
a nomination shows as under public notice (公示中) only between its dates, printing them and
how to object, then on the roll as awarded; a withdrawn one never appears."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from site_builder.commands import BuildFailed

OBJECTIONS = "对公示对象有异议的，请于公示期内致电区综治办 0519-00000000"


def nomination(number: int, name: str, **changes) -> dict:
    entry = {
        "nomination": number,
        "name": name,
        "unit": "hutang",
        "honour": "平安志愿者先进个人",
        "year": 2026,
        "withdrawn": False,
        "deeds": "组织楼道巡逻队，协助调解邻里纠纷。",
        "consent": {"date": "2026-11-10", "method": "书面"},
        "notice": {"starts": "2026-11-21", "ends": "2026-11-27", "objections": OBJECTIONS},
    }
    entry.update(changes)
    if entry["withdrawn"]:
        for key in ("deeds", "consent", "notice"):
            entry.pop(key)
    return entry


@pytest.fixture
def decisions(tmp_path: Path) -> Path:
    """陈示例 nominated by an office (no YAML entry); 张示例's 2025 honour withdrawn."""
    path = tmp_path / "honours.json"
    honours = [
        nomination(1, "陈示例"),
        nomination(2, "张示例", year=2025, withdrawn=True),
    ]
    document = {"format": "pingan-honour-decisions/1", "deployment": "wujin", "honours": honours}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def read(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "lxml")


def test_a_nomination_is_under_notice_only_between_its_dates(copy_of_wujin, decisions, build_site):
    before = read(
        build_site(copy_of_wujin, build_date="2026-11-20", honours=decisions), "honours/index.html"
    )
    during = read(
        build_site(copy_of_wujin, build_date="2026-11-23", honours=decisions), "honours/index.html"
    )
    after = read(
        build_site(copy_of_wujin, build_date="2026-11-28", honours=decisions), "honours/index.html"
    )

    assert "陈示例" not in before.get_text()
    assert before.select_one("#notice") is None

    cards = during.select(".pingan-honour-notice article.pingan-under-notice")
    assert [card.select_one(".pingan-card__title").get_text(strip=True) for card in cards] == [
        "陈示例"
    ]
    text = cards[0].get_text(" ", strip=True)
    assert "公示期： 2026 年 11 月 21 日至 27 日" in text
    assert OBJECTIONS in text
    assert "拟授予 2026 年平安志愿者先进个人" in text
    assert "组织楼道巡逻队" in text
    assert "陈示例" not in " ".join(c.get_text() for c in during.select(".pingan-honour-roll"))

    assert after.select_one("#notice") is None
    awarded = after.select('.pingan-honour-roll article[data-nomination="1"]')
    assert [card.select_one(".pingan-card__title").get_text(strip=True) for card in awarded] == [
        "陈示例"
    ]
    assert "2026 年平安志愿者先进个人" in awarded[0].get_text()
    assert awarded[0].select_one(".pingan-meta a")["href"] == "../unit/hutang/"
    li = after.select_one('.pingan-honour-roll [data-person="li-demo"] .pingan-meta a')
    assert li["href"] == "../unit/niutang/"
    years = [h2.get_text(strip=True) for h2 in after.select("article h1 ~ h2")]
    assert years[:3] == ["2026 年", "2025 年", "2024 年"]


def test_a_withdrawn_honour_never_appears(copy_of_wujin, decisions, build_site):
    for day in ("2026-11-20", "2026-11-23", "2026-11-28"):
        site = build_site(copy_of_wujin, build_date=day, honours=decisions)

        assert not (site / "people" / "zhang-demo").exists()
        roll = read(site, "honours/index.html")
        assert roll.select_one('[data-person="zhang-demo"]') is None
        assert "张示例" not in roll.get_text()
        story = read(site, "story/patrol-six-years/index.html")
        assert not story.select('a[href*="zhang-demo"]')
        assert "张示例" not in story.get_text()
        unit = read(site, "unit/hutang/index.html")
        assert "张示例" not in unit.get_text()
        index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
        assert "张示例" not in index


def test_a_person_page_under_notice_prints_its_dates(copy_of_wujin, tmp_path, build_site):
    path = tmp_path / "zhang.json"
    honours = [nomination(3, "张示例", year=2025)]
    document = {"format": "pingan-honour-decisions/1", "deployment": "wujin", "honours": honours}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    site = build_site(copy_of_wujin, build_date="2026-11-23", honours=path)

    page = read(site, "people/zhang-demo/index.html")
    assert page.select_one(".pingan-badge--notice").get_text() == "公示中"
    text = page.select_one(".pingan-under-notice").get_text(" ", strip=True)
    assert "2026 年 11 月 21 日至 27 日" in text and OBJECTIONS in text
    roll = read(site, "honours/index.html")
    assert roll.select_one('.pingan-honour-notice a[href="../people/zhang-demo/"]') is not None
    assert roll.select_one('.pingan-honour-roll [data-person="zhang-demo"]') is None


def test_decisions_of_another_deployment_stop_the_build(copy_of_wujin, decisions, build_site):
    document = json.loads(decisions.read_text(encoding="utf-8"))
    decisions.write_text(json.dumps({**document, "deployment": "tongzhou"}), encoding="utf-8")

    with pytest.raises(BuildFailed, match="不是“wujin”的"):
        build_site(copy_of_wujin, honours=decisions)


def test_pingan_build_takes_the_decisions_and_a_photo_cache(
    copy_of_wujin, decisions, tmp_path, capsys
):
    from site_helpers import phone_jpeg

    from pingan.cli import main

    (copy_of_wujin / "photos").mkdir()
    phone_jpeg(copy_of_wujin / "photos" / "zhang.jpg")
    honours = copy_of_wujin / "honours.yaml"
    text = honours.read_text(encoding="utf-8")
    honours.write_text(
        text.replace("    unit: niutang\n", "    unit: niutang\n    photo: zhang.jpg\n", 1),
        encoding="utf-8",
    )
    site, cache = tmp_path / "site", tmp_path / "cache"
    arguments = ["build", str(copy_of_wujin), "--site-dir", str(site), "--build-date", "2026-11-23"]

    code = main([*arguments, "--honours", str(decisions), "--cache-dir", str(cache), "--strict"])

    assert code == 0, capsys.readouterr().err
    assert "陈示例" in (site / "honours" / "index.html").read_text(encoding="utf-8")
    assert len(list(cache.rglob("*.webp"))) == 2
    assert not (copy_of_wujin / ".pingan-cache").exists()

    decisions.write_text("{", encoding="utf-8")
    assert main([*arguments, "--honours", str(decisions)]) == 1
    assert "不是有效的 JSON 文件" in capsys.readouterr().err


def test_a_roll_with_everyone_withdrawn_says_so(copy_of_wujin, tmp_path, build_site):
    path = tmp_path / "all-withdrawn.json"
    people = [("张示例", 2025, "hutang"), ("李示例", 2025, "niutang")]
    people.append(("王示例", 2024, "sector-transport"))
    honours = [
        nomination(number, name, year=year, unit=unit, withdrawn=True)
        for number, (name, year, unit) in enumerate(people, start=1)
    ]
    document = {"format": "pingan-honour-decisions/1", "deployment": "wujin", "honours": honours}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    site = build_site(copy_of_wujin, honours=path)

    roll = read(site, "honours/index.html")
    assert roll.select_one(".pingan-empty").get_text() == "目前没有公示中或已授予的表彰。"
    assert not roll.select("article.pingan-card")
    assert not (site / "people").exists()
