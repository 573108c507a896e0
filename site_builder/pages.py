"""Which pages the data produces, and what each one shows.

``plan_site`` gathers everything first (pages, their contexts, files to copy); rendering
happens afterwards in :mod:`site_builder.render`. Per-unit, per-person and per-story pages
are reached through paginated index pages and stay out of the navigation, so the nav (which
Material renders into every page) stays small whatever the size of the deployment.
"""

from __future__ import annotations

import datetime
import math
import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

from mkdocs.utils import get_relative_url, is_markdown_file

from pingan.activities import PublishedActivity
from pingan.campaigns import Campaign, campaign_fields
from pingan.deployment import Deployment
from pingan.eligibility import age_range_text
from pingan.honours import Honour, HonourRoll, honour_roll
from pingan.photos import PhotoCache, ProcessedPhoto
from pingan.printing import PdfCache
from pingan.statistics import Statistics

from .charts import applications_chart, hours_chart, quota_charts, station_chart
from .formatting import UNIT_KINDS
from .posters import PlannedPoster, plan_poster
from .qrcode import qr_svg
from .quota_view import display_rows, progress_rollup

CAMPAIGN_ORDER = {"open": 0, "upcoming": 1, "closed": 2}
#: What urllib's quote leaves alone by default, as MkDocs' File.url uses it.
URL_SAFE = "/"


class Later(partial):
    """A context value computed when the page is rendered (in a worker process, for most
    pages) rather than while the site is planned: walks of the whole unit tree per campaign."""


