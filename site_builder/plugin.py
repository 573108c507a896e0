"""The ``pingan`` MkDocs plugin: a deployment's data folder becomes pages of the site.

mkdocs.yml holds what every deployment shares (theme, extensions, plugins); the
deployment's deployment.yaml supplies what differs (site name, pages folder, site URL,
colours), so one mkdocs.yml builds Wujin and every example.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify as toc_slugify
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents
from mkdocs.utils.meta import get_data

from pingan.activities import ActivitiesError, load_activities
from pingan.deployment import DataError, Deployment, load_deployment
from pingan.honours import DecisionsError, load_decisions
from pingan.markup import join_cjk_lines
from pingan.photos import PhotoCache, PhotoError
from pingan.printing import PdfCache
from pingan.statistics import StatisticsError, load_statistics

from .config import PinganConfig
from .feeds import ATOM_URI, RSS_URI, add_feeds
from .formatting import build_day
from .identity import identity_css
from .pages import GeneratedPage, Site, SitePlan, plan_site, status_url
from .render import page_meta, render_html
from .share_image import add_share_images
from .shell import HtmlPages, Running, ShellContext, Shells, add_to_sitemap

log = logging.getLogger("mkdocs.plugins.pingan")

DEFAULT_FORM_URL = "http://127.0.0.1:8000"
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
IDENTITY_CSS = "assets/stylesheets/pingan-identity.css"
#: theme/: the empty page template of a page a worker has written (MkDocs writes nothing).
WRITTEN_ELSEWHERE = "pingan-written-elsewhere.html"
#: The unit directory's filter (theme/assets): acts only on pages that have the filter box.
UNIT_FILTER_JS = "assets/javascripts/unit-filter.js"
#: Written in a content page's Markdown link, e.g. ``[查询进度](pingan:status)``.
STATUS_LINK = "(pingan:status)"
#: The data folder's cache of processed photos when the build names none.
CACHE_FOLDER = ".pingan-cache"
#: One photo cache per folder for the life of the process: a preview's rebuilds do not even
#: hash an unchanged photo again.
_PHOTO_CACHES: dict[Path, PhotoCache] = {}


def photo_cache(folder: Path) -> PhotoCache:
    """The process's cache of processed photos in *folder*."""
    folder = folder.resolve()
    if folder not in _PHOTO_CACHES:
        _PHOTO_CACHES[folder] = PhotoCache(folder)
    return _PHOTO_CACHES[folder]


