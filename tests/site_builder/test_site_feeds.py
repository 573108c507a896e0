"""RSS 2.0 and Atom feeds of notices, nominations under notice and stories, linked from
every page's head."""

from __future__ import annotations

import datetime
import email.utils
import json

from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(path):
    return etree.fromstring(path.read_bytes())


def test_rss_is_rss_2_with_the_notices_and_stories_newest_first(wujin):
    rss = parse(wujin.root / "feeds" / "rss.xml")

    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") == "武进区平安志愿者"
    assert channel.findtext("link").endswith("/") and channel.findtext("description")
    items = channel.findall("item")
    links = [item.findtext("link") for item in items]
    assert any(link.endswith("/notices/wujin-2026/") for link in links)
    assert any(link.endswith("/story/patrol-six-years/") for link in links)
    days = [email.utils.parsedate_to_datetime(item.findtext("pubDate")) for item in items]
    assert days == sorted(days, reverse=True)
    for item in items:
        assert item.findtext("title") and item.findtext("description")
        assert item.find("guid").get("isPermaLink") == "true"
        path = item.findtext("link").split("://", 1)[1].split("/", 1)[1]
        assert (wujin.root / path / "index.html").is_file(), path


def test_atom_has_the_ids_titles_and_dates_atom_requires(wujin):
    atom = parse(wujin.root / "feeds" / "atom.xml")

    assert atom.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert atom.findtext(ATOM + name), name
    assert atom.find(f"{ATOM}author/{ATOM}name").text
    assert atom.find(f"{ATOM}link[@rel='self']").get("href").endswith("/feeds/atom.xml")
    entries = atom.findall(ATOM + "entry")
    assert len(entries) == len(parse(wujin.root / "feeds" / "rss.xml").findall("channel/item"))
    for entry in entries:
        assert entry.findtext(ATOM + "id") == entry.find(ATOM + "link").get("href")
        assert entry.findtext(ATOM + "title")
        datetime.datetime.fromisoformat(entry.findtext(ATOM + "updated"))


def test_every_page_links_both_feeds_in_its_head(wujin):
    for path in wujin.html_files():
        page = wujin.page(path.relative_to(wujin.root).parent.as_posix() + "/")
        links = {link["type"]: link["href"] for link in page.select('head link[rel="alternate"]')}
        rss, atom = links["application/rss+xml"], links["application/atom+xml"]
        assert (path.parent / rss).resolve() == wujin.root / "feeds" / "rss.xml", path
        assert (path.parent / atom).resolve() == wujin.root / "feeds" / "atom.xml", path


def test_a_nomination_under_notice_is_in_the_feeds(copy_of_wujin, tmp_path, build_site):
    decisions = tmp_path / "honours.json"
    honour = {
        "nomination": 1,
        "name": "陈示例",
        "unit": "hutang",
        "honour": "平安志愿者先进个人",
        "year": 2026,
        "withdrawn": False,
        "deeds": "组织楼道巡逻队。",
        "consent": {"date": "2026-11-10", "method": "书面"},
        "notice": {"starts": "2026-11-21", "ends": "2026-11-27", "objections": "请致电综治办"},
    }
    document = {"format": "pingan-honour-decisions/1", "deployment": "wujin", "honours": [honour]}
    decisions.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    site = build_site(copy_of_wujin, build_date="2026-11-23", honours=decisions)

    item = parse(site / "feeds" / "rss.xml").find("channel/item")
    assert item.findtext("title") == "公示：陈示例 拟授予 2026 年平安志愿者先进个人"
    assert "2026 年 11 月 21 日至 27 日" in item.findtext("description")
    anchor = item.findtext("link").rsplit("#", 1)[1]
    page = (site / "honours" / "index.html").read_text(encoding="utf-8")
    assert f'id="{anchor}"' in page
