"""Render generated pages from Jinja2 templates into Markdown sources for MkDocs.

Templates write Markdown headings (so the table of contents and the search sections work)
and raw HTML blocks for tables and cards. Links between generated pages are computed
relative URLs; Markdown from the data goes through :func:`markup.render_markdown` first.
"""

from __future__ import annotations

import json
from functools import cache

import jinja2
import yaml

from . import formatting, markup, pages
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
    )
    return env


def _json_script(value: object) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return jinja2.utils.markupsafe.Markup(
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


def front_matter(page: GeneratedPage) -> str:
    meta: dict[str, object] = {"title": page.title}
    if not page.searchable:
        meta["search"] = {"exclude": True}
    if page.hide:
        meta["hide"] = list(page.hide)
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + "---\n\n"


def render_page(page: GeneratedPage, site: Site) -> str:
    """The page's Markdown source: front matter, then the template's output."""

    def href(target: str) -> str:
        return site.link(page.src_uri, target)

    template = environment().get_template(page.template)
    body = template.render(page.context, site=site, page=page, href=href)
    return front_matter(page) + body