class PinganPlugin(BasePlugin[PinganConfig]):
    """Loads and checks the deployment once, then adds its generated pages and nav."""

    def __init__(self) -> None:
        super().__init__()
        self.deployment: Deployment | None = None
        self.site: Site | None = None
        self.plan: SitePlan | None = None
        self.env: Any = None
        self.html_pages: Running | None = None
        self.html_urls: list[str] = []
        #: The last build's navigation and files (the preview's partial rebuild uses them).
        self.nav: Navigation | None = None
        self.files: Files | None = None
        self.share_folder = Path(CACHE_FOLDER) / "share"

    def use_deployment(self, deployment: Deployment) -> None:
        """Reuse a deployment the caller has already loaded and checked."""
        self.deployment = deployment

    # on_config: load and check the data and plan every page (a data error or a content
    # page clashing with a generated one stops the build before anything is written), then
    # take the site's name, pages folder, URL and colours from the deployment.
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        data_dir = Path(config.config_file_path or ".").parent / self.config.data_dir
        if self.deployment is None or self.deployment.root.resolve() != data_dir.resolve():
            try:
                self.deployment = load_deployment(data_dir)
            except DataError as error:
                raise PluginError(
                    f"{error.problems.report()}\n发现 {len(error.problems)} 个问题，未生成网站。"
                ) from None
        deployment = self.deployment
        settings = deployment.settings
        config.docs_dir = str(deployment.content_dir)
        config.site_name = deployment.name
        config.site_description = _plain(settings.get("description")) or deployment.name
        site_url = self.config.site_url or settings.get("site_url") or config.site_url
        config.site_url = site_url.rstrip("/") + "/" if site_url else DEFAULT_SITE_URL
        config.copyright = f"{settings.get('short_name', deployment.name)} · {settings['region']}"
        config.extra_css = [*config.extra_css, IDENTITY_CSS]
        config.extra_javascript = [*config.extra_javascript, UNIT_FILTER_JS]
        config.watch.append(str(data_dir))
        form_url = (self.config.form_url or settings.get("form_url") or DEFAULT_FORM_URL).rstrip(
            "/"
        )
        # The theme's footer links every page to the form service's status look-up.
        config.extra["pingan"] = {
            **(config.extra.get("pingan") or {}),
            "status_url": status_url(form_url),
            # Every page's head links the feeds (theme/main.html).
            "feeds": {"rss": RSS_URI, "atom": ATOM_URI},
        }
        config_dir = Path(config.config_file_path or ".").parent
        cache_dir = config_dir / self.config.cache_dir if self.config.cache_dir else None
        activities = _build_input(
            config_dir,
            self.config.activities,
            load_activities,
            ActivitiesError,
            "活动文件",
            deployment,
        )
        decisions = _build_input(
            config_dir,
            self.config.honours,
            load_decisions,
            DecisionsError,
            "表彰决定文件",
            deployment,
        )
        statistics = _build_input(
            config_dir,
            self.config.statistics,
            load_statistics,
            StatisticsError,
            "统计数据文件",
            deployment,
        )
        self.site = Site(
            deployment=deployment,
            day=build_day(self.config.build_date),
            form_url=form_url,
            page_size=self.config.page_size,
            tree_limit=self.config.tree_limit,
            use_directory_urls=config.use_directory_urls,
            photo_cache=photo_cache(cache_dir or data_dir / CACHE_FOLDER / "photos"),
            poster_cache=PdfCache((cache_dir or data_dir / CACHE_FOLDER) / "posters"),
            activities=activities,
            decisions=decisions,
            statistics=statistics,
        )
        self.share_folder = (cache_dir or data_dir / CACHE_FOLDER) / "share"
        try:
            self.plan = self.plan_pages(self.site, config)
        except PhotoError as error:
            raise PluginError(f"{error.message}\n未生成网站。") from None
        _refuse_clashes(self.plan, deployment.content_dir)
        return config

    def plan_pages(self, site: Site, config: MkDocsConfig) -> SitePlan:
        """Every generated page and file of *site* (the preview's partial rebuild plans the
        site again with this after an edit)."""
        plan = plan_site(site)
        add_feeds(site, plan, config.site_url)
        # Every page's head names a picture to share it with (theme/main.html).
        add_share_images(site, plan, config.extra["pingan"], self.share_folder)
        return plan

    # on_files: render and add every planned page and file, and set the (small) navigation.
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.site is not None and self.plan is not None
        plan = self.plan
        content_pages = [file for file in files.documentation_pages() if not file.generated_by]
        titles = _nav_titles(plan.nav)
        slugify = _slugify(config)
        # Pages in the navigation are MkDocs pages (Material marks them in the navigation);
        # the others are written into Material's shell by on_nav's HtmlPages.
        for page in plan.pages:
            if page.src_uri in titles or not self.config.shell:
                inclusion = InclusionLevel.UNDEFINED
                if page.src_uri not in titles:
                    inclusion = InclusionLevel.NOT_IN_NAV
                file = File.generated(config, page.src_uri, content="", inclusion=inclusion)
                DataPage(titles.get(page.src_uri), file, config, page, self.site, slugify)
                files.append(file)
        for asset in plan.assets:
            if asset.content is not None:
                files.append(File.generated(config, asset.src_uri, content=asset.content))
            else:
                files.append(File.generated(config, asset.src_uri, abs_src_path=asset.abs_src_path))
        css = identity_css(self.site.deployment.settings)
        files.append(File.generated(config, IDENTITY_CSS, content=css))
        config.nav = _nav_config(plan.nav) + _content_nav(content_pages)
        return files

    # on_nav: once the navigation is known, start writing the unit, unit-list, person and
    # story pages into Material's shell (site_builder.shell), in worker processes while
    # MkDocs reads, renders and writes the other pages.
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.site is not None and self.plan is not None
        self.nav, self.files = nav, files
        # The shell draws the navigation with its pages' titles; a content page's title is
        # known once its source is read (MkDocs reads it again later, with the same result).
        for page in nav.pages:
            if page.markdown is None:
                page.read_source(config)
        pages = [page for page in self.plan.pages if files.get_file_from_path(page.src_uri) is None]
        # With the shell, the navigation's generated pages are written by the workers too
        # (with shell: false MkDocs writes them, as the reference the tests compare with).
        nav_pages = [page for page in nav.pages if isinstance(page, DataPage)]
        if not self.config.shell:
            nav_pages = []
        search = _material_search(config)
        self.env = config.theme.get_env()
        job = HtmlPages(
            site=self.site,
            pages=pages,
            nav_pages=nav_pages,
            files=files,
            shells=Shells(ShellContext(config=config, env=self.env, nav=nav)),
            slugify=_slugify(config),
            site_url=config.site_url or DEFAULT_SITE_URL,
            site_dir=config.site_dir,
            search_config=dict(search.config) if search is not None else None,
            posters=self.plan.posters,
        )
        self.html_urls = [self.site.url(page.src_uri) for page in pages]
        self.html_pages = job.start(self.config.workers or _cores())
        for page in nav_pages:  # after the fork: the workers render them in full
            page.written_elsewhere = True
        return nav

    # on_env: MkDocs renders its own pages (404, content pages) with the theme environment
    # on_nav made, whose Material templates are already compiled.
    def on_env(self, env: Any, **kwargs: Any) -> Any:
        return self.env if self.env is not None else env

    # on_post_build, before the search plugin writes its index: wait for those pages, add
    # their search entries to the index and their URLs to the sitemap.
    @event_priority(100)
    def _add_html_pages(self, *, config: MkDocsConfig) -> None:
        if self.html_pages is None:
            return
        running, self.html_pages = self.html_pages, None
        entries = running.wait()
        search = _material_search(config)
        if search is not None:
            search.search_index.entries.extend(entries)
        add_to_sitemap(config.site_dir, self.env, self.html_urls, config.site_url or "")

    # on_post_build, after the search plugin: the index as UTF-8. Material writes it with
    # every Chinese character and segment mark as a \uXXXX escape (6 bytes for 3); the same
    # JSON in UTF-8 is half the download (JSON is UTF-8 by definition, and Material's search
    # reads it with fetch().json()).
    @event_priority(-100)
    def _index_as_utf8(self, *, config: MkDocsConfig) -> None:
        path = Path(config.site_dir) / "search" / "search_index.json"
        if path.is_file():
            data = json.loads(path.read_bytes())
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            path.write_bytes(text.encode("utf-8"))

    on_post_build = CombinedEvent(_add_html_pages, _index_as_utf8)

    def on_build_error(self, *, error: Exception) -> None:
        if self.html_pages is not None:
            self.html_pages.cancel()
            self.html_pages = None

    # on_page_markdown: content pages name the status look-up without knowing its address.
    def on_page_markdown(self, markdown: str, **kwargs: Any) -> str:
        assert self.site is not None
        return markdown.replace(STATUS_LINK, f"({status_url(self.site.form_url)})")


