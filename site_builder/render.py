"""Render generated pages from Jinja2 templates into HTML.

The templates write the page's HTML directly (no Markdown step): headings go through
``h(level, text)``, which gives them the ids and the table of contents that Python-Markdown's
toc extension would (the search sections and Material's "on this page" use them). Pages in
the navigation become MkDocs pages whose source is this HTML (:class:`DataPage` in the
plugin); the others go into Material's shell (:mod:`site_builder.shell`). Links between
generated pages are computed relative URLs; Markdown from the data goes through
:func:`markup.render_markdown` first.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import jinja2
from markdown.extensions.toc import unique
from markupsafe import Markup
from mkdocs.structure.toc import AnchorLink

from . import activity_pages, charts, formatting, markup, pages
from .pages import GeneratedPage, Site


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("site_builder", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        markdown=markup.render_markdown,
        inline=markup.render_inline,
        md_escape=markup.escape_markdown,
        zh_date=formatting.zh_date,
        stars_text=formatting.stars_text,
        per_year=formatting.per_year_text,
        minimum=formatting.minimum_text,
        until=formatting.until_text,
        number=formatting.number,
        excerpt=formatting.excerpt,
        initial=formatting.initial,
        json_script=_json_script,
    )
    env.globals.update(
        f=formatting,
        zh_period=formatting.zh_period,
        notice_uri=pages.notice_uri,
        qr_uri=pages.qr_uri,
        quota_uri=pages.quota_uri,
        unit_uri=pages.unit_uri,
        person_uri=pages.person_uri,
        photo_uri=pages.photo_uri,
        story_uri=pages.story_uri,
        activity_uri=activity_pages.activity_uri,
        unit_activities_uri=activity_pages.unit_activities_uri,
        activity_signup_url=activity_pages.signup_url,
        activity_places_url=activity_pages.places_url,
        unit_hours_chart=charts.unit_hours_chart,
    )
    return env


def _json_script(value: object) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return jinja2.utils.markupsafe.Markup(
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


def page_meta(page: GeneratedPage) -> dict[str, object]:
    """The page's settings for MkDocs and Material: title, search exclusion, hidden parts."""
    meta: dict[str, object] = {"title": page.title}
    if not page.searchable:
        meta["search"] = {"exclude": True}
    if page.hide:
        meta["hide"] = list(page.hide)
    return meta


@dataclass
class HtmlPage:
    """An ``*.html.j2`` page rendered: its content HTML and its table of contents."""

    content: str
    #: The headings as MkDocs' toc holds them: the h1, with the h2s below it, and so on.
    toc: list[AnchorLink] = field(default_factory=list)
    #: Every heading id (MkDocs checks links to anchors of the page against them).
    ids: set[str] = field(default_factory=set)

    @property
    def h1_id(self) -> str:
        return self.toc[0].id if self.toc else ""


class _Headings:
    """``h(level, text)`` in a template: the heading with the id (slugify, then made unique
    within the page) and the nesting that Python-Markdown's toc extension gives it."""

    def __init__(self, slugify: Callable[[str, str], str]) -> None:
        self.slugify = slugify
        self.ids: set[str] = set()
        self.toc: list[AnchorLink] = []
        self.open: list[AnchorLink] = []

    def __call__(self, level: int, text: object, anchor: str | None = None) -> Markup:
        """The heading; *anchor* gives its id (as ``{ #apply }`` does in Markdown)."""
        plain = " ".join(str(text).split())
        escaped = html.escape(plain, quote=False)
        if anchor is None:
            anchor = unique(self.slugify(plain, "-"), self.ids)
        else:
            self.ids.add(anchor)
        link = AnchorLink(escaped, anchor, level)
        while self.open and self.open[-1].level >= level:
            self.open.pop()
        (self.open[-1].children if self.open else self.toc).append(link)
        self.open.append(link)
        return Markup(f'<h{level} id="{html.escape(anchor)}">{escaped}</h{level}>')


def render_html(page: GeneratedPage, site: Site, slugify: Callable[[str, str], str]) -> HtmlPage:
    """An ``*.html.j2`` page's content and table of contents."""

    def href(target: str) -> str:
        return site.link(page.src_uri, target)

    headings = _Headings(slugify)
    template = environment().get_template(page.template)
    context = pages.resolve(page.context)
    body = template.render(context, site=site, page=page, href=href, h=headings)
    return HtmlPage(body, headings.toc, headings.ids)
