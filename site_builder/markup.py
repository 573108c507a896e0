"""Markdown from the YAML data as template values (see :mod:`pingan.markup` for the rule)."""

from __future__ import annotations

from markupsafe import Markup

from pingan import markup


def render_markdown(text: str | None) -> Markup:
    """Safe HTML for Markdown from the data; empty Markup for empty text."""
    return Markup(markup.render_markdown(text))


def render_inline(text: str | None) -> Markup:
    """Safe HTML for a one-paragraph Markdown text, without the enclosing ``<p>``."""
    html = markup.render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def escape_markdown(text: str) -> str:
    """Text that Markdown will print literally (for headings built from data)."""
    special = "\\`*_{}[]()#+-.!"
    entities = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
    return "".join(entities.get(ch) or ("\\" + ch if ch in special else ch) for ch in str(text))
