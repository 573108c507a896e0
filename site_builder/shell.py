"""Generated pages written by worker processes: most of them in Material's shell.

The unit, unit-list, person and story pages (and the later pages of the honour roll and the
stories) are nearly all pages of a large deployment (12,001 units → 12,001 unit pages), and
none of them is in the navigation, so Material's page template gives each of them the same
page around the content: same header, navigation, footer, 长辈模式 switch and status link.
What differs from one to another is the title, the canonical URL, the h1's id (the skip
link points at it), the content and the table of contents.

So instead of a MkDocs page each (Material's template with its navigation rendered again),
Material's template is rendered once per *shell*: per folder of the site (relative links
depend on it), page settings and table of contents (a unit page's sections: at most sixteen
combinations), with markers where the per-page values go. Each page is then its template's
HTML put into its shell: the page Material would write (tests/site_builder/test_site_shell.py
holds them equal, whitespace between tags aside).

The generated pages in the navigation (home, notices, quotas, lists: Material marks each in
the navigation) are rendered by Material one by one, as MkDocs' build would, in the same
workers. The workers are forked once the navigation is known (so they share the loaded
deployment), each writes its pages and returns their search entries, made by Material's
search plugin's own code; the plugin adds them to the index and the shell pages to the
sitemap before the search plugin writes its index. The same workers make the campaigns'
poster PDFs (``site_builder.posters``), one task each, given out before the pages so that
a poster WeasyPrint has to make runs beside the pages rather than after them.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urljoin

from mkdocs.commands.build import get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils import get_build_date

from .pages import GeneratedPage, Site, page_dest
from .posters import PlannedPoster, write_poster
from .render import page_meta, render_html

#: Markers for the per-page values in a rendered shell (plain ASCII: no filter changes them).
TITLE = "PINGANSHELLTITLE7F3A"
CANONICAL = "PINGANSHELLCANONICAL7F3A"
H1_ID = "PINGANSHELLH1ID7F3A"
CONTENT = "PINGANSHELLCONTENT7F3A"
#: The content that stands in for the page's (it has an h1, as every page here has).
CONTENT_HTML = f"<h1>{CONTENT}</h1>"
_MARKER = re.compile(f"({TITLE}|{CANONICAL}|{H1_ID}|{re.escape(CONTENT_HTML)})")
_VALUE_OF = {TITLE: "title", CANONICAL: "canonical", H1_ID: "h1_id", CONTENT_HTML: "content"}

#: Below this many pages the build renders them itself: forking costs more than it saves.
PAGES_PER_WORKER = 500


class ShellError(Exception):
    """Material's template did not take the markers as expected (a theme change)."""


class Shell:
    """Material's page with markers, split so that filling it is one join."""

    def __init__(self, rendered: str) -> None:
        self.parts = _MARKER.split(rendered)
        found = self.parts[1::2]
        if found.count(CONTENT_HTML) != 1 or TITLE not in found or H1_ID not in found:
            raise ShellError("Material 页面模板的输出与预期不同，无法套用生成页面的外框")
        # Odd positions hold markers: which value goes there.
        self.slots = [(i, _VALUE_OF[part]) for i, part in enumerate(self.parts) if i % 2]

    def fill(self, values: dict[str, str]) -> str:
        parts = list(self.parts)
        for index, name in self.slots:
            parts[index] = values[name]
        return "".join(parts)


@dataclass
class ShellContext:
    """What rendering Material's template needs, gathered during the MkDocs build."""

    config: MkDocsConfig
    env: Any  # jinja2.Environment of the theme
    nav: Navigation


class Shells:
    """Material's page for each (folder, page settings, table of contents), rendered once."""

    def __init__(self, context: ShellContext) -> None:
        self.context = context
        self.cache: dict[tuple, Shell] = {}

    def get(self, page: GeneratedPage, url: str, meta: dict[str, Any], toc: list[AnchorLink]):
        folder = url.rsplit("/", 2)[0] if url.endswith("/") else url.rsplit("/", 1)[0]
        key = (folder, _freeze({k: v for k, v in meta.items() if k != "title"}), _toc_key(toc))
        shell = self.cache.get(key)
        if shell is None:
            shell = self.cache[key] = self._render(page, meta, toc)
        return shell

    def _render(self, page: GeneratedPage, meta: dict[str, Any], toc: list[AnchorLink]) -> Shell:
        config, env, nav = self.context.config, self.context.env, self.context.nav
        file = File.generated(config, page.src_uri, content="")
        stub = Page(None, file, config)
        stub.meta = {**meta, "title": TITLE}
        stub.title = TITLE
        stub.content = CONTENT_HTML
        stub.toc = TableOfContents(_stub_toc(toc))
        stub.canonical_url = CANONICAL
        template = env.get_template(stub.meta.get("template", "main.html"))
        return Shell(template.render(get_context(nav, [], config, stub)))


