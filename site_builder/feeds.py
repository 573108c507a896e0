"""RSS 2.0 and Atom feeds of the site: recruitment notices, activities, nominations under
public notice (公示) and stories, newest first, so that people can follow an office without
visiting.

Made with feedgen while the site is planned; every date is the data's own (a notice's
opening day, a story's date, a notice period's first day, an activity's publishing day) or
the build's day, so two builds of the same data on the same day write the same feeds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from .activity_pages import activity_uri
from .formatting import excerpt, notice_period
from .pages import GeneratedAsset, Site, SitePlan, notice_uri, story_uri

RSS_URI = "feeds/rss.xml"
ATOM_URI = "feeds/atom.xml"
#: China Standard Time: the dates in the data are days in China.
CHINA = datetime.timezone(datetime.timedelta(hours=8), "CST")
#: The most entries a feed carries (readers keep what they have already fetched).
MAX_ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    """One item of the feeds."""

    title: str
    url: str
    day: datetime.date
    summary: str
    category: str


def add_feeds(site: Site, plan: SitePlan, site_url: str) -> None:
    """Add the RSS and Atom feeds of *site* to *plan*; *site_url* is the site's public root."""
    entries = _entries(site, site_url)
    plan.assets.append(GeneratedAsset(RSS_URI, _feed(site, site_url, entries, "rss")))
    plan.assets.append(GeneratedAsset(ATOM_URI, _feed(site, site_url, entries, "atom")))


def _entries(site: Site, site_url: str) -> list[Entry]:
    deployment = site.deployment

    def absolute(src_uri: str, anchor: str = "") -> str:
        return urljoin(site_url, site.url(src_uri)) + anchor

    entries = []
    for campaign in deployment.campaigns.values():
        summary = excerpt(campaign.data.get("summary"), 200) or campaign.title
        entries.append(
            Entry(
                campaign.title,
                absolute(notice_uri(campaign.id)),
                campaign.opens,
                summary,
                "招募公告",
            )
        )
    for honour in site.roll.under_notice:
        period = notice_period(honour.notice_starts, honour.notice_ends)
        title = f"公示：{honour.name} 拟授予 {honour.year} 年{honour.honour}"
        summary = f"公示期：{period}。异议受理：{honour.objections}"
        url = absolute("honours/index.md", f"#notice-{honour.id}")
        entries.append(Entry(title, url, honour.notice_starts, summary, "表彰公示"))
    for activity in site.activities or []:
        # Dated the day the office published it; the page says whether it has ended.
        summary = f"{activity.when}，{activity.place}。{activity.service_type}。"
        entries.append(
            Entry(
                activity.title,
                absolute(activity_uri(activity.id)),
                activity.published,
                summary,
                "志愿服务活动",
            )
        )
    for story in deployment.stories:
        day = story["date"]
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        entries.append(
            Entry(
                story["title"],
                absolute(story_uri(story["id"])),
                day,
                excerpt(story["body"], 200),
                "平安故事",
            )
        )
    entries.sort(key=lambda entry: (entry.day, entry.url), reverse=True)
    return entries[:MAX_ENTRIES]


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), CHINA)


def _feed(site: Site, site_url: str, entries: list[Entry], kind: str) -> str:
    deployment = site.deployment
    feed = FeedGenerator()
    feed.id(site_url)
    feed.title(deployment.name)
    feed.subtitle(f"{deployment.name}：招募公告、志愿服务活动、表彰公示和平安故事")
    feed.author({"name": deployment.settings.get("short_name", deployment.name)})
    feed.language("zh-CN")
    # No links to feedgen's site or the RSS specification: the site names no other host.
    feed.generator("pingan-portal")
    feed.docs("")
    self_uri = RSS_URI if kind == "rss" else ATOM_URI
    feed.link(href=urljoin(site_url, self_uri), rel="self")
    # Last: RSS's channel <link> is the last link given (feedgen), and it is the site.
    feed.link(href=site_url, rel="alternate")
    newest = max([site.day, *(entry.day for entry in entries)])
    feed.updated(_moment(newest))
    feed.lastBuildDate(_moment(newest))
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry.url)
        item.guid(entry.url, permalink=True)
        item.title(entry.title)
        item.link(href=entry.url)
        item.summary(entry.summary)
        item.published(_moment(entry.day))
        item.updated(_moment(entry.day))
        item.category(term=entry.category)
    data = feed.rss_str(pretty=True) if kind == "rss" else feed.atom_str(pretty=True)
    return data.decode("utf-8")