def resolve(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its :class:`Later` values computed."""
    return {key: value() if isinstance(value, Later) else value for key, value in context.items()}


@dataclass
class GeneratedPage:
    """A Markdown page the plugin adds: its path, template and the data it shows."""

    src_uri: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = False
    searchable: bool = True
    hide: tuple[str, ...] = ()


@dataclass
class GeneratedAsset:
    """A non-page file: either text content or a file on disk to copy."""

    src_uri: str
    content: str | None = None
    abs_src_path: str | None = None


@dataclass
class SitePlan:
    """Everything the plugin adds to the site, decided before anything is rendered."""

    pages: list[GeneratedPage] = field(default_factory=list)
    assets: list[GeneratedAsset] = field(default_factory=list)
    #: Navigation entries of the generated part: (title, src_uri or [(title, src_uri)…]).
    nav: list[tuple[str, Any]] = field(default_factory=list)
    #: The processed photo files among the assets (two names may hold the same picture).
    photo_files: set[str] = field(default_factory=set)
    #: Campaign posters the build's workers write as PDF (site_builder.posters).
    posters: list[PlannedPoster] = field(default_factory=list)

    def add(self, page: GeneratedPage) -> GeneratedPage:
        self.pages.append(page)
        return page


@dataclass
class Site:
    """What every template needs: the data, the build's day and settings, and URLs."""

    deployment: Deployment
    day: datetime.date
    form_url: str
    page_size: int
    tree_limit: int
    use_directory_urls: bool = True
    #: Where processed photos are kept between builds; None publishes no photo at all.
    photo_cache: PhotoCache | None = field(default=None, repr=False)
    #: The photos the site shows, by their file name under the deployment's photos/ (filled
    #: while the site is planned): templates publish only the processed files, never these.
    photos: dict[str, ProcessedPhoto] = field(default_factory=dict, repr=False)
    #: Where campaign posters' PDFs are kept between builds; None makes no poster PDF.
    poster_cache: PdfCache | None = field(default=None, repr=False)
    #: The offices' honour decisions (pingan.honours.load_decisions), or None without them.
    decisions: list[dict[str, Any]] | None = field(default=None, repr=False)
    #: The offices' published activities (pingan.activities.load_activities), or None.
    activities: list[PublishedActivity] | None = field(default=None, repr=False)
    #: Unit id → its activities as the lists order them (site_builder.activity_pages fills
    #: it while the site is planned; unit pages show the first few).
    unit_activities: dict[str, list[PublishedActivity]] = field(default_factory=dict, repr=False)
    #: The form service's counts (pingan.statistics.load_statistics): no charts without them.
    statistics: Statistics | None = field(default=None, repr=False)
    _roll: HonourRoll | None = field(default=None, repr=False)
    _urls: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def roll(self) -> HonourRoll:
        """The honours shown on the build's day: YAML honours merged with the decisions."""
        if self._roll is None:
            self._roll = honour_roll(self.deployment, self.day, self.decisions)
        return self._roll

    @property
    def has_roll(self) -> bool:
        """Whether the site has an honour roll page: honours.yaml names people or the offices
        decided something (the page stays, saying so, when everyone is withdrawn: content
        pages link to it)."""
        return bool(self.deployment.volunteers or self.decisions)

    def shown_people(self) -> list[dict[str, Any]]:
        """honours.yaml people the site may name and link to (not withdrawn, not waiting)."""
        hidden = self.roll.hidden_people
        return [person for person in self.deployment.volunteers if person["id"] not in hidden]

    def url(self, src_uri: str) -> str:
        """The site-relative URL MkDocs gives the page or file at *src_uri*."""
        url = self._urls.get(src_uri)
        if url is None:
            url = self._urls[src_uri] = page_url(src_uri, self.use_directory_urls)
        return url

    def link(self, from_src: str, to_src: str) -> str:
        """A relative link from one page to another (as MkDocs would write it)."""
        return get_relative_url(self.url(to_src), self.url(from_src))

    def apply_url(self, campaign: Campaign) -> str:
        return f"{self.form_url}/apply/{campaign.id}"

    def progress_url(self, campaign: Campaign) -> str:
        return f"{self.form_url}/api/v1/campaigns/{campaign.id}/progress"

    @property
    def status_url(self) -> str:
        return status_url(self.form_url)


def page_dest(src_uri: str, use_directory_urls: bool = True) -> str:
    """The file MkDocs writes for *src_uri*, relative to the site folder."""
    if not is_markdown_file(src_uri):
        return src_uri
    parent, filename = posixpath.split(src_uri)
    stem = posixpath.splitext(filename)[0]
    name = "index" if stem == "README" else stem
    if not use_directory_urls or name == "index":
        return posixpath.join(parent, name + ".html")
    return posixpath.join(parent, name, "index.html")


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The URL MkDocs' File gives *src_uri* (``unit/a.md`` → ``unit/a/``), without building a
    File: a build links tens of thousands of times (tests hold the two equal)."""
    dest = page_dest(src_uri, use_directory_urls)
    dirname, base = posixpath.split(dest)
    if use_directory_urls and base == "index.html":
        dest = (dirname or ".") + "/"
    return quote(dest, safe=URL_SAFE)


def status_url(form_url: str) -> str:
    """The form service's status look-up (查询进度) at *form_url*."""
    return f"{form_url.rstrip('/')}/status"


# Where each kind of page lives. Lists use a plural folder, items a singular one, so that
# no id can collide with a list page.
def notice_uri(campaign_id: str) -> str:
    return f"notices/{campaign_id}/index.md"


def qr_uri(campaign_id: str) -> str:
    return f"notices/{campaign_id}/apply-qr.svg"


def quota_uri(campaign_id: str) -> str:
    return f"quotas/{campaign_id}.md"


def unit_uri(unit_id: str) -> str:
    return f"unit/{unit_id}.md"


def unit_list_uri(number: int) -> str:
    return f"units/list/{number}.md"


def person_uri(person_id: str) -> str:
    return f"people/{person_id}.md"


def photo_uri(file_name: str) -> str:
    """Where a processed photo file (a page image or thumbnail, content-addressed) goes."""
    return f"people/photos/{file_name}"


def story_uri(story_id: str) -> str:
    return f"story/{story_id}.md"


def list_page_uri(folder: str, number: int) -> str:
    return f"{folder}/index.md" if number == 1 else f"{folder}/page/{number}.md"


@dataclass
class Pager:
    """Page *number* of *count*, with the paths of every page of the list."""

    number: int
    count: int
    uris: list[str]

    @property
    def previous(self) -> str | None:
        return self.uris[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.uris[self.number] if self.number < self.count else None


def paginate(items: list[Any], size: int, uri_of) -> list[tuple[Pager, list[Any]]]:
    """Split *items* into pages of *size*; always at least one (possibly empty) page."""
    count = max(1, math.ceil(len(items) / size))
    uris = [uri_of(number) for number in range(1, count + 1)]
    return [
        (Pager(number, count, uris), items[(number - 1) * size : number * size])
        for number in range(1, count + 1)
    ]


def sorted_campaigns(deployment: Deployment, day: datetime.date) -> list[Campaign]:
    """Open rounds first, then upcoming, then closed; newest first within each."""
    campaigns = sorted(deployment.campaigns.values(), key=lambda c: (c.opens, c.id), reverse=True)
    return sorted(campaigns, key=lambda c: CAMPAIGN_ORDER[c.status(day)])


def plan_site(site: Site) -> SitePlan:
    """Every generated page and file of the deployment, with its context."""
    plan = SitePlan()
    deployment = site.deployment
    campaigns = sorted_campaigns(deployment, site.day)
    plan.add(_home(site, campaigns))
    notices = _notices(site, plan, campaigns)
    quotas = _quotas(site, plan, campaigns)
    plan.nav.append(("首页", "index.md"))
    plan.nav.append(("招募公告", notices))
    if quotas:
        plan.nav.append(("名额分配", quotas))
    if site.activities:
        # Its own module, which builds on this one's pages and lists.
        from .activity_pages import plan_activities

        plan.nav.append(("志愿服务活动", plan_activities(site, plan)))
    plan.nav.append(("组织网络", _units(site, plan)))
    if site.has_roll:
        plan.nav.append(("光荣榜", _honours(site, plan)))
    if deployment.projects:
        plan.nav.append(("服务项目", _projects(site, plan)))
    if deployment.stories:
        plan.nav.append(("平安故事", _stories(site, plan)))
    if statistics := _statistics(site, plan):
        plan.nav.append(("数据统计", statistics))
    return plan


def _home(site: Site, campaigns: list[Campaign]) -> GeneratedPage:
    by_status = defaultdict(list)
    for campaign in campaigns:
        by_status[campaign.status(site.day)].append(campaign)
    return GeneratedPage(
        "index.md",
        site.deployment.name,
        "home.html.j2",
        {
            "open": by_status["open"],
            "upcoming": by_status["upcoming"],
            "history": _history(site.deployment, by_status["closed"]),
        },
        in_nav=True,
        hide=("toc",),
    )


def _history(deployment: Deployment, closed: list[Campaign]) -> list[dict[str, Any]]:
    """工作历程: the documents' events and the closed rounds, oldest first.

    Dates are as precise as the documents give them (``2016``, ``2014-10``, ``2014-10-09``);
    ISO text sorts a year or month before the days within it.
    """
    events = [
        dict(event, date=str(event["date"])) for event in deployment.settings.get("history") or []
    ]
    events += [{"date": str(c.data["opens"]), "title": c.title, "campaign": c} for c in closed]
    return sorted(events, key=lambda event: event["date"])


def _notices(site: Site, plan: SitePlan, campaigns: list[Campaign]) -> list[tuple[str, str]]:
    plan.add(
        GeneratedPage("notices/index.md", "招募公告", "notices.html.j2", {"campaigns": campaigns})
    )
    nav = [("全部公告", "notices/index.md")]
    for campaign in campaigns:
        status = campaign.status(site.day)
        can_apply = status == "open" and campaign.accepts_public()
        if can_apply:
            title = f"{campaign.title} 在线报名二维码"
            plan.assets.append(
                GeneratedAsset(qr_uri(campaign.id), qr_svg(site.apply_url(campaign), title))
            )
        context = {
            "campaign": campaign,
            "data": campaign.data,
            "status": status,
            "can_apply": can_apply,
            "age_text": age_range_text(campaign.data["eligibility"]["age"]),
            "fields": Later(campaign_fields, campaign, site.deployment),
            "has_quota": campaign.data.get("quota") in site.deployment.quotas,
            "poster": plan_poster(site, plan, campaign),
            "applications_chart": Later(
                applications_chart, site.statistics, site.deployment, campaign
            ),
        }
        page = plan.add(
            GeneratedPage(notice_uri(campaign.id), campaign.title, "notice.html.j2", context)
        )
        nav.append((campaign.title, page.src_uri))
    return nav


def _quotas(site: Site, plan: SitePlan, campaigns: list[Campaign]) -> list[tuple[str, str]]:
    deployment = site.deployment
    with_quota = [c for c in campaigns if c.data.get("quota") in deployment.quotas]
    if not with_quota:
        return []
    plan.add(
        GeneratedPage("quotas/index.md", "名额分配", "quotas.html.j2", {"campaigns": with_quota})
    )
    nav = [("全部名额表", "quotas/index.md")]
    for campaign in with_quota:
        table = deployment.quotas[campaign.data["quota"]]
        context = {
            "campaign": campaign,
            "table": table,
            "rows": Later(display_rows, table, deployment.tree),
            "level_totals": Later(_level_totals, site, table),
            "kind_totals": Later(_kind_totals, site, table),
            "rollup": Later(progress_rollup, table, deployment.tree),
            "progress": table.kind != "categories" and bool(table.rows),
            "charts": Later(quota_charts, site.statistics, deployment, campaign, table),
            "status": campaign.status(site.day),
        }
        title = f"{campaign.title}：名额分配"
        plan.add(GeneratedPage(quota_uri(campaign.id), title, "quota.html.j2", context))
        nav.append((campaign.title, quota_uri(campaign.id)))
    return nav


def _level_totals(site: Site, table) -> list[tuple[str, int]]:
    """Per level, the quotas of its units including everything below them (区 37,596 too)."""
    tree = site.deployment.tree
    totals: dict[str, int] = {}
    for unit_id, total in table.totals_by_unit(tree).items():
        level = tree[unit_id].level
        totals[level] = totals.get(level, 0) + total
    return [
        (level["name"], totals[level["id"]])
        for level in site.deployment.settings["levels"]
        if level["id"] in totals
    ]


def _kind_totals(site: Site, table) -> list[tuple[str, int, int]]:
    """(kind name, number of units, quota) per kind of unit, when rows mix kinds."""
    tree = site.deployment.tree
    totals: dict[str, list[int]] = {}
    for row in table.rows:
        if row.unit in tree:
            entry = totals.setdefault(tree[row.unit].kind, [0, 0])
            entry[0] += 1
            entry[1] += row.count
    if len(totals) < 2:
        return []
    return [(UNIT_KINDS[kind], units, count) for kind, (units, count) in totals.items()]


def _tree_depth(site: Site) -> int:
    """The deepest level drawn in the directory's tree, keeping it within ``tree_limit``."""
    per_depth: dict[int, int] = defaultdict(int)
    for _, depth in site.deployment.tree.walk():
        per_depth[depth] += 1
    shown, limit = 0, 0
    for depth in sorted(per_depth):
        shown += per_depth[depth]
        if shown > site.tree_limit and depth > 0:
            break
        limit = depth
    return limit


def _units(site: Site, plan: SitePlan) -> str:
    deployment = site.deployment
    tree = deployment.tree
    depth_limit = _tree_depth(site)
    walk = list(tree.walk())
    level_counts = defaultdict(int)
    for unit, _ in walk:
        level_counts[unit.level] += 1
    # Once per level, not per unit (a linear look-up 12,000 times showed in the profile).
    level_names = {level: deployment.level_name(level) for level in level_counts}
    levels = [
        (level["name"], level.get("unit_name"), level_counts[level["id"]])
        for level in deployment.settings["levels"]
    ]
    pages = paginate([unit for unit, _ in walk], site.page_size, unit_list_uri)
    plan.add(
        GeneratedPage(
            "units/index.md",
            "组织网络",
            "units.html.j2",
            {
                "tree": [(unit, depth) for unit, depth in walk if depth <= depth_limit],
                "depth_limit": depth_limit,
                "deeper": sum(1 for _, depth in walk if depth > depth_limit),
                "levels": levels,
                "total": len(walk),
                "pages": pages[0][0],
            },
        )
    )
    for pager, units in pages:
        title = f"全部单位（第 {pager.number} 页，共 {pager.count} 页）"
        context = {"units": units, "pager": pager}
        page = GeneratedPage(pager.uris[pager.number - 1], title, "unit_list.html.j2", context)
        page.searchable = False
        plan.add(page)
    quota_totals = {
        table_id: table.totals_by_unit(tree) for table_id, table in deployment.quotas.items()
    }
    campaigns_by_table = defaultdict(list)
    for campaign in sorted_campaigns(deployment, site.day):
        campaigns_by_table[campaign.data.get("quota")].append(campaign)
    people = defaultdict(list)
    for person in site.shown_people():
        people[person["unit"]].append(person)
    projects = defaultdict(list)
    for project in deployment.projects:
        if "unit" in project:
            projects[project["unit"]].append(project)
    for unit, _ in walk:
        quotas = [
            (table, campaigns_by_table[table_id], totals[unit.id])
            for table_id, table in deployment.quotas.items()
            if unit.id in (totals := quota_totals[table_id])
        ]
        context = {
            "unit": unit,
            "path": tree.path(unit.id)[:-1],
            "level": level_names[unit.level],
            "quotas": quotas,
            "people": people[unit.id],
            "projects": projects[unit.id],
        }
        plan.add(
            GeneratedPage(unit_uri(unit.id), unit.name, "unit.html.j2", context, searchable=False)
        )
    return "units/index.md"


def _honours(site: Site, plan: SitePlan) -> str:
    """The honour roll: nominations under public notice (公示) first, then the honours
    awarded, by year; a page per honours.yaml person the roll shows."""
    deployment = site.deployment
    roll = site.roll
    shown = roll.under_notice + roll.awarded
    honour_of = {honour.person["id"]: honour for honour in shown if honour.person}
    stories_of = defaultdict(list)
    for story in deployment.stories:
        for person_id in story.get("volunteers", []):
            stories_of[person_id].append(story)
    for honour in shown:
        if honour.photo:
            _publish_photo(site, plan, honour.photo)
    for person_id, honour in honour_of.items():
        person = honour.person
        context = {
            "person": person,
            "honour": honour,
            "unit": deployment.tree[person["unit"]],
            "stories": stories_of[person_id],
        }
        plan.add(GeneratedPage(person_uri(person_id), person["name"], "person.html.j2", context))
    chunks = paginate(roll.awarded, site.page_size, lambda n: list_page_uri("honours", n))
    for pager, chunk in chunks:
        title = "光荣榜" if pager.number == 1 else f"光荣榜（第 {pager.number} 页）"
        context = {
            "under_notice": context_notice(roll, pager),
            "by_honour": _honour_counts(roll) if pager.number == 1 else [],
            "years": _by_year(chunk),
            "has_examples": any(honour.example for honour in chunk + context_notice(roll, pager)),
            "pager": pager,
        }
        page = GeneratedPage(pager.uris[pager.number - 1], title, "honours.html.j2", context)
        # Later pages only repeat cards of pages that are in the index themselves.
        page.searchable = pager.number == 1
        plan.add(page)
    return "honours/index.md"


def context_notice(roll: HonourRoll, pager: Pager) -> list[Honour]:
    """The nominations under notice, shown once: on the roll's first page."""
    return roll.under_notice if pager.number == 1 else []


def _by_year(honours: list[Honour]) -> list[tuple[int, list[Honour]]]:
    """Honours (sorted latest year first) grouped by year, in that order."""
    years: dict[int, list[Honour]] = {}
    for honour in honours:
        years.setdefault(honour.year, []).append(honour)
    return list(years.items())


def _honour_counts(roll: HonourRoll) -> list[tuple[str, int, list[int]]]:
    """(honour, how many were awarded it, its years latest first) for the roll's summary."""
    return [
        (name, len(honours), sorted({h.year for h in honours}, reverse=True))
        for name, honours in roll.by_honour().items()
    ]


def _publish_photo(site: Site, plan: SitePlan, name: str) -> None:
    """Publish the photo *name* of the deployment's photos/ as its processed files only:
    upright, without EXIF (a phone's GPS position!), page image and thumbnail, WebP and JPEG.
    The original never reaches the site. Raises PhotoError for a photo that cannot be used."""
    if name in site.photos or site.photo_cache is None:
        return
    photo = site.photo_cache.get(site.deployment.photos_dir / name, f"photos/{name}")
    site.photos[name] = photo
    for image in photo.files:
        uri = photo_uri(image.name)
        if uri not in plan.photo_files:
            plan.photo_files.add(uri)
            plan.assets.append(GeneratedAsset(uri, abs_src_path=str(image.path)))


def _statistics(site: Site, plan: SitePlan) -> str | None:
    """数据统计: hours served by month and the ranking of grid-worker stations, when the
    form service's counts have either (stations only: no grid worker is named)."""
    hours = hours_chart(site.statistics, site.deployment)
    stations = station_chart(site.statistics, site.deployment)
    if hours is None and stations is None:
        return None
    context = {"hours": hours, "stations": stations}
    plan.add(GeneratedPage("statistics/index.md", "数据统计", "statistics.html.j2", context))
    return "statistics/index.md"


def _projects(site: Site, plan: SitePlan) -> str:
    projects = sorted(site.deployment.projects, key=lambda p: not p.get("brand", False))
    plan.add(
        GeneratedPage("projects/index.md", "服务项目", "projects.html.j2", {"projects": projects})
    )
    return "projects/index.md"


def _stories(site: Site, plan: SitePlan) -> str:
    stories = sorted(site.deployment.stories, key=lambda s: (s["date"], s["id"]), reverse=True)
    # A withdrawn nomination's person (or one not yet under notice) is neither named nor linked.
    people = {person["id"]: person for person in site.shown_people()}
    # A story's card shows its first volunteer who has a photo, else its first volunteer.
    faces = {}
    for story in stories:
        named = [
            people[person_id] for person_id in story.get("volunteers", []) if person_id in people
        ]
        with_photo = [person for person in named if person.get("photo")]
        faces[story["id"]] = (with_photo or named or [None])[0]
    for story in stories:
        for name in story.get("photos", []):
            _publish_photo(site, plan, name)
        context = {"story": story, "people": people}
        plan.add(GeneratedPage(story_uri(story["id"]), story["title"], "story.html.j2", context))
    for pager, chunk in paginate(stories, site.page_size, lambda n: list_page_uri("stories", n)):
        title = "平安故事" if pager.number == 1 else f"平安故事（第 {pager.number} 页）"
        context = {"stories": chunk, "pager": pager, "faces": faces}
        page = GeneratedPage(pager.uris[pager.number - 1], title, "stories.html.j2", context)
        # Later pages only repeat cards of pages that are in the index themselves.
        page.searchable = pager.number == 1
        plan.add(page)
    return "stories/index.md"