def _material_search(config: MkDocsConfig):
    """Material's search plugin, whose index the generated pages' entries join."""
    for plugin in config.plugins.values():
        if type(plugin).__module__.startswith("material.plugins.search"):
            return plugin
    return None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _plain(text: str | None) -> str:
    """One line of text for a meta description."""
    return " ".join(join_cjk_lines(text or "").split())


def _refuse_clashes(plan: SitePlan, content_dir: Path) -> None:
    generated = [page.src_uri for page in plan.pages] + [asset.src_uri for asset in plan.assets]
    clashes = [uri for uri in generated if (content_dir / uri).exists()]
    if clashes:
        raise PluginError(
            "这些页面由数据自动生成，内容目录中不能有同名文件：" + "、".join(sorted(clashes))
        )


def _nav_titles(nav: list[tuple[str, Any]]) -> dict[str, str]:
    """The title each page of the generated navigation has in it, by src_uri."""
    titles: dict[str, str] = {}
    for title, target in nav:
        titles.update(_nav_titles(target) if isinstance(target, list) else {target: title})
    return titles


def _slugify(config: MkDocsConfig):
    """The toc extension's slugify, for the ids of generated headings."""
    return (config.mdx_configs.get("toc") or {}).get("slugify") or toc_slugify


def _linked_with_anchor(file: File, files: Files) -> bool:
    """Whether a page rendered so far links to an anchor (#…) of the page at *file*."""
    return any(
        file in (page.links_to_anchors or {})
        for other in files.documentation_pages()
        if (page := other.page) is not None and not isinstance(page, DataPage)
    )


class DataPage(Page):
    """A generated page in the navigation: a MkDocs page whose HTML comes from its template,
    without a Markdown source to parse."""

    def __init__(self, title, file, config, generated: GeneratedPage, site: Site, slugify):
        super().__init__(title, file, config)
        self.generated, self.site, self.slugify = generated, site, slugify
        #: A worker writes the page and makes its search entries (site_builder.shell): the
        #: build's own pass still renders it (links to its anchors are checked against it)
        #: but indexes and writes nothing.
        self.written_elsewhere = False

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown, self.meta = "", page_meta(self.generated)
        if self.written_elsewhere:
            self.meta.update(search={"exclude": True}, template=WRITTEN_ELSEWHERE)

    def render(self, config: MkDocsConfig, files: Files) -> None:
        if self.written_elsewhere and not _linked_with_anchor(self.file, files):
            # Nothing of it is shown or indexed here, and no content page (rendered before
            # the generated ones) links to one of its anchors for MkDocs to check.
            self.content, self.toc, self._title_from_render = "", TableOfContents([]), None
            self.present_anchor_ids, self.links_to_anchors = set(), {}
            return
        rendered = render_html(self.generated, self.site, self.slugify)
        self.content = rendered.content
        self.toc = TableOfContents(rendered.toc)
        self._title_from_render = None
        self.present_anchor_ids = rendered.ids
        self.links_to_anchors = {}


def _nav_config(nav: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {title: _nav_config(target) if isinstance(target, list) else target}
        for title, target in nav
    ]


def _content_nav(pages: list[File]) -> list[str]:
    """Content pages in the order their front matter ``nav_order`` gives, then by path."""

    def order(file: File) -> tuple[float, str]:
        _, meta = get_data(file.content_string)
        return (float(meta.get("nav_order", 1000)), file.src_uri)

    return [file.src_uri for file in sorted(pages, key=order)]


def _build_input(config_dir, name, load, error_type, what, deployment):
    """A file the service exported for the build (honours, activities, statistics), loaded
    and checked; None without one, and a data error in it stops the build in Chinese."""
    if not name:
        return None
    try:
        return load(config_dir / name, deployment)
    except error_type as error:
        raise PluginError(
            f"{error.problems.report()}\n{what}有 {len(error.problems)} 个问题，未生成网站。"
        ) from None