def _stub_toc(toc: list[AnchorLink]) -> list[AnchorLink]:
    """The page's toc with the h1 (whose id and title differ per page) as markers."""
    if not toc or toc[0].level != 1:
        raise ShellError("生成页面必须以一级标题开头")
    h1 = AnchorLink(TITLE, H1_ID, 1)
    h1.children = toc[0].children
    return [h1, *toc[1:]]


def _toc_key(toc: list[AnchorLink]) -> tuple:
    def key(link: AnchorLink) -> tuple:
        return (link.level, link.title, link.id, tuple(key(child) for child in link.children))

    return tuple(key(child) for child in toc[0].children) + tuple(key(link) for link in toc[1:])


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


@dataclass
class HtmlPages:
    """Renders the ``*.html.j2`` pages into their shells and writes them into the site."""

    site: Site
    pages: Sequence[GeneratedPage]
    #: The generated pages in the navigation: MkDocs pages, each rendered with Material's
    #: template as MkDocs would (Material marks each in the navigation), here in a worker.
    nav_pages: Sequence[Page]
    files: Files
    shells: Shells
    slugify: Callable[[str, str], str]
    site_url: str
    site_dir: str
    #: Material's search plugin's options, for its SearchIndex; None without search.
    search_config: dict[str, Any] | None
    #: Campaign posters to write as PDF, after the pages (no search entries).
    posters: Sequence[PlannedPoster] = ()

    def __post_init__(self) -> None:
        # Page URLs are relative ("unit/a/"): joined to the site's URL as MkDocs' urljoin does.
        self.site_url = urljoin(self.site_url.rstrip("/") + "/", ".")

    def run(self, start: int, stop: int) -> list[list[dict[str, Any]]]:
        """Write the navigation's pages, then the shell pages, then the posters, from
        *start* to *stop*; return each page's search entries (none for a poster)."""
        index_class = _search_index_class() if self.search_config is not None else None
        entries = []
        first_shell = len(self.nav_pages)
        first_poster = first_shell + len(self.pages)
        for nav_page in self.nav_pages[start:stop]:
            entries.append(self._write_nav_page(nav_page))
        for poster in self.posters[max(0, start - first_poster) : max(0, stop - first_poster)]:
            assert self.site.poster_cache is not None
            write_poster(self.site.poster_cache, poster, self.site_dir)
            entries.append([])
        for page in self.pages[max(0, start - first_shell) : max(0, stop - first_shell)]:
            rendered = render_html(page, self.site, self.slugify)
            url = self.site.url(page.src_uri)
            meta = page_meta(page)
            shell = self.shells.get(page, url, meta, rendered.toc)
            output = shell.fill(
                {
                    "title": page.title,
                    "canonical": self.site_url + url,
                    "h1_id": rendered.h1_id,
                    "content": rendered.content,
                }
            )
            dest = page_dest(page.src_uri, self.site.use_directory_urls)
            path = os.path.join(self.site_dir, dest)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(output.encode("utf-8", errors="xmlcharrefreplace"))
            page_entries: list[dict[str, Any]] = []
            if index_class is not None and page.searchable:
                index = index_class(**self.search_config)
                index.add_entry_from_context(
                    SimpleNamespace(
                        meta=meta,
                        content=rendered.content,
                        toc=TableOfContents(rendered.toc),
                        url=url,
                        title=page.title,
                    )
                )
                page_entries = index.entries
            entries.append(page_entries)
        return entries

    def _write_nav_page(self, page: Page) -> list[dict[str, Any]]:
        """What MkDocs' build does for one page (_populate_page, then _build_page)."""
        context = self.shells.context
        config, nav, files = context.config, context.nav, self.files
        plugins = config.plugins
        config._current_page = page
        page = plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        markdown = page.markdown
        page.markdown = plugins.on_page_markdown(markdown, page=page, config=config, files=files)
        page.render(config, files)
        page.content = plugins.on_page_content(page.content, page=page, config=config, files=files)
        search = next(
            (p for p in plugins.values() if type(p).__module__.startswith(_SEARCH_MODULE)), None
        )
        index = search.search_index.entries if search is not None else []
        before = len(index)
        page.active = True
        try:
            page_context = get_context(nav, self.doc_files, config, page)
            page_context = plugins.on_page_context(page_context, page=page, config=config, nav=nav)
            template = context.env.get_template(page.meta.get("template", "main.html"))
            output = plugins.on_post_page(template.render(page_context), page=page, config=config)
        finally:
            page.active = False
            config._current_page = None
        # The entries go back to the build with the other pages' (and not twice when this
        # runs in the build's own process).
        entries = index[before:]
        del index[before:]
        path = os.path.join(self.site_dir, page.file.dest_uri)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(output.encode("utf-8", errors="xmlcharrefreplace"))
        return entries

    def start(self, workers: int) -> Running:
        """Start writing every page (in *workers* processes when there are enough pages)."""
        self.doc_files = self.files.documentation_pages()
        count = len(self.nav_pages) + len(self.pages)
        total = count + len(self.posters)
        workers = min(workers, count // PAGES_PER_WORKER)
        if workers < 2:
            return Running(done=[entry for page in self.run(0, total) for entry in page])
        if self.search_config is not None:
            _load_segmenter()  # once, before the fork, rather than once per worker
        cache = self.site.poster_cache
        if cache is not None and not all(cache.has(poster.html) for poster in self.posters):
            _load_weasyprint()  # likewise, when a poster is to be made
        # The first page here: Jinja compiles Material's templates once, before the fork.
        first = [entry for page in self.run(0, 1) for entry in page]
        global _JOB
        _JOB = self
        pool = multiprocessing.get_context("fork").Pool(workers)
        try:
            # Posters first, one task each: a PDF costs as much as hundreds of pages.
            posters = [(index, index + 1) for index in range(count, total)]
            pending = pool.map_async(
                _run_chunk, posters + _chunks(count, workers * 4, start=1), chunksize=1
            )
        except BaseException:
            pool.terminate()
            raise
        finally:
            _JOB = None
        return Running(pool=pool, pending=pending, first=first)


class Running:
    """Pages being written: wait() gives their search entries in page order."""

    def __init__(self, *, done=None, pool=None, pending=None, first=()) -> None:
        self.done, self.pool, self.pending, self.first = done, pool, pending, list(first)

    def wait(self) -> list[dict[str, Any]]:
        if self.done is None:
            try:
                results = self.pending.get()
            finally:
                self.cancel()
            rest = [entry for chunk in results for page in chunk for entry in page]
            self.done = self.first + rest
        return self.done

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


#: The job a forked worker runs (set in the parent just before the fork).
_JOB: HtmlPages | None = None


def _run_chunk(bounds: tuple[int, int]) -> list[list[dict[str, Any]]]:
    assert _JOB is not None
    return _JOB.run(*bounds)


def _chunks(count: int, parts: int, start: int = 0) -> list[tuple[int, int]]:
    size = max(1, -(-(count - start) // parts))
    return [(begin, min(count, begin + size)) for begin in range(start, count, size)]


_SEARCH_MODULE = "material.plugins.search"


def _search_index_class():
    from material.plugins.search.plugin import SearchIndex

    return SearchIndex


def _load_segmenter() -> None:
    """Material's search segments Chinese with jieba, whose dictionary loads on first use."""
    try:
        import jieba
    except ImportError:  # pragma: no cover - Material then indexes without segmenting
        return
    jieba.initialize()


def _load_weasyprint() -> None:
    """WeasyPrint (and its fonts' set-up) takes half a second to import."""
    import weasyprint  # noqa: F401


def add_to_sitemap(site_dir: str, env: Any, urls: Sequence[str], site_url: str) -> None:
    """Add *urls* to the sitemap MkDocs wrote (and its .gz, keeping its timestamp)."""
    path = os.path.join(site_dir, "sitemap.xml")
    if not urls or not os.path.exists(path):
        return
    day = get_build_date()
    pages = [
        SimpleNamespace(
            page=SimpleNamespace(
                is_link=False, canonical_url=urljoin(site_url, url), abs_url=None, update_date=day
            )
        )
        for url in urls
    ]
    extra = env.get_template("sitemap.xml").render(pages=pages)
    body = extra[extra.index(">", extra.index("<urlset")) + 1 : extra.rindex("</urlset>")]
    with open(path, encoding="utf-8") as existing:
        text = existing.read()
    end = text.rindex("</urlset>")
    text = text[:end].rstrip("\n") + body + text[end:]
    with open(path, "wb") as out:
        out.write(text.encode("utf-8"))
    gz_path = path + ".gz"
    mtime = 0
    if os.path.exists(gz_path):
        with open(gz_path, "rb") as old:
            mtime = struct.unpack("<I", old.read(8)[4:8])[0]
    with (
        open(gz_path, "wb") as out,
        gzip.GzipFile(fileobj=out, filename=gz_path, mode="wb", mtime=mtime) as gz,
    ):
        gz.write(text.encode("utf-8"))
